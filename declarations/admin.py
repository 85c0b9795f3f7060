import datetime as _dt

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template import engines
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from import_export.admin import ImportExportModelAdmin

from tariff.characteristics import clean_attributes
from tariff.kit.admin import ServiceRefusalAdminMixin
from tariff.kit.errors import DomainError
from tariff.kit.forms import money_field
from tariff.kit.history import SimpleHistoryAdmin  # reverting a version needs the change permission
from tariff.kit.numbers import format_amount
from tariff.kit.roles import REFERENCE_EDITOR, user_has_role
from tariff.kit.spreadsheets import SafeFormatsMixin

from . import services, tasks
from .exemptions import selectors as exemption_selectors
from .exemptions import services as exemption_services
from .models import (
    AnnexedDocument,
    Article,
    Declaration,
    DeclarationGroup,
    DeclarationPayment,
    DeclarationRelease,
    EtppAuthorisation,
    EtppAuthorisationItem,
    ExemptAsset,
    FollowUpEntry,
    FranchiseCondition,
    InvestmentConvention,
    Liquidation,
    LiquidationLine,
    Party,
    ProcedureCode,
    QuotaAllocation,
    RecalculationResult,
    RecalculationRun,
    VatGuarantee,
    WarehouseDisposal,
)
from .resources import ProcedureCodeResource


class ArticleInlineForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = "__all__"

    def clean_attributes(self):
        """The characteristics catalogue's check (tariff.characteristics), as in the API and pages."""
        try:
            return clean_attributes(self.cleaned_data.get("attributes") or {})
        except DomainError as exc:
            raise ValidationError([e.message for e in getattr(exc, "errors", None) or [exc]]) from None


class ArticleInline(admin.TabularInline):
    model = Article
    form = ArticleInlineForm
    extra = 0
    fields = ("number", "tariff_line", "origin_country", "description", "invoiced_value", "quantity", "unit",
              "net_mass_kg", "franchise_code", "attributes", "is_equipment", "customs_value")
    readonly_fields = ("customs_value",)
    autocomplete_fields = ("tariff_line",)


class DocumentInline(admin.TabularInline):
    model = AnnexedDocument
    extra = 0


class LiquidationInline(admin.TabularInline):
    model = Liquidation
    extra = 0
    fields = ("sequence", "on_date", "is_current", "reason", "total_di", "total_tic", "total_vat", "total")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Declaration)
class DeclarationAdmin(SimpleHistoryAdmin):
    list_display = ("reference", "procedure", "party", "status", "registered_on", "invoice_total", "invoice_currency")
    list_filter = ("status", "procedure")
    search_fields = ("reference", "party__name")
    inlines = [ArticleInline, DocumentInline, LiquidationInline]
    readonly_fields = ("status", "registered_on", "exchange_rate", "declared_value_mad", "allocation_coefficient")
    list_select_related = ("procedure", "party")

    def has_change_permission(self, request, obj=None):
        # Liquidated declarations change only through the audited re-liquidation service.
        if obj is not None and not obj.is_editable:
            return False
        return super().has_change_permission(request, obj)


def _add_refusals(form: forms.ModelForm, refusals: list[DomainError]) -> None:
    """The services' own refusals shown on the admin form (nothing written)."""
    for error in refusals:
        form.add_error(error.field if error.field in form.fields else None, error.message)


class PaymentAdminForm(forms.ModelForm):
    # typed the French way (« 4 428,00 ») as on the pages
    amount = money_field(capfirst(DeclarationPayment._meta.get_field("amount").verbose_name))

    class Meta:
        model = DeclarationPayment
        fields = ("declaration", "paid_on", "amount", "means", "reference")

    def clean(self):
        data = super().clean()
        if all(data.get(k) is not None for k in ("declaration", "paid_on", "amount")):
            _add_refusals(self, services.payment_refusals(
                declaration=data["declaration"], paid_on=data["paid_on"], amount=data["amount"]))
        return data


