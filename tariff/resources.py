"""django-import-export resources: the one path for bulk reference data, used by the
admin (CSV/XLSX import/export) and by ``manage.py load_reference_data``.

Rows are keyed by natural keys (law code, dotted tariff code, valid_from…), so a
re-import updates in place; every row goes through ``full_clean`` (business rules),
and a bad row aborts the whole import.
"""
from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from import_export import fields

from .codes import format_tariff_code, normalize_tariff_code
from .currencies import is_iso_currency
from .kit.errors import DomainError
from .kit.money import EXCHANGE_RATE_DECIMAL_PLACES
from .kit.resources import FrenchDecimalWidget, LookupWidget, ReferenceResource, is_empty
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

EXCHANGE_RATE_QUANTUM = Decimal(1).scaleb(-EXCHANGE_RATE_DECIMAL_PLACES)


class TariffCodeField(fields.Field):
    """Accepts ``8517.13.00.00`` or ``8517130000``; exports the dotted form."""

    def clean(self, row, **kwargs):
        value = super().clean(row, **kwargs)
        if not value:
            return value
        try:
            return normalize_tariff_code(value)
        except DomainError as exc:
            raise ValueError(exc.message) from exc

    def export(self, instance, **kwargs):
        value = super().export(instance, **kwargs)
        return format_tariff_code(value) if value else value


class TariffLineWidget(LookupWidget):
    def __init__(self):
        super().__init__(TariffLine, "code", _lazy("Ligne tarifaire « %(value)s » inconnue"),
                         normalize=normalize_tariff_code, display=lambda line: line.dotted_code)


def law_widget():
    return LookupWidget(FinanceLaw, "code", _lazy("Loi de finances « %(value)s » inconnue"))


def law_field():
    return fields.Field(attribute="law", column_name="law", widget=law_widget())


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

    derived_fields = ("search_text",)

    class Meta(ReferenceResource.Meta):
        model = TariffLine
        import_id_fields = ("code",)
        fields = ("code", "description", "unit", "di_40_before_lfr_2020")

    def prepare_write(self, instance) -> None:
        instance.refresh_search_text()


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
        attribute="introduced_by", column_name="introduced_by", widget=law_widget()
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
        attribute="category", column_name="category", widget=LookupWidget(ExciseCategory, "code", _lazy("Catégorie TIC « %(value)s » inconnue"))
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
        attribute="category", column_name="category", widget=LookupWidget(VatCategory, "code", _lazy("Catégorie de TVA « %(value)s » inconnue"))
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
        attribute="franchise", column_name="franchise", widget=LookupWidget(FranchiseCode, "code", _lazy("Code franchise « %(value)s » inconnu"))
    )
    law = law_field()

    class Meta(ReferenceResource.Meta):
        model = FranchiseRate
        import_id_fields = ("franchise", "valid_from")
        fields = ("franchise", "valid_from", "valid_to", "exempt", "rate", "law", "note")


class CurrencyCodeField(fields.Field):
    """An ISO 4217 code, in capitals (``usd`` reads ``USD``)."""

    def clean(self, row, **kwargs):
        value = str(super().clean(row, **kwargs) or "").strip().upper()
        if not is_iso_currency(value):
            raise ValueError(_("devise ISO 4217 attendue (ex. EUR, USD), « %(value)s » reçu.") % {"value": value})
        return value


class RatePerUnitField(fields.Field):
    """The MAD rate of one unit: the published rate divided by the file's ``unit`` column when it
    has one (``JPY;6,4817;100`` → 0,064817 MAD for 1 yen). A rate that would need more places
    than the table keeps is refused rather than rounded."""

    unit_column = "unit"

    def clean(self, row, **kwargs):
        rate = super().clean(row, **kwargs)
        raw_unit = row.get(self.unit_column)
        if rate is None or is_empty(raw_unit):
            return rate
        unit = FrenchDecimalWidget().clean(raw_unit)
        if unit <= 0 or unit != unit.to_integral_value():
            raise ValueError(_("unité : nombre entier positif attendu (1, 100, 1000), « %(value)s » reçu.")
                             % {"value": raw_unit})
        per_unit = rate / unit
        if per_unit != per_unit.quantize(EXCHANGE_RATE_QUANTUM):
            raise ValueError(_("cours de %(rate)s MAD pour %(unit)s : plus de %(places)s décimales pour une unité.")
                             % {"rate": str(row.get(self.column_name, "")).strip(), "unit": raw_unit,
                                "places": EXCHANGE_RATE_DECIMAL_PLACES})
        return per_unit.quantize(EXCHANGE_RATE_QUANTUM)


class ExchangeRateResource(ReferenceResource):
    """Customs exchange rates by period: ``currency, rate, unit, valid_from, valid_to`` (the
    ``unit`` column optional, 1 by default); a period overlapping another of the same currency,
    in the table or in the file, is refused naming it (rule VAL2)."""

    currency = CurrencyCodeField(attribute="currency", column_name="currency")
    rate = RatePerUnitField(attribute="rate", column_name="rate", widget=FrenchDecimalWidget())
    unit = fields.Field(column_name="unit", readonly=True)

    class Meta(ReferenceResource.Meta):
        model = ExchangeRate
        import_id_fields = ("currency", "valid_from")
        fields = ("currency", "valid_from", "valid_to", "rate", "unit", "source", "illustrative")
        french_headers = {"unit": _lazy("Unité")}

    def dehydrate_unit(self, obj):
        return 1  # the table keeps the rate of one unit


class QuotaResource(ReferenceResource):
    """Quota volumes only: ``used_kg`` is the running consumption, never imported over."""

    franchise = fields.Field(
        attribute="franchise", column_name="franchise", widget=LookupWidget(FranchiseCode, "code", _lazy("Code franchise « %(value)s » inconnu"))
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
