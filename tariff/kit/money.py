"""Money and rate primitives shared by every app.

Amounts are ``Decimal`` (never float) with their currency beside them; rounding is
done here and only here: half-up to the centime (``quantize_money``), and
``allocate`` splits a total in proportion to weights without losing or creating a
centime (circular 6336/400 allocation of costs across articles).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Sequence

from django.core.validators import RegexValidator
from django.db import models
from django.utils import formats

MONEY_MAX_DIGITS = 18
MONEY_DECIMAL_PLACES = 2
RATE_MAX_DIGITS = 9
RATE_DECIMAL_PLACES = 4
QUANTITY_MAX_DIGITS = 18
QUANTITY_DECIMAL_PLACES = 3
EXCHANGE_RATE_MAX_DIGITS = 16
EXCHANGE_RATE_DECIMAL_PLACES = 6

LOCAL_CURRENCY = "MAD"
CENT = Decimal("0.01")
HUNDRED = Decimal("100")

currency_validator = RegexValidator(r"^[A-Z]{3}$", "Code devise ISO 4217 attendu (ex. EUR).")


def to_decimal(value) -> Decimal:
    """Exact conversion to Decimal; floats are refused so no binary error slips in."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        raise TypeError("Money and rates must not be floats; pass a str or Decimal.")
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"Not a decimal number: {value!r}") from exc


def quantize_money(value) -> Decimal:
    """The one rounding rule for amounts: half-up to the centime."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(base, rate) -> Decimal:
    """``rate`` % of ``base``, unrounded (callers round once, at the line)."""
    return to_decimal(base) * to_decimal(rate) / HUNDRED


def truncate(value, places: str) -> Decimal:
    return to_decimal(value).quantize(Decimal(places), rounding=ROUND_DOWN)


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str = LOCAL_CURRENCY

    def __post_init__(self):
        object.__setattr__(self, "amount", to_decimal(self.amount))

    def _same(self, other: "Money") -> None:
        if other.currency != self.currency:
            raise ValueError(f"Currency mismatch: {self.currency} vs {other.currency}")

    def __add__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def rounded(self) -> "Money":
        return Money(quantize_money(self.amount), self.currency)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def allocate(total, weights: Sequence) -> list[Decimal]:
    """Split ``total`` (2 decimals) in proportion to ``weights``; parts sum exactly to total.

    Largest-remainder method: every part is first rounded down to the centime, then
    the missing centimes go to the parts with the largest remainders (ties: first).
    """
    total = quantize_money(total)
    weights = [to_decimal(w) for w in weights]
    if not weights:
        return []
    if any(w < 0 for w in weights):
        raise ValueError("Allocation weights must not be negative.")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("Allocation weights sum to zero.")
    sign = -1 if total < 0 else 1
    cents_total = int(abs(total) / CENT)
    exact = [Decimal(cents_total) * w / weight_sum for w in weights]
    floors = [int(e) for e in exact]
    missing = cents_total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:missing]:
        floors[i] += 1
    return [sign * Decimal(c) * CENT for c in floors]


def MoneyField(verbose_name=None, **kwargs) -> models.DecimalField:  # noqa: N802 - field factory
    kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
    kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
    return models.DecimalField(verbose_name, **kwargs)


def RateField(verbose_name=None, **kwargs) -> models.DecimalField:  # noqa: N802
    kwargs.setdefault("max_digits", RATE_MAX_DIGITS)
    kwargs.setdefault("decimal_places", RATE_DECIMAL_PLACES)
    return models.DecimalField(verbose_name, **kwargs)


def QuantityField(verbose_name=None, **kwargs) -> models.DecimalField:  # noqa: N802
    kwargs.setdefault("max_digits", QUANTITY_MAX_DIGITS)
    kwargs.setdefault("decimal_places", QUANTITY_DECIMAL_PLACES)
    return models.DecimalField(verbose_name, **kwargs)


def CurrencyField(verbose_name=None, **kwargs) -> models.CharField:  # noqa: N802
    kwargs.setdefault("max_length", 3)
    kwargs.setdefault("default", LOCAL_CURRENCY)
    kwargs.setdefault("validators", [currency_validator])
    return models.CharField(verbose_name, **kwargs)


def format_date(value) -> str:
    """A date as the office writes it (fr: ``01/12/2026``); numbers: ``tariff.kit.numbers``."""
    return "—" if value is None else formats.date_format(value, "SHORT_DATE_FORMAT")
