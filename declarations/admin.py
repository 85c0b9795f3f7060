from django.contrib import admin
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    AnnexedDocument,
    Article,
    Declaration,
    DeclarationGroup,
    EtppAuthorisation,
    EtppAuthorisationItem,
    Liquidation,
    LiquidationLine,
    Party,
    ProcedureCode,
    RecalculationResult,
    RecalculationRun,
)
from .resources import ProcedureCodeResource


class ArticleInline(admin.TabularInline):
    model = Article
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


class LiquidationLineInline(admin.TabularInline):
    model = LiquidationLine
    extra = 0
    readonly_fields = ("article", "tax", "base", "base_unit", "rate", "rate_unit", "amount", "law", "detail")
    fields = readonly_fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Liquidation)
class LiquidationAdmin(admin.ModelAdmin):
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
class ProcedureCodeAdmin(ImportExportModelAdmin):
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
    list_display = ("law", "status", "progress", "candidates", "changed", "unchanged", "failed", "started_at",
                    "finished_at")
    list_filter = ("status", "law")
    readonly_fields = ("law", "status", "candidates", "processed", "changed", "unchanged", "failed", "articles",
                       "errors", "created_by", "started_at", "finished_at")
    inlines = [RecalculationResultInline]

    @admin.display(description="Progression")
    def progress(self, obj):
        return f"{obj.progress_percent} %"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
