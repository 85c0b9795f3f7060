"""The carry-over of a commitment's advances onto the commitment replacing it.

Office des Changes FAQ "engagements d'importation" (seed 002, DOMAIN.md §3): report d'acompte —
onto a new commitment replacing the initial one, once only, at the same bank; the carried advances
count against the new commitment's advance limit (acomptes).
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .. import rules, selectors
from ..limits import convert_amount
from ..models import AdvanceCarryOver, Commitment, CommitmentEvent, Payment
from ._common import acting_bank, record_event, require_active, save, set_status
from .payments import check_advance_room


def commitment_carry_over_advances(
    *, source: Commitment, target: Commitment, user, on_date: dt.date | None = None
) -> AdvanceCarryOver:
    """Carry the advances paid under ``source`` over to ``target``, the commitment replacing it
    (once only); ``source`` is then closed."""
    on_date = on_date or timezone.localdate()
    with transaction.atomic():
        locked = {
            row.pk: row
            for row in Commitment.objects.select_for_update(of=("self",))
            .select_related("importer__party")
            .filter(pk__in=[source.pk, target.pk])
            .order_by("pk")  # always the same order: no deadlock between two carry-overs
        }
        src, tgt = locked[source.pk], locked[target.pk]
        acting_bank(user, src)
        if not src.is_domiciled:
            raise rules.refuse(rules.NotDomiciled)
        src_totals = selectors.commitment_totals(commitment=src)
        rules.check_carry_over(
            already_carried_from_source=AdvanceCarryOver.objects.filter(source_id=src.pk).exists(),
            source_advances_were_carried=AdvanceCarryOver.objects.filter(target_id=src.pk).exists(),
            target_replaces_source=tgt.replaces_id == src.pk,
            same_bank=tgt.bank_id == src.bank_id,
            advances=src_totals.advances,
        )
        require_active(tgt)
        amount_in_target = convert_amount(
            amount=src_totals.advances, from_currency=src.currency, to_currency=tgt.currency, on_date=on_date
        )
        tgt_totals = selectors.commitment_totals(commitment=tgt)
        check_advance_room(
            tgt,
            tgt.importer,
            tgt_totals,
            amount_in_target,
            Payment.objects.filter(
                commitment_id=src.pk, kind=Payment.Kind.ADVANCE, funding=Payment.Funding.FX_ACCOUNT
            ).exists(),
        )
        carry = AdvanceCarryOver(
            source=src,
            target=tgt,
            date=on_date,
            amount=src_totals.advances,
            currency=src.currency,
            amount_in_target_currency=amount_in_target,
            created_by=user,
        )
        carry.full_clean()
        save(carry, user)
        record_event(
            tgt, CommitmentEvent.Kind.ADVANCES_CARRIED_OVER, source=src.number, target=tgt.number,
            amount=carry.amount, currency=carry.currency, amount_in_target_currency=amount_in_target,
        )
        set_status(src, Commitment.Status.CLOSED, user=user)
        return carry
