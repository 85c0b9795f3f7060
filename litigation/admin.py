"""Admin: the offence catalogue (import/export, history) and the cases with their
offences, parties, documents and settlements, showing the computed exposure."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from tariff.kit.admin import ServiceRefusalAdminMixin
from tariff.kit.errors import DomainError, DomainErrors
from tariff.kit.history import SimpleHistoryAdmin  # reverting a version needs the change permission
from tariff.kit.numbers import format_amount
from tariff.kit.spreadsheets import SafeFormatsMixin

from . import selectors, services
from .models import Case, CaseDocument, CaseOffence, CaseParty, Offence, Settlement
from .resources import OffenceResource
from .rules import DH


@admin.register(Offence)
class OffenceAdmin(SafeFormatsMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [OffenceResource]
    list_display = (
        "citation", "offence_class", "label_short", "penalty_article", "fine_basis", "fine_multiplier", "fine_min",
        "fine_max", "valid_from", "valid_to",
    )
    list_filter = ("offence_class", "fine_basis", "article")
    search_fields = ("article", "paragraph", "label_fr", "penalty_article", "source")
    list_per_page = 100
    fieldsets = (
        (None, {"fields": ("article", "paragraph", "variant", "offence_class", "label_fr", "valid_from", "valid_to")}),
        (_("Sanction"), {"fields": (
            "penalty_article", ("prison_min_months", "prison_max_months"), "fine_basis", "fine_multiplier",
            ("fine_min", "fine_max"), "min_undeclared_amount", "doubling_on_aggravating",
            "doubling_on_sensitive_goods", "confiscate_goods", "confiscate_transport", "confiscate_concealing",
            "confiscation_note", "document_retention_years",
        )}),
        (_("Source"), {"fields": ("source", "note")}),
    )

    @admin.display(description=_("infraction"), ordering="article")
    def citation(self, obj):
        return obj.citation

    @admin.display(description=_("libellé"))
    def label_short(self, obj):
        return obj.label_fr[:90]


class CaseOffenceInline(admin.TabularInline):
    model = CaseOffence
    extra = 0
    autocomplete_fields = ("offence",)
    fields = ("offence", "goods_customs_value", "duties_compromised", "undeclared_amount", "export_advantages", "note")


class CasePartyInline(admin.TabularInline):
    model = CaseParty
    extra = 0
    fields = ("role", "party")
    autocomplete_fields = ("party",)


class CaseDocumentInline(admin.TabularInline):
    model = CaseDocument
    extra = 0
    fields = ("kind", "title", "file", "document_date", "retention_until")
    readonly_fields = ("retention_until",)

    @admin.display(description=_("à conserver jusqu'au"))
    def retention_until(self, obj):
        return obj.retention_until or "—"

    def has_delete_permission(self, request, obj=None):
        # ``obj`` is the case: no deletion from the case page while a document is under retention.
        if obj is not None and any(
            services.case_document_deletion_refusal(document=doc) for doc in obj.documents.all()
        ):
            return False
        return super().has_delete_permission(request, obj)


class SettlementInline(admin.TabularInline):
    """Read-only here: a settlement is recorded through its own form (art. 275 checks)."""

    model = Settlement
    extra = 0
    can_delete = False
    fields = ("settlement_date", "reference", "fines_due", "fines_remitted", "confiscations_remitted",
              "other_sums_remitted", "duties_due")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _transition_action(status, label):
    @admin.action(description=label, permissions=["change"])  # not for view-only users (auditors)
    def action(modeladmin, request, queryset):
        for case in queryset:
            try:
                services.case_transition(case=case, to_status=status)
            except DomainError as exc:
                modeladmin.message_user(request, f"{case.reference} : {exc.message}", messages.ERROR)
            else:
                modeladmin.message_user(request, f"{case.reference} : {Case.Status(status).label}.", messages.SUCCESS)

    action.__name__ = f"mark_{status}"
    return action


@admin.register(Case)
class CaseAdmin(SimpleHistoryAdmin):
    list_display = ("reference", "office", "facts_date", "dum", "status", "fine_exposure")
    raw_id_fields = ("declaration",)
    list_filter = ("status", "office")
    search_fields = ("reference", "declaration_reference", "declaration__reference", "parties__party__name", "parties__party__ice", "office")
    date_hierarchy = "facts_date"
    readonly_fields = ("status", "exposure_table", "created_at", "updated_at")
    inlines = [CaseOffenceInline, CasePartyInline, CaseDocumentInline, SettlementInline]
    actions = [
        _transition_action(Case.Status.UNDER_REVIEW, _("Passer en cours d'examen")),
        _transition_action(Case.Status.REFERRED_TO_COURT, _("Transmettre au tribunal")),
        _transition_action(Case.Status.CLOSED, _("Clôturer")),
    ]
    fieldsets = (
        (None, {"fields": ("reference", "office", "facts_date", "declaration", "declaration_reference", "description",
                           "status")}),
        (_("Assiettes (DH)"), {"fields": (
            "goods_customs_value", "duties_compromised", "undeclared_amount", "export_advantages", "other_sums_due",
        )}),
        (_("Circonstances"), {"fields": (
            "aggravating_circumstances", "aggravating_details", "sensitive_goods", "post_clearance_fraud",
        )}),
        (_("Saisie"), {"fields": (
            "seized_goods_description", "seized_goods_customs_value", "duties_on_seized_goods",
            "seized_transport_value",
        )}),
        (_("Risque encouru"), {"fields": ("exposure_table", "created_at", "updated_at")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("declaration").prefetch_related("case_offences__offence")

    @admin.display(description=_("déclaration (DUM)"))
    def dum(self, obj):
        return obj.dum_reference or "—"

    @admin.display(description=_("amendes encourues"))
    def fine_exposure(self, obj):
        exposure = selectors.case_exposure(obj)
        if exposure.fine_min_total == exposure.fine_max_total:
            text = format_amount(exposure.fine_max_total, DH)
        else:
            text = f"{format_amount(exposure.fine_min_total, DH)} – {format_amount(exposure.fine_max_total, DH)}"
        return text + (" (incomplet)" if exposure.incomplete else "")

    @admin.display(description=_("risque encouru, par infraction"))
    def exposure_table(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        exposure = selectors.case_exposure(obj)
        rows = []
        for line in exposure.lines:
            if not line.applicable:
                fine = line.reason
            elif line.fine_max is None:
                fine = line.detail
            elif line.fine_min == line.fine_max:
                fine = format_amount(line.fine_max, DH)
            else:
                fine = f"{format_amount(line.fine_min, DH)} – {format_amount(line.fine_max, DH)}"
            prison = (f"{line.prison_min_months} à {line.prison_max_months} mois"
                      if line.prison_max_months else "—")
            detail = f"{line.detail} — {line.source}" if line.applicable else ""
            rows.append((line.citation, line.penalty_article or "—", fine, prison,
                         ", ".join(line.confiscation_labels) or "—", detail))
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                                rows)
        return format_html(
            "<table><thead><tr><th>Infraction</th><th>Article</th><th>Amende</th><th>Emprisonnement</th>"
            "<th>Confiscations</th><th>Détail</th></tr></thead><tbody>{}</tbody></table>"
            "<p>Total des amendes : {} – {}{}. Droits et taxes non remissibles : {} ({})</p>",
            body, format_amount(exposure.fine_min_total, DH), format_amount(exposure.fine_max_total, DH),
            " (incomplet : assiette manquante)" if exposure.incomplete else "",
            format_amount(exposure.duties_not_remittable, DH), exposure.duties_basis,
        )


@admin.register(CaseDocument)
class CaseDocumentAdmin(ServiceRefusalAdminMixin, admin.ModelAdmin):
    list_display = ("title", "case", "kind", "document_date", "retention_until")
    list_filter = ("kind",)
    search_fields = ("title", "case__reference")
    autocomplete_fields = ("case",)

    @admin.display(description=_("à conserver jusqu'au"))
    def retention_until(self, obj):
        return obj.retention_until or "—"

    def has_delete_permission(self, request, obj=None):
        # CDII art. 45 quater: documents of 66 bis cases are kept 10 years.
        if obj is not None and services.case_document_deletion_refusal(document=obj):
            return False
        return super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        services.case_document_delete(document=obj)

    def delete_queryset(self, request, queryset):
        for document in queryset.select_related("case"):
            try:
                services.case_document_delete(document=document)
            except DomainError as exc:
                self.message_user(request, f"{document.title} : {exc.message}", messages.ERROR)


class SettlementForm(forms.ModelForm):
    class Meta:
        model = Settlement
        fields = ("case", "settlement_date", "reference", "fines_remitted", "confiscations_remitted",
                  "other_sums_remitted", "duties_remitted", "notes")

    def clean(self):
        data = super().clean()
        case, day = data.get("case"), data.get("settlement_date")
        if case is None or day is None or self.errors:
            return data
        amounts = {name: data.get(name) or 0 for name in services.SETTLEMENT_AMOUNTS}
        try:
            services.settlement_check(case=case, settlement_date=day, amounts=amounts)
        except DomainError as exc:
            errors = exc.errors if isinstance(exc, DomainErrors) else [exc]
            fields_ = set(self.fields)
            raise ValidationError(
                {(e.field if e.field in fields_ else "__all__"): e.message for e in errors}
            ) from exc
        return data


@admin.register(Settlement)
class SettlementAdmin(ServiceRefusalAdminMixin, SimpleHistoryAdmin):
    form = SettlementForm
    list_display = ("case", "settlement_date", "reference", "fines_due", "fines_remitted", "duties_due")
    search_fields = ("reference", "case__reference")
    autocomplete_fields = ("case",)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("fines_due", "duties_due")
        return [f.name for f in Settlement._meta.fields if f.name != "id"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        data = form.cleaned_data
        recorded = services.settlement_record(
            case=data["case"], settlement_date=data["settlement_date"], reference=data.get("reference", ""),
            notes=data.get("notes", ""), **{name: data.get(name) or 0 for name in services.SETTLEMENT_AMOUNTS},
        )
        obj.pk = recorded.pk
        obj.fines_due, obj.duties_due = recorded.fines_due, recorded.duties_due
        obj._state.adding = False
