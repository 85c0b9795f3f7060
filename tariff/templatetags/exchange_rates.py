"""``{% exchange_rate_shown currency on_date applied as fx %}``: the customs exchange rate a page
shows beside a valuation — the row a liquidation applied when there is one, otherwise the rate
in force on the date (``tariff.services.exchange_rate_in_force``: the same refusals as a
valuation, in French)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import template
from django.utils import timezone

from tariff.kit.errors import DomainError
from tariff.kit.money import LOCAL_CURRENCY
from tariff.kit.numbers import format_rate
from tariff.models import ExchangeRate
from tariff.services import exchange_rate_in_force

register = template.Library()


@dataclass(frozen=True)
class RateShown:
    currency: str
    on_date: dt.date
    row: ExchangeRate | None
    applied: bool  # the liquidation's own row
    refusal: str = ""


@register.simple_tag
def exchange_rate_shown(currency, on_date=None, applied=None) -> RateShown | None:
    """``None`` for MAD (nothing to convert)."""
    if not currency or currency == LOCAL_CURRENCY:
        return None
    on_date = on_date or timezone.localdate()
    if applied:  # "" when the template has no liquidation
        return RateShown(currency, on_date, applied, True)
    try:
        return RateShown(currency, on_date, exchange_rate_in_force(currency=currency, on_date=on_date), False)
    except DomainError as exc:
        return RateShown(currency, on_date, None, False, exc.message)


@register.filter
def plain_rate(value) -> str:
    """``10.800000`` → ``10,8`` (``tariff.kit.numbers.format_rate``)."""
    return format_rate(value)
