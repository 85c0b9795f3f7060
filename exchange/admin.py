"""Admin: banks and importers are edited here (CSV/XLSX import/export); the ledger is read
only — every write goes through exchange.services (API) so the Office des Changes rules
are always checked. History of every row is one click away (django-simple-history)."""
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin, ImportExportModelAdmin

from tariff.kit.history import SimpleHistoryAdmin  # reverting a version needs the change permission
from tariff.kit.spreadsheets import SafeFormatsMixin

from . import resources
from .models import (
    AdvanceCarryOver,
    Bank,
    BankChange,
    BankUser,
    Commitment,
    Importer,
    Imputation,
    Modification,
    Payment,
    PersonalImport,
)


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False


@admin.register(Bank)
class BankAdmin(SafeFormatsMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [resources.BankResource]
    list_display = ("code", "name")
    search_fields = ("code", "name")


@admin.register(BankUser)
class BankUserAdmin(SimpleHistoryAdmin):
    list_display = ("user", "bank")
    list_filter = ("bank",)
    search_fields = ("user__username", "bank__code")
    autocomplete_fields = ("bank",)


@admin.register(Importer)
class ImporterAdmin(SafeFormatsMixin, ImportExportModelAdmin, SimpleHistoryAdmin):
    resource_classes = [resources.ImporterResource]
    # The identity (name, ICE / CIN, trade register) is the party's, edited on the operator's page.
    list_display = (
        "name", "kind_label", "id_number", "trade_register_number", "is_aeronautics_registered", "is_oc_categorised",
        "is_exporter_with_fx_account",
    )
    list_filter = ("party__kind", "is_aeronautics_registered", "is_oc_categorised", "is_exporter_with_fx_account")
    list_select_related = ("party",)
    search_fields = ("party__name", "party__ice", "party__national_id", "party__trade_register_number")
    autocomplete_fields = ("party",)

    @admin.display(description=_("nature"), ordering="party__kind")
    def kind_label(self, obj):
        return obj.party.get_kind_display()


class ImputationInline(ReadOnlyInline):
    model = Imputation
    fields = ("date", "amount", "currency", "amount_in_commitment_currency", "declaration", "declaration_reference",
              "created_by")


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("date", "kind", "amount", "currency", "amount_in_commitment_currency", "funding", "reason", "bank")


@admin.register(Commitment)
class CommitmentAdmin(ReadOnlyMixin, SafeFormatsMixin, ExportMixin, SimpleHistoryAdmin):
    resource_classes = [resources.CommitmentResource]
    list_display = ("number", "importer", "bank", "subscribed_amount", "currency", "status", "subscribed_on")
    list_filter = ("status", "bank", "payment_method")
    search_fields = ("number", "importer__party__name", "importer__party__ice", "goods_description")
    date_hierarchy = "subscribed_on"
    list_select_related = ("importer__party", "bank")
    inlines = [ImputationInline, PaymentInline]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMixin, SafeFormatsMixin, ExportMixin, SimpleHistoryAdmin):
    resource_classes = [resources.PaymentResource]
    list_display = ("commitment", "kind", "date", "amount", "currency", "funding", "reason", "bank", "created_by")
    list_filter = ("kind", "funding", "bank")
    search_fields = ("commitment__number", "idempotency_key")
    list_select_related = ("commitment", "bank", "created_by")


@admin.register(Imputation)
class ImputationAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("commitment", "date", "amount", "currency", "dum", "created_by")
    search_fields = ("commitment__number", "declaration_reference", "declaration__reference")
    list_select_related = ("commitment", "declaration", "created_by")

    @admin.display(description=_("déclaration (DUM)"))
    def dum(self, obj):
        return obj.dum_reference or "—"


@admin.register(AdvanceCarryOver)
class AdvanceCarryOverAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("source", "target", "date", "amount", "currency", "created_by")


@admin.register(Modification)
class ModificationAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("commitment", "status", "requested_by", "requested_at", "validated_by", "decided_at")
    list_filter = ("status",)


@admin.register(BankChange)
class BankChangeAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("commitment", "from_bank", "to_bank", "status", "settlements_recorded_at", "decided_at")
    list_filter = ("status",)


@admin.register(PersonalImport)
class PersonalImportAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("importer", "date", "amount", "currency", "amount_mad", "reference")
    search_fields = ("importer__party__name", "importer__party__ice", "importer__party__national_id", "reference")
