"""The change of a commitment's domiciliary bank: asked by the importer, the first bank records
its settlements, the new bank accepts or rejects the transfer.

Office des Changes FAQ "engagements d'importation" (seed 002, DOMAIN.md §3): changement de
guichet — only when payment is outside a documentary credit and without a bank engagement.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .. import rules, selectors
from ..models import Bank, BankChange, Commitment, CommitmentEvent
from ._common import lock_commitment, record_event, require_active, save


def commitment_request_bank_change(*, commitment: Commitment, to_bank: Bank, user, reason: str = "") -> BankChange:
    """The importer asks to move the domiciliation to ``to_bank``."""
    with transaction.atomic():
        c = lock_commitment(commitment.pk)
        require_active(c)
        rules.check_bank_change(
            payment_method=c.payment_method,
            bank_engagement=c.bank_engagement,
            from_bank_id=c.bank_id,
            to_bank_id=to_bank.pk,
            has_pending=BankChange.objects.filter(commitment_id=c.pk, status=BankChange.Status.REQUESTED).exists(),
        )
        change = BankChange(commitment=c, from_bank_id=c.bank_id, to_bank=to_bank, reason=reason, requested_by=user)
        change.full_clean()
        save(change, user)
        _bank_change_event(c, change, CommitmentEvent.Kind.BANK_CHANGE_REQUESTED, reason=reason)
        return change


def _bank_change_event(commitment: Commitment, change: BankChange, event_kind: str, /, **payload) -> None:
    """A bank change concerns both banks: one event row for each."""
    record_event(
        commitment, event_kind, bank_ids=[change.from_bank_id, change.to_bank_id], bank_change=change.pk,
        from_bank=change.from_bank.code, to_bank=change.to_bank.code, **payload,
    )


def _lock_bank_change(bank_change: BankChange) -> tuple[Commitment, BankChange]:
    c = lock_commitment(bank_change.commitment_id)
    change = BankChange.objects.select_for_update(of=("self",)).select_related("from_bank", "to_bank").get(
        pk=bank_change.pk
    )
    if change.status != BankChange.Status.REQUESTED:
        raise rules.refuse(rules.BankChangeNotPending)
    return c, change


def _require_bank(user, bank_id: int) -> Bank:
    bank = selectors.bank_for_user(user)
    if bank is None or bank.pk != bank_id:
        raise rules.refuse(rules.NotCommitmentBank)
    return bank


def bank_change_record_settlements(*, bank_change: BankChange, user) -> BankChange:
    """The first bank states its settlements under the commitment are all recorded; from then
    on it pays no more and the new bank may accept the transfer."""
    with transaction.atomic():
        c, change = _lock_bank_change(bank_change)
        _require_bank(user, change.from_bank_id)
        settled = selectors.bank_paid_total(commitment_id=c.pk, bank_id=change.from_bank_id)
        change.settlements_recorded_at = timezone.now()
        change.settlements_recorded_by = user
        change.settled_amount_recorded = settled
        change.full_clean()
        save(change, user)
        _bank_change_event(c, change, CommitmentEvent.Kind.BANK_CHANGE_SETTLEMENTS_RECORDED, settled_amount=settled)
        return change


def bank_change_accept(*, bank_change: BankChange, user) -> BankChange:
    """The new bank accepts: the commitment is domiciled with it from now on."""
    with transaction.atomic():
        c, change = _lock_bank_change(bank_change)
        _require_bank(user, change.to_bank_id)
        rules.check_bank_change(
            payment_method=c.payment_method,
            bank_engagement=c.bank_engagement,
            from_bank_id=c.bank_id,
            to_bank_id=change.to_bank_id,
            has_pending=False,
        )
        if change.settlements_recorded_at is None:
            raise rules.refuse(rules.SettlementsNotRecorded)
        c.bank_id = change.to_bank_id
        c.domiciliation_confirmed_at = timezone.now()
        c.domiciliation_confirmed_by = user
        c.full_clean()
        save(c, user)
        change.status = BankChange.Status.ACCEPTED
        change.decided_by = user
        change.decided_at = timezone.now()
        change.full_clean()
        save(change, user)
        _bank_change_event(c, change, CommitmentEvent.Kind.BANK_CHANGE_ACCEPTED)
        return change


def bank_change_reject(*, bank_change: BankChange, user, reason: str = "") -> BankChange:
    with transaction.atomic():
        c, change = _lock_bank_change(bank_change)
        _require_bank(user, change.to_bank_id)
        change.status = BankChange.Status.REJECTED
        change.decided_by = user
        change.decided_at = timezone.now()
        change.rejection_reason = reason
        change.full_clean()
        save(change, user)
        _bank_change_event(c, change, CommitmentEvent.Kind.BANK_CHANGE_REJECTED, rejection_reason=reason)
        return change
