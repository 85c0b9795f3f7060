from django.utils.functional import lazy
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from tariff.characteristics import CHARACTERISTICS, clean_attributes
from tariff.codes import format_tariff_code
from tariff.kit.errors import DomainError
from tariff.kit.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, QUANTITY_DECIMAL_PLACES, QUANTITY_MAX_DIGITS
from tariff.models import DutyRate, FinanceLaw, TariffLine


def _catalogue_text() -> str:
    return "Caractéristiques (clé : libellé [tableaux TIC]) — " + " ; ".join(
        f"{c.key} : {c.verbose}" + (f" [TIC {', '.join(c.tables)}]" if c.tables else " [exonération]")
        for c in CHARACTERISTICS.values())


_catalogue_help = lazy(_catalogue_text, str)


class AttributesField(serializers.DictField):
    """Characteristics as a JSON object (``{"volume_ml": "330"}``), checked as they are entered
    against the catalogue (``tariff.characteristics``): each refusal under its key, so the error
    names ``attributes.volume_ml`` (``articles[0].attributes.volume_ml`` in a declaration)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", _catalogue_help())
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError("Les caractéristiques doivent être un objet nom → valeur.",
                                              code="invalid_attribute")
        try:
            return clean_attributes(data, prefix="")
        except DomainError as exc:
            errors: dict = {}
            for item in getattr(exc, "errors", None) or [exc]:
                key = (item.field or "").lstrip(".") or "non_field_errors"
                errors.setdefault(key, []).append(ErrorDetail(item.message, code=item.code))
            raise serializers.ValidationError(errors) from exc


class QuoteRequestSerializer(serializers.Serializer):
    tariff_code = serializers.CharField(max_length=20)
    date = serializers.DateField()
    customs_value = serializers.DecimalField(
        max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, min_value=0
    )
    quantity = serializers.DecimalField(
        max_digits=QUANTITY_MAX_DIGITS, decimal_places=QUANTITY_DECIMAL_PLACES, min_value=0, required=False,
        allow_null=True,
    )
    franchise_code = serializers.CharField(max_length=4, required=False, allow_blank=True, allow_null=True)
    attributes = AttributesField(required=False, default=dict)


class TaxLineSerializer(serializers.Serializer):
    tax = serializers.CharField()
    base = serializers.DecimalField(max_digits=24, decimal_places=3)
    base_unit = serializers.CharField()
    rate = serializers.DecimalField(max_digits=16, decimal_places=4)
    rate_unit = serializers.CharField()
    amount = serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=2)
    source = serializers.CharField(source="law_code")
    source_label = serializers.CharField(source="law_label")
    detail = serializers.CharField()


class QuoteWarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    tax = serializers.CharField()
    message = serializers.CharField()


class QuoteResponseSerializer(serializers.Serializer):
    tariff_code = serializers.SerializerMethodField()
    date = serializers.DateField(source="on_date")
    customs_value = serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=2)
    franchise_code = serializers.CharField(allow_null=True)
    currency = serializers.CharField()
    lines = TaxLineSerializer(many=True)
    total = serializers.DecimalField(max_digits=MONEY_MAX_DIGITS, decimal_places=2)
    # E.g. a TIC due but with no quotité loaded for the date: not computed, and said so here.
    warnings = QuoteWarningSerializer(many=True)

    def get_tariff_code(self, quote) -> str:
        return format_tariff_code(quote.tariff_code)


class FinanceLawSerializer(serializers.ModelSerializer):
    class Meta:
        model = FinanceLaw
        fields = (
            "id", "code", "number", "kind", "budget_year", "title", "dahir_reference", "promulgation_date",
            "bulletin_officiel", "circular_reference", "circular_date", "effective_date", "status", "published_at",
        )


class DutyRateSerializer(serializers.ModelSerializer):
    law = serializers.CharField(source="law.code")

    class Meta:
        model = DutyRate
        fields = ("rate", "law", "valid_from", "valid_to", "note")


class TariffLineSerializer(serializers.ModelSerializer):
    code = serializers.CharField(source="dotted_code")

    class Meta:
        model = TariffLine
        fields = ("code", "description", "unit", "chapter", "heading", "hs6", "di_40_before_lfr_2020")


class RateInForceSerializer(serializers.Serializer):
    tax = serializers.CharField()
    label = serializers.CharField()
    rate = serializers.DecimalField(max_digits=16, decimal_places=4, allow_null=True)
    rate_unit = serializers.CharField()
    source = serializers.CharField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(allow_null=True)
    detail = serializers.CharField(allow_blank=True)


class TariffLineDetailSerializer(serializers.Serializer):
    line = TariffLineSerializer()
    date = serializers.DateField()
    rates = RateInForceSerializer(many=True)
    duty_rate_history = DutyRateSerializer(many=True)
