"""The customs currency field: an ISO code the customs can convert (``tariff.currencies`` reads the
exchange-rate table, so this field is tariff domain, not kit)."""
from rest_framework import serializers

from tariff.currencies import validate_customs_currency
from tariff.kit.api.fields import CURRENCY_REGEX


def currency(**kwargs) -> serializers.RegexField:
    """An ISO 4217 code (three capital letters) the customs can convert (``tariff.currencies``)."""
    kwargs.setdefault("max_length", 3)
    kwargs.setdefault("validators", [validate_customs_currency])
    return serializers.RegexField(CURRENCY_REGEX, **kwargs)
