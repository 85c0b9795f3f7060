"""Payments by the domiciliary bank (``commitment_pay``), each checked against the rule of its
kind, and the partner banks' hot path (issue 4: p95 < 50 ms at 200 req/s on two cores).

Office des Changes FAQ "engagements d'importation" (seed 002, DOMAIN.md §3): acomptes,
règlement avant l'entrée (règlements anticipés), quand régler (règlements), dépassements.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from tariff.kit.money import LOCAL_CURRENCY, to_decimal
from tariff.kit.sql import insert_with_history, run_together

from .. import rules, selectors, sql
from ..limits import check_advance_overshoot, convert_amount, limits
from ..models import Commitment, CommitmentEvent, Importer, Payment
from ._common import acting_bank, positive, record_event, refresh_status, require_active, save


@dataclass(frozen=True)
class PaymentResult:
    payment: Payment
    created: bool  # False: an earlier payment with the same idempotency key was returned


def _lock_and_read_for_payment(commitment_id: int, idempotency_key: str | None, bank_id: int | None):
    """``lock_commitment`` and the ledger read of ``sql.payment_context_statement`` in one round
    trip to PostgreSQL (hot path of the bank API): the read runs once the row lock is granted,
    so it sees every payment committed before. Hand-written lock statement
    (``sql.payment_lock_sql``): the ORM's cost more CPU to compile than PostgreSQL to run it.
    The importer is loaded with the commitment."""
    [lock_rows, context_rows] = run_together([
        (sql.payment_lock_sql(), [commitment_id]),
        sql.payment_context_statement(
            commitment_id=commitment_id, idempotency_key=idempotency_key, bank_id=bank_id
        ),
    ])
    if not lock_rows:
        raise Commitment.DoesNotExist(f"Commitment {commitment_id} does not exist.")
    [row] = lock_rows
    commitment = sql.COMMITMENT_ROW.load(row[: len(sql.COMMITMENT_ROW)])
    commitment.importer = sql.IMPORTER_ROW.load(row[len(sql.COMMITMENT_ROW):])
    return commitment, selectors.payment_context_from(context_rows, currency=commitment.currency)


def commitment_pay(
    *,
    commitment: Commitment | int,
    user,
    kind: str,
    amount,
    currency: str | None = None,
    on_date: dt.date,
    funding: str = Payment.Funding.NORMAL,
    reason: str = "",
    observed_difference=None,
    importer_bears_risk: bool = False,
    idempotency_key: str | None = None,
) -> PaymentResult:
    """A payment by the domiciliary bank, checked against the rule of its ``kind``.

    ``commitment``: the commitment or its id (``Commitment.DoesNotExist`` when there is none);
    ``currency`` defaults to the commitment's. The commitment row is locked first, so the
    totals read here cannot change until this payment is committed or refused. The partner
    banks' hot path (issue 4), two round trips to PostgreSQL between BEGIN and COMMIT: the
    lock with one read of everything the rules need (``sql.payment_context_statement``),
    then the insert with its history row (``tariff.kit.sql``); plus the status update when the
    status changes.
    """
    user_bank = selectors.bank_for_user(user)
    with transaction.atomic():
        c, context = _lock_and_read_for_payment(
            commitment.pk if isinstance(commitment, Commitment) else int(commitment), idempotency_key,
            user_bank.pk if user_bank is not None else None,
        )
        bank = acting_bank(user, c)
        # A key is the bank's own (issue 17): only this bank's earlier payment under it is replayed;
        # the same key on another of its commitments is refused.
        if context.replayed_payment_id is not None:
            if context.replayed_commitment_id != c.pk:
                raise rules.refuse(rules.IdempotencyKeyConflict)
            return PaymentResult(Payment.objects.select_related("bank", "created_by").get(
                pk=context.replayed_payment_id), False)
        require_active(c)
        if context.bank_change_pending:
            raise rules.refuse(rules.BankChangePending)
        amount = positive(amount)
        currency = currency or c.currency
        reason = reason or ""
        rules.check_reason_matches_kind(kind=kind, reason=reason)
        in_commitment_currency = convert_amount(
            amount=amount, from_currency=currency, to_currency=c.currency, on_date=on_date
        )
        amount_mad = convert_amount(amount=amount, from_currency=currency, to_currency=LOCAL_CURRENCY, on_date=on_date)
        totals = context.totals
        importer = c.importer
        from_fx_account = funding == Payment.Funding.FX_ACCOUNT

        fx_debit = None
        if from_fx_account:
            importer = Importer.objects.select_for_update().get(pk=c.importer_id)
            fx_debit = convert_amount(
                amount=amount, from_currency=currency, to_currency=importer.fx_account_currency, on_date=on_date
            )
            rules.check_fx_funding(
                is_exporter_with_fx_account=importer.is_exporter_with_fx_account,
                amount=fx_debit,
                available_balance=importer.fx_account_available_balance,
                account_currency=importer.fx_account_currency,
            )

        check = _PAYMENT_CHECKS.get(kind)
        if check is None:  # the API validates kinds; this guards direct callers
            raise rules.refuse(rules.ExchangeRuleError, f"Nature de règlement inconnue : {kind}.")
        goods_paid_after = check(PaymentAsked(
            commitment=c, importer=importer, totals=totals, amount=amount, currency=currency,
            in_commitment_currency=in_commitment_currency, amount_mad=amount_mad, from_fx_account=from_fx_account,
            reason=reason, observed_difference=observed_difference, importer_bears_risk=importer_bears_risk,
        ))

        payment = Payment(
            commitment=c,
            bank=bank,
            kind=kind,
            amount=amount,
            currency=currency,
            amount_in_commitment_currency=in_commitment_currency,
            amount_mad=amount_mad,
            date=on_date,
            funding=funding,
            reason=reason,
            observed_difference=to_decimal(observed_difference) if observed_difference is not None else None,
            importer_bears_risk=importer_bears_risk,
            idempotency_key=idempotency_key or None,
            created_by=user,
        )
        # The related rows were just read (the commitment under lock), the idempotency key was
        # looked up above and the check constraints are enforced by the database itself, so
        # full_clean does not query them again.
        payment.full_clean(
            exclude={"commitment", "bank", "created_by"}, validate_unique=False, validate_constraints=False
        )
        try:
            insert_with_history(payment, user=user)
        except IntegrityError as exc:
            # Only the (bank, idempotency key) unique index can fail here (the bank raced the
            # same key on another commitment); the whole transaction is rolled back with this refusal.
            if payment.idempotency_key:
                raise rules.refuse(rules.IdempotencyKeyConflict) from exc
            raise
        if fx_debit is not None:
            importer.fx_account_available_balance -= fx_debit
            importer.full_clean()
            save(importer, user, update_fields=["fx_account_available_balance"])
        record_event(
            c, CommitmentEvent.Kind.PAYMENT_RECORDED, payment=payment.pk, kind=kind, amount=amount,
            currency=currency, amount_in_commitment_currency=in_commitment_currency, date=on_date,
        )
        refresh_status(
            c, user=user, imputed=totals.imputed, goods_paid=goods_paid_after, final=totals.final_imputed
        )
        return PaymentResult(payment, True)


# One check per kind of payment (FAQ engagements d'importation: acomptes, règlements anticipés,
# règlements, dépassements); each answers the goods paid once the payment is made.

@dataclass(frozen=True)
class PaymentAsked:
    """What a payment's rule is judged on: the locked commitment, its importer, its totals before
    the payment, and the payment in its own currency, the commitment's and MAD."""

    commitment: Commitment
    importer: Importer
    totals: selectors.CommitmentTotals
    amount: Decimal
    currency: str
    in_commitment_currency: Decimal
    amount_mad: Decimal
    from_fx_account: bool
    reason: str
    observed_difference: Decimal | None
    importer_bears_risk: bool

    @property
    def goods_paid_after(self) -> Decimal:
        return self.totals.goods_paid + self.in_commitment_currency


