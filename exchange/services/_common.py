"""What the services of the commitment ledger share: the commitment row locked until the end of
the transaction, the acting bank (the domiciliary bank only), the active commitment, saving with the
history row's author, the commitment's status kept in step with its ledger, and the change feed's
row(s) written in the change's own transaction (``GET /api/v1/events/``).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tariff.kit.money import quantize_money, to_decimal
from tariff.kit.sql import insert

from .. import rules, selectors
from ..models import Bank, Commitment, CommitmentEvent

ZERO = Decimal("0")


def positive(amount) -> Decimal:
    amount = to_decimal(amount)
    if amount <= ZERO:
        raise rules.refuse(rules.InvalidAmount)
    return amount


def lock_commitment(commitment_id: int) -> Commitment:
    """The commitment row, locked until the end of the transaction (PostgreSQL)."""
    return Commitment.objects.select_for_update(of=("self",)).select_related("importer__party").get(pk=commitment_id)


def acting_bank(user, commitment: Commitment) -> Bank:
    bank = selectors.bank_for_user(user)
    if bank is None or bank.pk != commitment.bank_id:
        raise rules.refuse(rules.NotCommitmentBank)
    return bank


def require_active(commitment: Commitment) -> None:
    if commitment.status == Commitment.Status.CLOSED:
        raise rules.refuse(rules.CommitmentClosed)
    if not commitment.is_domiciled:
        raise rules.refuse(rules.NotDomiciled)


def save(instance, user, **kwargs) -> None:
    """Save, naming ``user`` as the author of the history row (also outside an HTTP request)."""
    instance._history_user = user
    instance.save(**kwargs)


def _event_value(value):
    """A payload value as JSON: amounts as text with their two decimals, dates in ISO 8601."""
    if isinstance(value, Decimal):
        return str(quantize_money(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _event_value(v) for k, v in value.items()}
    return value


def record_event(commitment: Commitment, event_kind: str, /, *, bank_ids=None, **payload) -> None:
    """The change feed's row(s) of a change (``GET /api/v1/events/``), written in the change's own
    transaction: one per bank concerned (default: the domiciliary bank), with the commitment's number
    and status after the change and the few fields of ``payload`` a bank needs."""
    data = {"number": commitment.number, "status": commitment.status}
    data.update({k: _event_value(v) for k, v in payload.items()})
    for bank_id in dict.fromkeys(bank_ids or [commitment.bank_id]):
        # a plain INSERT: on the banks' payment path the ORM's bulk_create cost more than the payment's
        # own statement (tariff.kit.sql.insert, tested against the ORM's row in exchange/tests/test_sql.py)
        insert(CommitmentEvent(bank_id=bank_id, commitment_id=commitment.pk, kind=event_kind, payload=data))


def _status_for(commitment: Commitment, *, imputed: Decimal, goods_paid: Decimal, final: bool = False) -> str:
    status = commitment.status
    if status in (Commitment.Status.SUBSCRIBED, Commitment.Status.CLOSED):
        return status
    if imputed <= ZERO:
        return Commitment.Status.DOMICILED
    if imputed < commitment.subscribed_amount and not final:  # the final imputation imputes it totally
        return Commitment.Status.PARTIALLY_IMPUTED
    if goods_paid >= imputed:
        return Commitment.Status.SETTLED
    return Commitment.Status.TOTALLY_IMPUTED


def refresh_status(
    commitment: Commitment, *, user, imputed: Decimal | None = None, goods_paid: Decimal | None = None,
    final: bool | None = None,
) -> None:
    if imputed is None or goods_paid is None or final is None:
        totals = selectors.commitment_totals(commitment=commitment)
        imputed, goods_paid, final = totals.imputed, totals.goods_paid, totals.final_imputed
    status = _status_for(commitment, imputed=imputed, goods_paid=goods_paid, final=final)
    if status != commitment.status:
        set_status(commitment, status, user=user)


def set_status(commitment: Commitment, status: str, *, user) -> None:
    previous = commitment.status
    commitment.status = status
    save(commitment, user, update_fields=["status", "updated_at"])
    record_event(commitment, CommitmentEvent.Kind.STATUS_CHANGED, previous_status=previous)
