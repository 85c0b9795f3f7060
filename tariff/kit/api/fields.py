"""Serializer fields shared by every app's API: amounts and quantities with the precision of
``tariff.kit.money`` (one place), currency codes."""
from decimal import Decimal

from django.utils import timezone
from rest_framework import serializers

from ..money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, QUANTITY_DECIMAL_PLACES, QUANTITY_MAX_DIGITS

CURRENCY_REGEX = r"^[A-Z]{3}$"


def money(**kwargs) -> serializers.DecimalField:
    kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
    kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
    return serializers.DecimalField(**kwargs)


def quantity(**kwargs) -> serializers.DecimalField:
    kwargs.setdefault("max_digits", QUANTITY_MAX_DIGITS)
    kwargs.setdefault("decimal_places", QUANTITY_DECIMAL_PLACES)
    return serializers.DecimalField(**kwargs)


class DeclaredArgumentsSerializer(serializers.Serializer):
    """A ``Serializer`` whose per-instance fields are built from their declared arguments
    instead of deep copies of them.

    DRF gives every serializer instance fresh fields by ``copy.deepcopy`` of the declared
    ones, which deep-copies each field's arguments too — choice lists with translated labels,
    help texts: a millisecond per request for a nine-field input (the bank API's payment,
    issue 4). The arguments are never mutated (a field copies its validators list), so the
    fresh fields may share them. For flat input serializers only (no nested serializers).
    """

    def get_fields(self):
        return {
            name: type(field)(*field._args, **field._kwargs) for name, field in self._declared_fields.items()
        }


# --- output of the hot endpoints without serializer fields --------------------------------------
# The bank API's list and payment answers are built as plain dicts (issue 4); these give exactly
# what ``money().to_representation`` and ``DateTimeField().to_representation`` give (asserted by
# the tests against the serializers), minus their per-value overhead: a decimal context copied
# for every amount, the active time zone looked up for every timestamp.

_MONEY_FIELD = money()
_DATETIME_FIELD = serializers.DateTimeField()


def money_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal) and value.is_finite() and value.as_tuple().exponent == -MONEY_DECIMAL_PLACES:
        return f"{value:f}"  # already at the centime (every amount read from the database)
    return _MONEY_FIELD.to_representation(value)


def datetime_text(value, tz) -> str | None:
    """``value`` in ``tz`` (the request's current time zone, looked up once by the caller)."""
    if not value:
        return None
    if tz is None or timezone.is_naive(value):
        return _DATETIME_FIELD.to_representation(value)
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