def check_advance_room(c: Commitment, importer: Importer, totals, amount, from_fx_account: bool) -> None:
    """An advance of ``amount`` (commitment currency) on ``c``: a payment or a carry-over."""
    rules.check_advance_allowed_by_contract(
        payment_method=c.payment_method,
        balance_before_entry=c.balance_before_entry,
        contract_rate=c.contract_advance_rate,
    )
    rules.advance_limit(
        advances_after=totals.advances + amount,
        total_import_value=c.total_import_value,
        contract_rate=c.contract_advance_rate,
        is_aeronautics_registered=importer.is_aeronautics_registered,
        from_fx_account=from_fx_account,
        currency=c.currency,
    )


def _check_advance(p: PaymentAsked) -> Decimal:
    check_advance_room(p.commitment, p.importer, p.totals, p.in_commitment_currency, p.from_fx_account)
    return p.goods_paid_after


def _check_anticipated(p: PaymentAsked) -> Decimal:
    c = p.commitment
    ceilings = limits(c, p.importer, p.totals, from_fx_account=p.from_fx_account)
    rules.check_anticipated_settlement(
        goods_paid_after=p.goods_paid_after,
        invoice_value=ceilings.invoice,
        anticipated_after=p.totals.anticipated + p.in_commitment_currency,
        anticipated_mad_after=p.totals.anticipated_mad + p.amount_mad,
        currency=c.currency,
        cap_mad=ceilings.anticipated_cap_mad,
        second_hand_auction_value=ceilings.auction_value,
    )
    return p.goods_paid_after


def _check_settlement(p: PaymentAsked) -> Decimal:
    c = p.commitment
    rules.check_settlement(
        imputed=p.totals.imputed,
        goods_paid_after=p.goods_paid_after,
        subscribed=c.subscribed_amount,
        freight=c.freight_amount,
        accessory_costs=c.accessory_costs,
        insurance=c.insurance_amount,
        insured_abroad=c.insured_abroad,
        currency=c.currency,
    )
    check_advance_overshoot(c, p.importer, p.totals)
    return p.goods_paid_after


def _check_overrun(p: PaymentAsked) -> Decimal:
    """An overrun pays no goods (shrinkage, polarisation, price revision): goods paid unchanged."""
    c = p.commitment
    rules.check_overrun(
        reason=p.reason,
        imputed=p.totals.imputed,
        amount=p.amount,
        observed_difference=p.observed_difference,
        importer_bears_risk=p.importer_bears_risk,
        cereal_overruns_after=p.totals.cereal_overruns + p.in_commitment_currency,
        currency=c.currency,
        goods_category=c.goods_category,
        goods_category_label=str(c.get_goods_category_display()),
        payment_currency=p.currency,
    )
    return p.totals.goods_paid


_PAYMENT_CHECKS = {
    Payment.Kind.ADVANCE: _check_advance,
    Payment.Kind.ANTICIPATED: _check_anticipated,
    Payment.Kind.SETTLEMENT: _check_settlement,
    Payment.Kind.OVERRUN: _check_overrun,
}
