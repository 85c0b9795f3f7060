from rest_framework import serializers

from tariff.errors import DomainError
from tariff.models import DutyRate, FinanceLaw, TariffLine
from tariff.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, QUANTITY_DECIMAL_PLACES, QUANTITY_MAX_DIGITS
from tariff.rules import clean_attributes


class AttributesField(serializers.DictField):
    """Excise characteristics, checked as they are entered (``tariff.rules.clean_attributes``)."""

    def to_internal_value(self, data):
        try:
            return clean_attributes(super().to_internal_value(data))
        except DomainError as exc:
            raise serializers.ValidationError(exc.message, code=exc.code) from exc


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
        from tariff.codes import format_tariff_code

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
