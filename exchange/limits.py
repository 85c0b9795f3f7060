"""What a payment and the room shown both compute with, in one module that services and
selectors import (no circle): the ceilings of a commitment for payments funded one way
(``limits``), amounts converted at the customs rates, and the advance overshoot rule on a
commitment's ledger. The payment's checks (``services.payments``) and the room shown in pages
and API (``selectors.commitment_headroom``) read the same ``Limits`` for the same funding."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from tariff.kit.money import LOCAL_CURRENCY, quantize_money, to_decimal
from tariff.services import convert_to_mad

from . import rules
from .models import Commitment, Importer

ZERO = Decimal("0.00")


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


@dataclass(frozen=True)
class Limits:
    """The ceilings of one commitment for payments funded one way, in the commitment's currency
    unless said (Office des Changes FAQ)."""

    from_fx_account: bool  # paid from the exporter's FX / convertible-dirham account
    advance: Decimal  # the most the advances may total; 0 when the contract or payment method allows none
    invoice: Decimal  # goods paid, before entry or after, never beyond the invoice (the total import value)
    anticipated_cap_mad: Decimal | None  # MAD cap of payments before entry; None: only the invoice bounds them
    auction_value: Decimal | None  # second-hand equipment bought at auction: paid before entry up to it
    settlement: Decimal  # after entry: imputed + costs abroad; 0 before the first imputation


def limits(c: Commitment, importer: Importer, totals, *, from_fx_account: bool) -> Limits:
    """Every ceiling of ``c`` for a payment funded from the FX account (``from_fx_account``) or not."""
    try:  # Office des Changes FAQ: acomptes
        rules.check_advance_allowed_by_contract(
            payment_method=c.payment_method, balance_before_entry=c.balance_before_entry,
            contract_rate=c.contract_advance_rate,
        )
        advance = rules.advance_limit(
            total_import_value=c.total_import_value, contract_rate=c.contract_advance_rate,
            is_aeronautics_registered=importer.is_aeronautics_registered, from_fx_account=from_fx_account,
        )
    except rules.ExchangeRuleError:
        advance = ZERO
    imputed = to_decimal(totals.imputed)
    settlement = quantize_money(rules.settlement_ceiling(
        imputed=imputed, freight=c.freight_amount, accessory_costs=c.accessory_costs,
        insurance=c.insurance_amount, insured_abroad=c.insured_abroad,
    )) if imputed > ZERO else ZERO
    return Limits(
        from_fx_account=from_fx_account,
        advance=advance,
        invoice=quantize_money(c.total_import_value),
        anticipated_cap_mad=rules.anticipated_cap_mad(
            is_oc_categorised=importer.is_oc_categorised,
            is_aeronautics_registered=importer.is_aeronautics_registered,
            fx_funded_with_contract=from_fx_account and c.contract_provides_anticipated_payment,
        ),
        auction_value=c.second_hand_auction_value,
        settlement=settlement,
    )
