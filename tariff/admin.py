"""Admin for reference-data editors: every table importable/exportable (CSV, XLSX)
through django-import-export, with history (django-simple-history)."""
from django import forms
from django.contrib import admin, messages
from import_export.admin import ImportExportModelAdmin

from .spreadsheets import SafeFormatsMixin
from . import resources
from .codes import normalize_tariff_code
from .errors import DomainError
from .history import SimpleHistoryAdmin  # reverting a version needs the change permission
from .models import (
    BlanketDutyChange,
    DraftRateChange,
    DutyRate,
    ExchangeRate,
    ExciseCategory,
    ExciseRate,
    FinanceLaw,
    FranchiseCode,
    FranchiseRate,
    Quota,
    SchoolSupplyItem,
    TariffLine,
    VatCategory,
    VatRate,
    WarehouseDisposalReason,
)


class ReferenceAdmin(SafeFormatsMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    list_per_page = 100


class DutyRateInline(admin.TabularInline):
    model = DutyRate
    extra = 0
    fields = ("rate", "law", "valid_from", "valid_to", "note")
    autocomplete_fields = ("law",)


class TariffLineForm(forms.ModelForm):
    code = forms.CharField(label="Code", max_length=13, help_text="8517.13.00.00 ou 8517130000")

    class Meta:
        model = TariffLine
        fields = ("code", "description", "unit", "di_40_before_lfr_2020")

    def clean_code(self):
        try:
            return normalize_tariff_code(self.cleaned_data["code"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc


class DraftRateChangeInline(admin.TabularInline):
    model = DraftRateChange
    extra = 0
    autocomplete_fields = ("tariff_line",)
    fields = ("kind", "tariff_line", "excise_category", "band_label", "vat_category", "franchise", "rate", "exempt",
              "specific_amount", "ad_valorem_rate", "minimum_amount", "sugar_threshold", "valid_from", "valid_to", "note")


@admin.register(FinanceLaw)
class FinanceLawAdmin(ReferenceAdmin):
    resource_classes = [resources.FinanceLawResource]
    list_display = ("code", "title", "budget_year", "effective_date", "circular_reference", "status", "published_at")
    list_filter = ("kind", "status")
    search_fields = ("code", "number", "title", "circular_reference")
    readonly_fields = ("published_at",)
    inlines = [DraftRateChangeInline]
    actions = ["publish"]

    def get_changeform_initial_data(self, request):
        # A new law starts as a draft: it is published by the action below, after confirmation.
        return {"status": FinanceLaw.Status.DRAFT, **super().get_changeform_initial_data(request)}

    @admin.action(description="Publier la loi (applique ses taux et lance le recalcul des déclarations)",
                  permissions=["change"])
    def publish(self, request, queryset):
        """First a page listing what publishing changes (each law's draft rates) and asking to
        confirm; the confirmed POST publishes."""
        from django.template.response import TemplateResponse

        from .errors import DomainError
        from .services import finance_law_publish

        if request.POST.get("confirm") != "yes":
            laws = queryset.prefetch_related("draft_changes")
            return TemplateResponse(request, "admin/tariff/financelaw/publish_confirmation.html", {
                **self.admin_site.each_context(request), "title": "Publier ces lois ?", "laws": laws,
                "opts": self.model._meta, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            })
        for law in queryset:
            try:
                finance_law_publish(law=law, user=request.user)
            except DomainError as exc:
                self.message_user(request, f"{law} : {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{law} publiée ; recalcul des déclarations lancé.", messages.SUCCESS)
        return None


@admin.register(TariffLine)
class TariffLineAdmin(ReferenceAdmin):
    form = TariffLineForm
    resource_classes = [resources.TariffLineResource]
    list_display = ("dotted_code", "description", "unit", "di_40_before_lfr_2020")
    list_filter = ("di_40_before_lfr_2020", "unit")
    search_fields = ("code", "description")
    inlines = [DutyRateInline]

    @admin.display(description="Code", ordering="code")
    def dotted_code(self, obj):
        return obj.dotted_code


@admin.register(DutyRate)
class DutyRateAdmin(ReferenceAdmin):
    resource_classes = [resources.DutyRateResource]
    list_display = ("tariff_line", "rate", "law", "valid_from", "valid_to")
    list_filter = ("law",)
    search_fields = ("tariff_line__code", "tariff_line__description")
    autocomplete_fields = ("tariff_line", "law")
    list_select_related = ("tariff_line", "law")


@admin.register(BlanketDutyChange)
class BlanketDutyChangeAdmin(ReferenceAdmin):
    resource_classes = [resources.BlanketDutyChangeResource]
    list_display = ("__str__", "excluded_chapters", "exclude_lines_at_40_before_lfr_2020", "valid_from", "valid_to")


@admin.register(ExciseCategory)
class ExciseCategoryAdmin(ReferenceAdmin):
    resource_classes = [resources.ExciseCategoryResource]
    list_display = ("code", "table", "label", "tariff_prefixes", "product_kind", "unit_label", "band_attribute",
                    "introduced_by")
    list_filter = ("table",)
    search_fields = ("code", "label", "tariff_prefixes")


@admin.register(ExciseRate)
class ExciseRateAdmin(ReferenceAdmin):
    resource_classes = [resources.ExciseRateResource]
    list_display = (
        "category", "band_label", "specific_amount", "ad_valorem_rate", "minimum_amount", "sugar_threshold",
        "law", "valid_from", "valid_to",
    )
    list_filter = ("category__table", "law")
    search_fields = ("category__code", "category__label", "band_label")
    list_select_related = ("category", "law")


@admin.register(VatCategory)
class VatCategoryAdmin(ReferenceAdmin):
    resource_classes = [resources.VatCategoryResource]
    list_display = ("code", "label", "tariff_prefixes")
    search_fields = ("code", "label", "tariff_prefixes")


@admin.register(VatRate)
class VatRateAdmin(ReferenceAdmin):
    resource_classes = [resources.VatRateResource]
    list_display = ("category", "rate", "exempt", "law", "valid_from", "valid_to")
    list_filter = ("exempt", "law")
    list_select_related = ("category", "law")


class FranchiseRateInline(admin.TabularInline):
    model = FranchiseRate
    extra = 0


@admin.register(FranchiseCode)
class FranchiseCodeAdmin(ReferenceAdmin):
    resource_classes = [resources.FranchiseCodeResource]
    list_display = ("code", "label", "tax", "tariff_prefixes", "replaced_by")
    list_filter = ("tax",)
    search_fields = ("code", "label")
    inlines = [FranchiseRateInline]


@admin.register(FranchiseRate)
class FranchiseRateAdmin(ReferenceAdmin):
    resource_classes = [resources.FranchiseRateResource]
    list_display = ("franchise", "exempt", "rate", "law", "valid_from", "valid_to")
    list_select_related = ("franchise", "law")


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ReferenceAdmin):
    resource_classes = [resources.ExchangeRateResource]
    list_display = ("currency", "rate", "valid_from", "valid_to", "source")
    list_filter = ("currency",)


# --- Exemptions followed over time (issue 9) -----------------------------------------------------


@admin.register(Quota)
class QuotaAdmin(ReferenceAdmin):
    """Quota volumes; the consumption is written only by liquidations (read-only here)."""

    resource_classes = [resources.QuotaResource]
    list_display = ("franchise", "period_label", "volume_kg", "used_kg", "balance", "law", "valid_from", "valid_to")
    list_filter = ("franchise",)
    list_select_related = ("franchise", "law")
    readonly_fields = ("used_kg",)

    @admin.display(description="Solde (kg)")
    def balance(self, obj):
        return obj.balance_kg

    @admin.display(description="Période")
    def period_label(self, obj):
        return obj.period_label


@admin.register(SchoolSupplyItem)
class SchoolSupplyItemAdmin(ReferenceAdmin):
    resource_classes = [resources.SchoolSupplyItemResource]
    list_display = ("number", "label", "valid_from", "valid_to", "law")
    search_fields = ("label",)
    list_select_related = ("law",)


@admin.register(WarehouseDisposalReason)
class WarehouseDisposalReasonAdmin(ReferenceAdmin):
    resource_classes = [resources.WarehouseDisposalReasonResource]
    list_display = ("code", "label", "provisional", "note")
    list_filter = ("provisional",)


# --- Roles: the groups shown with their French names (tariff.roles.ROLE_LABELS) -----------------
from django.contrib.auth.admin import GroupAdmin  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.utils.translation import gettext_lazy as _  # noqa: E402

from .roles import ROLE_LABELS  # noqa: E402

admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    list_display = ("role_label", "name")
    list_display_links = ("role_label",)

    @admin.display(description=_("Rôle"), ordering="name")
    def role_label(self, group: Group) -> str:
        return str(ROLE_LABELS.get(group.name, group.name))