class ReleaseAdminForm(forms.ModelForm):
    class Meta:
        model = DeclarationRelease
        fields = ("declaration", "released_on", "reference")

    def clean(self):
        data = super().clean()
        if data.get("declaration") and data.get("released_on"):
            _add_refusals(self, services.release_refusals(declaration=data["declaration"],
                                                          released_on=data["released_on"]))
        return data


class _StepAdmin(ServiceRefusalAdminMixin, SimpleHistoryAdmin):
    """Recorded once through the service, never edited nor deleted (the audit trail)."""

    autocomplete_fields = ("declaration",)

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return self.form._meta.fields if obj is not None else ()


@admin.register(DeclarationPayment)
class DeclarationPaymentAdmin(_StepAdmin):
    form = PaymentAdminForm
    list_display = ("declaration", "paid_on", "amount", "means", "reference")
    search_fields = ("declaration__reference", "reference")

    def save_model(self, request, obj, form, change):
        obj.pk = services.declaration_record_payment(
            declaration=obj.declaration, paid_on=obj.paid_on, amount=obj.amount, means=obj.means,
            reference=obj.reference, user=request.user).pk


@admin.register(DeclarationRelease)
class DeclarationReleaseAdmin(_StepAdmin):
    form = ReleaseAdminForm
    list_display = ("declaration", "released_on", "reference")
    search_fields = ("declaration__reference", "reference")

    def save_model(self, request, obj, form, change):
        obj.pk = services.declaration_record_release(
            declaration=obj.declaration, released_on=obj.released_on, reference=obj.reference,
            user=request.user).pk


class LiquidationLineInline(admin.TabularInline):
    model = LiquidationLine
    extra = 0
    readonly_fields = ("article", "tax", "base", "base_unit", "rate", "rate_unit", "amount", "law", "detail")
    fields = readonly_fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Liquidation)
class LiquidationAdmin(SimpleHistoryAdmin):
    list_display = ("declaration", "sequence", "on_date", "is_current", "total", "created_at")
    list_filter = ("is_current",)
    inlines = [LiquidationLineInline]
    readonly_fields = ("declaration", "sequence", "on_date", "is_current", "reason", "created_by",
                       "reference_version", "total_di", "total_tic", "total_vat", "total", "currency")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EtppItemInline(admin.TabularInline):
    model = EtppAuthorisationItem
    extra = 0
    autocomplete_fields = ("tariff_line",)
    readonly_fields = ("quantity_used",)


@admin.register(EtppAuthorisation)
class EtppAuthorisationAdmin(SimpleHistoryAdmin):
    list_display = ("number", "department", "exporter", "requested_on", "issued_on", "channel", "precious_metals")
    list_filter = ("department", "channel", "precious_metals")
    search_fields = ("number", "exporter__name")
    inlines = [EtppItemInline]


@admin.register(Party)
class PartyAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "ice", "trade_register_number")
    search_fields = ("name", "ice", "trade_register_number")


@admin.register(ProcedureCode)
class ProcedureCodeAdmin(SafeFormatsMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [ProcedureCodeResource]
    list_display = ("code", "label", "flow", "is_etpp", "liquidates_duties")


@admin.register(DeclarationGroup)
class DeclarationGroupAdmin(SimpleHistoryAdmin):
    list_display = ("reference", "description", "common_costs")


class RecalculationResultInline(admin.TabularInline):
    model = RecalculationResult
    extra = 0
    fields = ("declaration", "outcome", "before_total", "after_total", "delta_di", "delta_tic", "delta_vat",
              "delta_total", "message")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RecalculationRun)
class RecalculationRunAdmin(admin.ModelAdmin):
    list_display = ("law", "kind", "status", "progress", "candidates", "changed", "unchanged", "failed", "started_at",
                    "last_progress_at", "finished_at")
    list_filter = ("kind", "status", "law")
    readonly_fields = ("law", "kind", "status", "candidates", "processed", "changed", "unchanged", "failed", "articles",
                       "errors", "resumed", "created_by", "started_at", "last_progress_at", "finished_at")
    inlines = [RecalculationResultInline]
    actions = ["resume"]

    @admin.action(description="Reprendre (renvoyer les lots restants aux workers)", permissions=["view"])
    def resume(self, request, queryset):
        if not user_has_role(request.user, REFERENCE_EDITOR):
            self.message_user(request, "Réservé aux éditeurs des données de référence.", messages.ERROR)
            return
        for run in queryset:
            try:
                tasks.run_resume(run)
                self.message_user(request, f"{run} : reprise demandée.", messages.SUCCESS)
            except DomainError as exc:
                self.message_user(request, f"{run} : {exc.message}", messages.ERROR)

    @admin.display(description="Progression")
    def progress(self, obj):
        return f"{obj.progress_percent} %"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# --- Exemptions followed over time (issue 9) -----------------------------------------------------
