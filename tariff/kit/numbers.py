"""Numbers in French messages (refusals, notices): ``300 000,00 MAD``, ``30 %``, ``400 kg``.

Through Django's localisation (``django.utils.formats.number_format`` under the French locale:
decimal comma, digits grouped by three with a non-breaking space), whatever language the
request runs in — the API's messages are French. Part of the kit: imports no tariff domain code.
"""
from __future__ import annotations

from decimal import Decimal

from django.utils import formats, translation

from tariff.kit.money import MONEY_DECIMAL_PLACES, quantize_money, to_decimal

NBSP = "\xa0"  # between a number and its unit, as French typography (and Django's grouping) has it


def _plain(value) -> Decimal:
    """``value`` without trailing zeros nor exponent: ``30.0000`` → ``30``, ``12.50`` → ``12.5``."""
    value = to_decimal(value)
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def format_number(value, *, decimal_places: int | None = None) -> str:
    """A number in French: ``1234567.5`` → ``1 234 567,5`` (``decimal_places``: fixed places)."""
    with translation.override("fr"):
        return formats.number_format(value, decimal_pos=decimal_places, use_l10n=True, force_grouping=True)


def format_plain(value) -> str:
    """A number without trailing zeros: ``10000.00`` → ``10 000``, ``12.50`` → ``12,5`` (the fines
    of the code, the masses and shares of the circulars)."""
    return format_number(_plain(value))


def format_amount(amount, currency: str | None = None) -> str:
    """An amount to the centime with its currency: ``300000`` → ``300 000,00 MAD``; ``None`` → ``—``."""
    if amount is None:
        return "—"
    text = format_number(quantize_money(amount), decimal_places=MONEY_DECIMAL_PLACES)
    return f"{text}{NBSP}{currency}" if currency else text


def format_rate(rate) -> str:
    """A rate (or an exchange rate) without its trailing zeros: ``17,5``, ``10``, ``10,8123``; ``None`` → ``—``."""
    return "—" if rate is None else format_plain(rate)


def format_percent(rate) -> str:
    """A rate in per cent: ``Decimal("30.0000")`` → ``30 %``, ``12.5`` → ``12,5 %``."""
    return f"{format_plain(rate)}{NBSP}%"


def format_quantity(value, unit: str) -> str:
    """A quantity with its unit, without trailing zeros: ``400.000`` kg → ``400 kg``."""
    return f"{format_plain(value)}{NBSP}{unit}"
