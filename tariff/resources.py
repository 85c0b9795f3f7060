"""django-import-export resources: the one path for bulk reference data, used by the
admin (CSV/XLSX import/export) and by ``manage.py load_reference_data``.

Rows are keyed by natural keys (law code, dotted tariff code, valid_from…), so a
re-import updates in place; every row goes through ``full_clean`` (business rules),
and a bad row aborts the whole import.
"""
from __future__ import annotations

from django.db import transaction
from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from .codes import format_tariff_code, normalize_tariff_code
from .models import (
    BlanketDutyChange,
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


class TariffCodeField(fields.Field):
    """Accepts ``8517.13.00.00`` or ``8517130000``; exports the dotted form."""

    def clean(self, row, **kwargs):
        value = super().clean(row, **kwargs)
        return normalize_tariff_code(value) if value else value

    def export(self, instance, **kwargs):
        value = super().export(instance, **kwargs)
        return format_tariff_code(value) if value else value


class TariffLineWidget(ForeignKeyWidget):
    def __init__(self):
        super().__init__(TariffLine, field="code")

    def clean(self, value, row=None, **kwargs):
        return super().clean(normalize_tariff_code(value) if value else value, row, **kwargs)

    def render(self, value, obj=None, **kwargs):
        return value.dotted_code if value else ""


def law_field():
    return fields.Field(attribute="law", column_name="law", widget=ForeignKeyWidget(FinanceLaw, field="code"))


class ReferenceResource(resources.ModelResource):
    class Meta:
        abstract = True
        skip_unchanged = True
        report_skipped = False
        clean_model_instances = True
        use_transactions = True

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        """All or nothing: a row with an error or a failed validation rolls back every row
        (django-import-export itself only rolls back on errors, not on validation errors)."""
        with transaction.atomic():
            result = super().import_data(
                dataset, dry_run=dry_run, raise_errors=raise_errors, use_transactions=use_transactions, **kwargs
            )
            if result.has_errors() or result.has_validation_errors():
                transaction.set_rollback(True)
        return result


class FinanceLawResource(ReferenceResource):
    class Meta(ReferenceResource.Meta):
        model = FinanceLaw
        import_id_fields = ("code",)
        fields = (
            "code", "number", "kind", "budget_year", "title", "dahir_reference", "promulgation_date",
            "bulletin_officiel", "circular_reference", "circular_date", "effective_date", "status",
        )


class TariffLineResource(ReferenceResource):
    code = TariffCodeField(attribute="code", column_name="code")

    class Meta(ReferenceResource.Meta):
        model = TariffLine
        import_id_fields = ("code",)
        fields = ("code", "description", "unit", "di_40_before_lfr_2020")


class DutyRateResource(ReferenceResource):
    tariff_code = fields.Field(attribute="tariff_line", column_name="tariff_code", widget=TariffLineWidget())
    law = law_field()

    class Meta(ReferenceResource.Meta):
        model = DutyRate
        import_id_fields = ("tariff_code", "valid_from")
        fields = ("tariff_code", "rate", "law", "valid_from", "valid_to", "note")


class BlanketDutyChangeResource(ReferenceResource):
    law = law_field()

    class Meta(ReferenceResource.Meta):
        model = BlanketDutyChange
        import_id_fields = ("law", "from_rate")
        fields = (
            "law", "from_rate", "to_rate", "valid_from", "valid_to", "excluded_chapters",
            "exclude_lines_at_40_before_lfr_2020", "description",
        )


class ExciseCategoryResource(ReferenceResource):
    introduced_by = fields.Field(
        attribute="introduced_by", column_name="introduced_by", widget=ForeignKeyWidget(FinanceLaw, field="code")
    )

    class Meta(ReferenceResource.Meta):
        model = ExciseCategory
        import_id_fields = ("code",)
        fields = (
            "code", "table", "label", "tariff_prefixes", "product_kind", "quantity_source", "per_quantity",
            "unit_label", "band_attribute", "band_attribute_required", "introduced_by",
        )


class ExciseRateResource(ReferenceResource):
    category = fields.Field(
        attribute="category", column_name="category", widget=ForeignKeyWidget(ExciseCategory, field="code")
    )
    law = law_field()

    class Meta(ReferenceResource.Meta):
        model = ExciseRate
        import_id_fields = ("category", "band_label", "valid_from")
        fields = (
            "category", "band_label", "valid_from", "valid_to", "law", "band_values", "band_min",
            "band_min_inclusive", "band_max", "band_max_inclusive", "specific_amount", "ad_valorem_rate",
            "minimum_amount", "sugar_threshold", "note",
        )


class VatCategoryResource(ReferenceResource):
    class Meta(ReferenceResource.Meta):
        model = VatCategory
        import_id_fields = ("code",)
        fields = ("code", "label", "tariff_prefixes")


class VatRateResource(ReferenceResource):
    category = fields.Field(
        attribute="category", column_name="category", widget=ForeignKeyWidget(VatCategory, field="code")
    )
    law = law_field()

    class Meta(ReferenceResource.Meta):
        model = VatRate
        import_id_fields = ("category", "valid_from")
        fields = ("category", "valid_from", "valid_to", "rate", "exempt", "law", "note")


class FranchiseCodeResource(ReferenceResource):
    class Meta(ReferenceResource.Meta):
        model = FranchiseCode
        import_id_fields = ("code",)
        fields = ("code", "label", "tax", "tariff_prefixes", "condition", "replaced_by")


class FranchiseRateResource(ReferenceResource):
    franchise = fields.Field(
        attribute="franchise", column_name="franchise", widget=ForeignKeyWidget(FranchiseCode, field="code")
    )
    law = law_field()

    class Meta(ReferenceResource.Meta):
        model = FranchiseRate
        import_id_fields = ("franchise", "valid_from")
        fields = ("franchise", "valid_from", "valid_to", "exempt", "rate", "law", "note")


class ExchangeRateResource(ReferenceResource):
    class Meta(ReferenceResource.Meta):
        model = ExchangeRate
        import_id_fields = ("currency", "valid_from")
        fields = ("currency", "valid_from", "valid_to", "rate", "source", "illustrative")


class QuotaResource(ReferenceResource):
    """Quota volumes only: ``used_kg`` is the running consumption, never imported over."""

    franchise = fields.Field(
        attribute="franchise", column_name="franchise", widget=ForeignKeyWidget(FranchiseCode, field="code")
    )
    law = law_field()

    class Meta(ReferenceResource.Meta):
        model = Quota
        import_id_fields = ("franchise", "valid_from")
        fields = ("franchise", "valid_from", "valid_to", "volume_kg", "law", "note")


class SchoolSupplyItemResource(ReferenceResource):
    law = law_field()

    class Meta(ReferenceResource.Meta):
        model = SchoolSupplyItem
        import_id_fields = ("number", "valid_from")
        fields = ("number", "label", "valid_from", "valid_to", "law", "source")


class WarehouseDisposalReasonResource(ReferenceResource):
    class Meta(ReferenceResource.Meta):
        model = WarehouseDisposalReason
        import_id_fields = ("code",)
        fields = ("code", "label", "provisional", "note")


# Load order for ``load_reference_data``: file name → resource (parents before children).
REFERENCE_FILES = (
    ("finance_laws.csv", FinanceLawResource),
    ("tariff_lines.csv", TariffLineResource),
    ("duty_rates.csv", DutyRateResource),
    ("blanket_duty_changes.csv", BlanketDutyChangeResource),
    ("excise_categories.csv", ExciseCategoryResource),
    ("excise_rates.csv", ExciseRateResource),
    ("vat_categories.csv", VatCategoryResource),
    ("vat_rates.csv", VatRateResource),
    ("franchise_codes.csv", FranchiseCodeResource),
    ("franchise_rates.csv", FranchiseRateResource),
    ("exchange_rates.csv", ExchangeRateResource),
    ("franchise_quotas.csv", QuotaResource),
    ("school_supply_items.csv", SchoolSupplyItemResource),
    ("warehouse_disposal_reasons.csv", WarehouseDisposalReasonResource),
)