@admin.register(FranchiseCondition)
class FranchiseConditionAdmin(SimpleHistoryAdmin):
    list_display = ("reference", "kind", "franchise", "party", "declaration", "issued_on", "valid_to", "status")
    list_filter = ("kind", "status", "franchise")
    search_fields = ("reference", "party__name", "declaration__reference")
    autocomplete_fields = ("party",)
    raw_id_fields = ("declaration",)
    list_select_related = ("franchise", "party", "declaration")


@admin.register(InvestmentConvention)
class InvestmentConventionAdmin(SimpleHistoryAdmin):
    list_display = ("number", "party", "amount", "signed_on", "valid_from", "valid_to")
    search_fields = ("number", "party__name")
    autocomplete_fields = ("party",)
    list_select_related = ("party",)


@admin.register(VatGuarantee)
class VatGuaranteeAdmin(SimpleHistoryAdmin):
    list_display = ("reference", "kind", "declaration", "amount", "constituted_on", "released_on")
    list_filter = ("kind", ("released_on", admin.EmptyFieldListFilter))
    search_fields = ("reference", "declaration__reference")
    raw_id_fields = ("declaration",)
    list_select_related = ("declaration",)


class ExemptAssetForm(forms.ModelForm):
    class Meta:
        model = ExemptAsset
        fields = ("disposed_on", "regularisation_settled_on")

    def clean(self):
        data = super().clean()
        disposed_on = data.get("disposed_on") or self.instance.disposed_on
        if disposed_on and disposed_on < self.instance.imported_on:
            self.add_error("disposed_on",
                           f"La cession ne peut précéder l'importation ({self.instance.imported_on:%d/%m/%Y}).")
        if data.get("regularisation_settled_on") and not disposed_on:
            self.add_error("regularisation_settled_on", "Aucune cession enregistrée : rien à régulariser.")
        return data


@admin.register(ExemptAsset)
class ExemptAssetAdmin(ServiceRefusalAdminMixin, SimpleHistoryAdmin):
    """Assets under the 60-month rule; entering a disposal date computes the regularisation
    (CGI art. 104-II-2°, LF 2024) through ``exemptions.services.exempt_asset_dispose``."""

    form = ExemptAssetForm
    list_display = ("article", "exempted_vat", "imported_on", "keep_until", "disposed_on", "regularisation_amount",
                    "regularisation_settled_on")
    list_filter = (("disposed_on", admin.EmptyFieldListFilter),)
    search_fields = ("article__declaration__reference", "article__description")
    list_select_related = ("article__declaration",)
    readonly_fields = ("article", "convention", "exempted_vat", "imported_on", "keep_until", "regularisation_amount",
                       "schedule")
    fields = readonly_fields[:-2] + ("disposed_on", "regularisation_amount", "regularisation_settled_on", "schedule")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.disposed_on:
            return self.readonly_fields + ("disposed_on",)
        return self.readonly_fields

    @admin.display(description="Régularisation selon la date de cession")
    def schedule(self, obj):
        rows = exemption_selectors.exempt_asset_schedule(asset=obj)
        body = format_html_join(
            "", "<tr><td>{}</td><td>{} – {}</td><td>{}</td></tr>",
            ((r.month, f"{r.disposed_from:%d/%m/%Y}", f"{r.disposed_to:%d/%m/%Y}", format_amount(r.amount)) for r in rows))
        return format_html("<table><thead><tr><th>Mois entamés</th><th>Cession du – au</th><th>Régularisation (MAD)"
                           "</th></tr></thead><tbody>{}</tbody></table>", body)

    def save_model(self, request, obj, form, change):
        if "disposed_on" in form.changed_data and obj.disposed_on:
            exemption_services.exempt_asset_dispose(asset=obj, disposed_on=obj.disposed_on)
        if "regularisation_settled_on" in form.changed_data and obj.regularisation_settled_on:
            exemption_services.exempt_asset_settle(asset=obj, settled_on=obj.regularisation_settled_on)


