"""What a payment and the room shown both compute with, in one module that services and
selectors import (no circle): amounts converted at the customs rates, and the advance overshoot
rule on a commitment's ledger."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tariff.kit.money import LOCAL_CURRENCY, quantize_money, to_decimal
from tariff.services import convert_to_mad

from . import rules
from .models import Commitment, Importer


def convert_amount(*, amount, from_currency: str, to_currency: str, on_date: dt.date) -> Decimal:
    """``amount`` from one currency into another through MAD at the customs rates of ``on_date``,
    rounded once (half-up to the centime)."""
    amount = to_decimal(amount)
    if from_currency == to_currency:
        return quantize_money(amount)
    mad = convert_to_mad(amount=amount, currency=from_currency, on_date=on_date)
    if to_currency == LOCAL_CURRENCY:
        return quantize_money(mad)
    return quantize_money(mad / convert_to_mad(amount=1, currency=to_currency, on_date=on_date))


def check_advance_overshoot(c: Commitment, importer: Importer, totals) -> None:
    """The advance overshoot rule on this commitment's ledger: the settlement's check, and the
    headroom's (``selectors.commitment_headroom``) — one place for both. The final invoice is the
    imputed total once the final imputation is recorded, the subscribed value before
    (``rules.advance_invoice_value``, staggered shipments, issue 17)."""
    rules.check_advance_overshoot(
        advances=totals.advances,
        imputed=totals.imputed,
        final_imputed=totals.final_imputed,
        subscribed=c.subscribed_amount,
        rate=rules.applicable_advance_rate(
            is_aeronautics_registered=importer.is_aeronautics_registered,
            is_exporter_with_fx_account=importer.is_exporter_with_fx_account,
            contract_rate=c.contract_advance_rate,
        ),
        oc_authorisation_reference=c.oc_authorisation_reference,
        currency=c.currency,
    )
