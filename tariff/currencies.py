"""Currency codes typed by users: ISO 4217 (pycountry's list), and among them the ones the
customs can convert, i.e. MAD or a currency with a customs exchange rate (CDII art. 20: amounts
are converted at the customs rate; a currency without one could never be liquidated or paid).

One validator for every place a currency is typed (API fields, page forms)."""
from __future__ import annotations

from functools import lru_cache

import pycountry
from django.core.exceptions import ValidationError

from .kit.money import LOCAL_CURRENCY
from .models import ExchangeRate

# ISO 4217's codes for what is not a currency: no-currency, testing, precious metals, SDR units.
NOT_CURRENCIES = {"XXX", "XTS", "XAU", "XAG", "XPD", "XPT", "XDR", "XBA", "XBB", "XBC", "XBD", "XSU", "XUA"}


@lru_cache(maxsize=512)
def is_iso_currency(code: str) -> bool:
    return len(code) == 3 and code not in NOT_CURRENCIES and pycountry.currencies.get(alpha_3=code) is not None


def validate_customs_currency(value: str) -> None:
    code = (value or "").strip().upper()
    if not is_iso_currency(code):
        raise ValidationError(f"« {value} » n'est pas une devise ISO 4217 (ex. EUR, USD, MAD).",
                              code="unknown_currency")
    if code != LOCAL_CURRENCY and not ExchangeRate.objects.filter(currency=code).exists():
        raise ValidationError(f"Devise « {code} » inconnue : aucun cours de change douanier.",
                              code="unknown_currency")
