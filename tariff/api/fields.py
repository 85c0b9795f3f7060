"""Serializer fields shared by every app's API: amounts and quantities with the precision of
``tariff.money`` (one place), currency codes."""
from rest_framework import serializers

from tariff.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, QUANTITY_DECIMAL_PLACES, QUANTITY_MAX_DIGITS

CURRENCY_REGEX = r"^[A-Z]{3}$"


def money(**kwargs) -> serializers.DecimalField:
    kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
    kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
    return serializers.DecimalField(**kwargs)


def quantity(**kwargs) -> serializers.DecimalField:
    kwargs.setdefault("max_digits", QUANTITY_MAX_DIGITS)
    kwargs.setdefault("decimal_places", QUANTITY_DECIMAL_PLACES)
    return serializers.DecimalField(**kwargs)


def currency(**kwargs) -> serializers.RegexField:
    """An ISO 4217 code (three capital letters)."""
    kwargs.setdefault("max_length", 3)
    return serializers.RegexField(CURRENCY_REGEX, **kwargs)