@admin.register(QuotaAllocation)
class QuotaAllocationAdmin(admin.ModelAdmin):
    list_display = ("quota", "article", "requested_kg", "allocated_kg", "out_of_quota_kg", "balance_after_kg",
                    "created_at")
    list_filter = ("quota",)
    list_select_related = ("quota__franchise", "article__declaration")
    readonly_fields = ("quota", "article", "liquidation", "requested_kg", "allocated_kg", "out_of_quota_kg",
                       "balance_after_kg", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WarehouseDisposal)
class WarehouseDisposalAdmin(SimpleHistoryAdmin):
    """Rule EXO3 (CDII art. 130-4°) runs on save: refused when duties were paid or guaranteed,
    without a listed reason, or at a cost to the Treasury."""

    list_display = ("goods_description", "kind", "party", "reason", "requested_on", "completed_on",
                    "duties_paid_or_guaranteed")
    list_filter = ("kind", "reason")
    search_fields = ("goods_description", "party__name", "supervision_reference")
    autocomplete_fields = ("party",)
    raw_id_fields = ("declaration",)


_FOLLOW_UP_TEMPLATE = engines["django"].from_string("""{% extends "admin/base_site.html" %}
{% block breadcrumbs %}<div class="breadcrumbs"><a href="{% url 'admin:index' %}">Accueil</a> › {{ title }}</div>
{% endblock %}
{% block content %}
<p>Situation au {{ today|date:"d/m/Y" }} — échéances les plus proches d'abord.</p>
<ul class="object-tools">{% for key, label in kinds %}
<li><a href="?kind={{ key }}">{{ label }}</a></li>{% endfor %}</ul>
<table id="follow-up" style="width: 100%">
<thead><tr><th>Échéance</th><th>Nature</th><th>Objet</th><th>Référence</th><th>Opérateur</th>
<th>Montant / solde</th><th>Détail</th></tr></thead>
<tbody>
{% for item in items %}<tr>
<td>{{ item.due_on|date:"d/m/Y"|default:"—" }}</td><td>{{ item.kind_label }}</td><td>{{ item.label }}</td>
<td>{{ item.reference }}</td><td>{{ item.party|default:"—" }}</td>
<td>{% if item.amount is None %}—{% elif item.unit == "kg" %}{{ item.amount|floatformat:"-3g" }} kg{% else %}
{{ item.amount|floatformat:"2g" }} {{ item.unit }}{% endif %}</td>
<td>{{ item.detail }}</td>
</tr>{% empty %}<tr><td colspan="7">Rien à surveiller.</td></tr>{% endfor %}
</tbody></table>
{% endblock %}""")


@admin.register(FollowUpEntry)
class FollowUpAdmin(admin.ModelAdmin):
    """The "to watch" list in the back office: quota balances, expiring evidence, assets
    under the 60-month rule, regularisations, guarantees not released, conventions ending."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        try:
            today = _dt.date.fromisoformat(request.GET.get("as_of", ""))
        except ValueError:
            today = timezone.localdate()
        kinds = [k for k in request.GET.getlist("kind") if k in exemption_selectors.FollowUpKind.LABELS] or None
        context = {
            **self.admin_site.each_context(request),
            "title": self.model._meta.verbose_name_plural.capitalize(),
            "opts": self.model._meta,
            "today": today,
            "kinds": list(exemption_selectors.FollowUpKind.LABELS.items()),
            "items": exemption_selectors.follow_up_items(today=today, kinds=kinds),
        }
        return TemplateResponse(request, _FOLLOW_UP_TEMPLATE, context)
