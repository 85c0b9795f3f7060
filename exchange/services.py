"""Writes on the commitment ledger, one service per business action.

Every service runs in one ``transaction.atomic()`` block, locks the commitment row
(``select_for_update``) before reading any total, asks ``exchange.rules`` whether the
action is allowed, runs ``full_clean()`` and saves. A refused action raises a
``DomainError`` with its code before anything is written (and the transaction rolls
back whatever was), so two concurrent payments can never together exceed a limit.
Amounts in another currency are converted with the customs exchange rates
(``tariff.services.convert_to_mad``) of the action's date.
"""
from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS, IntegrityError, connections, transaction
from django.utils import timezone

from declarations.parties import party_get_or_create, party_update
from declarations.selectors import declaration_by_reference
from tariff.kit.errors import DomainError
from tariff.kit.money import LOCAL_CURRENCY, quantize_money, to_decimal
from tariff.kit.sql import RowReader, insert_with_history, run_together

from . import rules, selectors
from .limits import check_advance_overshoot, convert_amount
from .models import (
    AdvanceCarryOver,
    Bank,
    BankChange,
    Commitment,
    CommitmentEvent,
    Importer,
    Imputation,
    Modification,
    Payment,
    PersonalImport,
)

ZERO = Decimal("0")

# Commitment data the importer may change (through a modification validated by the bank).
MODIFIABLE_FIELDS = (
    "subscribed_amount",
    "total_import_value",
    "goods_description",
    "goods_category",
    "contract_reference",
    "payment_method",
    "balance_before_entry",
    "contract_advance_rate",
    "contract_provides_anticipated_payment",
    "bank_engagement",
    "insured_abroad",
    "freight_amount",
    "accessory_costs",
    "insurance_amount",
    "second_hand_auction_value",
)


# --- helpers ---------------------------------------------------------------------------------

def _positive(amount) -> Decimal:
    amount = to_decimal(amount)
    if amount <= ZERO:
        raise rules.refuse(rules.InvalidAmount)
    return amount


def _lock(commitment_id: int) -> Commitment:
    """The commitment row, locked until the end of the transaction (PostgreSQL)."""
    return Commitment.objects.select_for_update(of=("self",)).select_related("importer__party").get(pk=commitment_id)


def _acting_bank(user, commitment: Commitment) -> Bank:
    bank = selectors.bank_for_user(user)
    if bank is None or bank.pk != commitment.bank_id:
        raise rules.refuse(rules.NotCommitmentBank)
    return bank


def _require_active(commitment: Commitment) -> None:
    if commitment.status == Commitment.Status.CLOSED:
        raise rules.refuse(rules.CommitmentClosed)
    if not commitment.is_domiciled:
        raise rules.refuse(rules.NotDomiciled)


def _save(instance, user, **kwargs) -> None:
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


def _record_event(commitment: Commitment, event_kind: str, /, *, bank_ids=None, **payload) -> None:
    """The change feed's row(s) of a change (``GET /api/v1/events/``), written in the change's own
    transaction: one per bank concerned (default: the domiciliary bank), with the commitment's number
    and status after the change and the few fields of ``payload`` a bank needs."""
    data = {"number": commitment.number, "status": commitment.status}
    data.update({k: _event_value(v) for k, v in payload.items()})
    CommitmentEvent.objects.bulk_create([
        CommitmentEvent(bank_id=bank_id, commitment_id=commitment.pk, kind=event_kind, payload=data)
        for bank_id in dict.fromkeys(bank_ids or [commitment.bank_id])
    ])


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


def _refresh_status(
    commitment: Commitment, *, user, imputed: Decimal | None = None, goods_paid: Decimal | None = None,
    final: bool | None = None,
) -> None:
    if imputed is None or goods_paid is None or final is None:
        totals = selectors.commitment_totals(commitment=commitment)
        imputed, goods_paid, final = totals.imputed, totals.goods_paid, totals.final_imputed
    status = _status_for(commitment, imputed=imputed, goods_paid=goods_paid, final=final)
    if status != commitment.status:
        _set_status(commitment, status, user=user)


def _set_status(commitment: Commitment, status: str, *, user) -> None:
    previous = commitment.status
    commitment.status = status
    _save(commitment, user, update_fields=["status", "updated_at"])
    _record_event(commitment, CommitmentEvent.Kind.STATUS_CHANGED, previous_status=previous)


# --- commitment ------------------------------------------------------------------------------

def commitment_create(
    *,
    user,
    number: str,
    importer: Importer,
    bank: Bank,
    currency: str,
    subscribed_amount,
    goods_description: str,
    goods_category: str = Commitment.GoodsCategory.OTHER,
    total_import_value=None,
    subscribed_on: dt.date | None = None,
    contract_reference: str = "",
    payment_method: str = Commitment.PaymentMethod.OTHER,
    balance_before_entry: bool = False,
    contract_advance_rate,
    contract_provides_anticipated_payment: bool = False,
    bank_engagement: bool = False,
    insured_abroad: bool = False,
    freight_amount=ZERO,
    accessory_costs=ZERO,
    insurance_amount=ZERO,
    second_hand_auction_value=None,
    replaces: Commitment | None = None,
    oc_authorisation_reference: str = "",
) -> Commitment:
    """Subscribe a commitment (status ``subscribed``) for the importer at its chosen bank.

    ``contract_advance_rate``: the commercial contract's advance rate, always stated (0 when the
    contract provides no advance); above the regulatory rate it is refused here, not later at the
    bank's domiciliation (``rules.check_contract_advance_rate``)."""
    with transaction.atomic():
        if replaces is not None:
            replaced = _lock(replaces.pk)
            if replaced.importer_id != importer.pk or Commitment.objects.filter(replaces_id=replaced.pk).exists():
                raise rules.refuse(rules.ReplacementInvalid)
        commitment = Commitment(
            number=number,
            importer=importer,
            bank=bank,
            currency=currency,
            subscribed_amount=_positive(subscribed_amount),
            total_import_value=to_decimal(total_import_value if total_import_value is not None else subscribed_amount),
            goods_description=goods_description,
            goods_category=goods_category,
            subscribed_on=subscribed_on or timezone.localdate(),
            contract_reference=contract_reference,
            payment_method=payment_method,
            balance_before_entry=balance_before_entry,
            contract_advance_rate=to_decimal(contract_advance_rate),
            contract_provides_anticipated_payment=contract_provides_anticipated_payment,
            bank_engagement=bank_engagement,
            insured_abroad=insured_abroad,
            freight_amount=to_decimal(freight_amount),
            accessory_costs=to_decimal(accessory_costs),
            insurance_amount=to_decimal(insurance_amount),
            second_hand_auction_value=(
                to_decimal(second_hand_auction_value) if second_hand_auction_value is not None else None
            ),
            replaces=replaces,
            oc_authorisation_reference=oc_authorisation_reference,
            created_by=user,
        )
        commitment.full_clean()
        rules.check_contract_advance_rate(
            contract_advance_rate=commitment.contract_advance_rate,
            is_aeronautics_registered=importer.is_aeronautics_registered,
            is_exporter_with_fx_account=importer.is_exporter_with_fx_account,
        )
        _save(commitment, user)
        _record_event(
            commitment, CommitmentEvent.Kind.SUBSCRIBED, subscribed_amount=commitment.subscribed_amount,
            currency=commitment.currency,
        )
        return commitment


def commitment_domiciliate(
    *, commitment: Commitment, user, contract_concordance_confirmed: bool, contract_reference: str | None = None
) -> Commitment:
    """The bank confirms the contract matches the commitment and domiciles it."""
    with transaction.atomic():
        c = _lock(commitment.pk)
        _acting_bank(user, c)
        rules.check_domiciliation(
            is_domiciled=c.is_domiciled,
            concordance_confirmed=contract_concordance_confirmed,
            contract_advance_rate=c.contract_advance_rate,
            is_aeronautics_registered=c.importer.is_aeronautics_registered,
            is_exporter_with_fx_account=c.importer.is_exporter_with_fx_account,
        )
        c.status = Commitment.Status.DOMICILED
        c.domiciliation_confirmed_at = timezone.now()
        c.domiciliation_confirmed_by = user
        if contract_reference:
            c.contract_reference = contract_reference
        c.full_clean()
        _save(c, user)
        _record_event(c, CommitmentEvent.Kind.DOMICILED, contract_reference=c.contract_reference)
        return c


def commitment_record_imputation(
    *, commitment: Commitment, user, amount, currency: str, on_date: dt.date, declaration_reference: str = "",
    kind: str = Imputation.Kind.PARTIAL, declaration=None,
) -> Imputation:
    """Customs imputation of an imported amount against the commitment: ``partial`` (one shipment
    of several) or ``final`` (the last: the final invoice is then known). ``declaration``: the DUM
    when the office keeps it — a ``declaration_reference`` the office keeps is linked too; the text is
    kept only for another declarant's DUM. Refused after the
    final imputation; beyond the subscribed value it is recorded and flagged: the answer's
    ``imputed_to_date`` and ``notice`` (``rules.imputation_beyond_subscribed_notice``)."""
    with transaction.atomic():
        c = _lock(commitment.pk)
        _require_active(c)
        totals = selectors.commitment_totals(commitment=c)
        rules.check_imputation(final_recorded=totals.final_imputed)
        amount = _positive(amount)
        if declaration is None:
            declaration = declaration_by_reference(declaration_reference)
        if declaration is not None:
            declaration_reference = ""
        imputation = Imputation(
            commitment=c,
            kind=kind,
            declaration=declaration,
            date=on_date,
            amount=amount,
            currency=currency,
            amount_in_commitment_currency=convert_amount(
                amount=amount, from_currency=currency, to_currency=c.currency, on_date=on_date
            ),
            amount_mad=convert_amount(
                amount=amount, from_currency=currency, to_currency=LOCAL_CURRENCY, on_date=on_date
            ),
            declaration_reference=declaration_reference,
            created_by=user,
        )
        imputation.full_clean(exclude={"commitment", "declaration", "created_by"})
        _save(imputation, user)
        imputed = totals.imputed + imputation.amount_in_commitment_currency
        _record_event(
            c, CommitmentEvent.Kind.IMPUTATION_RECORDED, imputation=imputation.pk, kind=kind,
            amount=imputation.amount, currency=imputation.currency,
            amount_in_commitment_currency=imputation.amount_in_commitment_currency, date=on_date,
            declaration_reference=declaration_reference, imputed_to_date=imputed,
        )
        _refresh_status(
            c, user=user, imputed=imputed, goods_paid=totals.goods_paid, final=kind == Imputation.Kind.FINAL
        )
        imputation.imputed_to_date = imputed
        return imputation


def commitment_record_oc_authorisation(*, commitment: Commitment, user, reference: str) -> Commitment:
    """Record the Office des Changes' special authorisation (advances overshooting the rate by > 5 %)."""
    with transaction.atomic():
        c = _lock(commitment.pk)
        _acting_bank(user, c)
        c.oc_authorisation_reference = reference
        c.full_clean()
        _save(c, user, update_fields=["oc_authorisation_reference", "updated_at"])
        return c


# --- payments --------------------------------------------------------------------------------

@dataclass(frozen=True)
class PaymentResult:
    payment: Payment
    created: bool  # False: an earlier payment with the same idempotency key was returned


def _lock_and_read_for_payment(commitment_id: int, idempotency_key: str | None, bank_id: int | None):
    """``_lock`` and the ledger read of ``selectors.payment_context_statement`` in one round
    trip to PostgreSQL (hot path of the bank API): the read runs once the row lock is granted,
    so it sees every payment committed before. Hand-written lock statement: the ORM's cost
    more CPU to compile than PostgreSQL to run it. The importer is loaded with the commitment."""
    [lock_rows, context_rows] = run_together([
        (_lock_for_payment_sql(), [commitment_id]),
        selectors.payment_context_statement(
            commitment_id=commitment_id, idempotency_key=idempotency_key, bank_id=bank_id
        ),
    ])
    if not lock_rows:
        raise Commitment.DoesNotExist(f"Commitment {commitment_id} does not exist.")
    [row] = lock_rows
    commitment = _COMMITMENT_ROW.load(row[: len(_COMMITMENT_ROW)])
    commitment.importer = _IMPORTER_ROW.load(row[len(_COMMITMENT_ROW):])
    return commitment, selectors.payment_context_from(context_rows, currency=commitment.currency)


_COMMITMENT_ROW = RowReader(Commitment)
_IMPORTER_ROW = RowReader(Importer)


@lru_cache(maxsize=None)
def _lock_for_payment_sql() -> str:
    lock = " FOR UPDATE OF c" if connections[DEFAULT_DB_ALIAS].features.has_select_for_update_of else ""
    return (
        f"SELECT {_COMMITMENT_ROW.columns('c')}, {_IMPORTER_ROW.columns('i')} FROM {Commitment._meta.db_table} c "
        f"JOIN {Importer._meta.db_table} i ON i.id = c.importer_id WHERE c.id = %s{lock}"
    )


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
    lock with one read of everything the rules need (``selectors.payment_context_statement``),
    then the insert with its history row (``tariff.kit.sql``); plus the status update when the
    status changes.
    """
    user_bank = selectors.bank_for_user(user)
    with transaction.atomic():
        c, context = _lock_and_read_for_payment(
            commitment.pk if isinstance(commitment, Commitment) else int(commitment), idempotency_key,
            user_bank.pk if user_bank is not None else None,
        )
        bank = _acting_bank(user, c)
        # A key is the bank's own (issue 17): only this bank's earlier payment under it is replayed;
        # the same key on another of its commitments is refused.
        if context.replayed_payment_id is not None:
            if context.replayed_commitment_id != c.pk:
                raise rules.refuse(rules.IdempotencyKeyConflict)
            return PaymentResult(Payment.objects.select_related("bank", "created_by").get(
                pk=context.replayed_payment_id), False)
        _require_active(c)
        if context.bank_change_pending:
            raise rules.refuse(rules.BankChangePending)
        amount = _positive(amount)
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
            _save(importer, user, update_fields=["fx_account_available_balance"])
        _record_event(
            c, CommitmentEvent.Kind.PAYMENT_RECORDED, payment=payment.pk, kind=kind, amount=amount,
            currency=currency, amount_in_commitment_currency=in_commitment_currency, date=on_date,
        )
        _refresh_status(
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


def _check_advance_room(c: Commitment, importer: Importer, totals, amount, from_fx_account: bool) -> None:
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
    _check_advance_room(p.commitment, p.importer, p.totals, p.in_commitment_currency, p.from_fx_account)
    return p.goods_paid_after


def _check_anticipated(p: PaymentAsked) -> Decimal:
    c = p.commitment
    rules.check_anticipated_settlement(
        goods_paid_after=p.goods_paid_after,
        invoice_value=c.total_import_value,
        anticipated_after=p.totals.anticipated + p.in_commitment_currency,
        anticipated_mad_after=p.totals.anticipated_mad + p.amount_mad,
        currency=c.currency,
        is_oc_categorised=p.importer.is_oc_categorised,
        is_aeronautics_registered=p.importer.is_aeronautics_registered,
        fx_funded_with_contract=p.from_fx_account and c.contract_provides_anticipated_payment,
        second_hand_auction_value=c.second_hand_auction_value,
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


# --- carry-over of advances ------------------------------------------------------------------

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
        _acting_bank(user, src)
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
        _require_active(tgt)
        amount_in_target = convert_amount(
            amount=src_totals.advances, from_currency=src.currency, to_currency=tgt.currency, on_date=on_date
        )
        tgt_totals = selectors.commitment_totals(commitment=tgt)
        _check_advance_room(
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
        _save(carry, user)
        _record_event(
            tgt, CommitmentEvent.Kind.ADVANCES_CARRIED_OVER, source=src.number, target=tgt.number,
            amount=carry.amount, currency=carry.currency, amount_in_target_currency=amount_in_target,
        )
        _set_status(src, Commitment.Status.CLOSED, user=user)
        return carry


# --- modification ----------------------------------------------------------------------------

def _normalise_changes(commitment: Commitment, changes: dict) -> dict:
    unknown = set(changes) - set(MODIFIABLE_FIELDS)
    if unknown:
        raise rules.refuse(rules.ModificationInvalid, f"Données non modifiables : {', '.join(sorted(unknown))}.")
    effective = {}
    for name, value in changes.items():
        field = Commitment._meta.get_field(name)
        value = field.to_python(value)
        if value != getattr(commitment, name):
            effective[name] = value
    if not effective:
        raise rules.refuse(rules.ModificationEmpty)
    candidate = copy.copy(commitment)
    for name, value in effective.items():
        setattr(candidate, name, value)
    candidate.full_clean(validate_unique=False)
    return effective


def _check_modification(commitment: Commitment, changes: dict) -> None:
    if "contract_advance_rate" in changes:
        rules.check_contract_advance_rate(
            contract_advance_rate=changes["contract_advance_rate"],
            is_aeronautics_registered=commitment.importer.is_aeronautics_registered,
            is_exporter_with_fx_account=commitment.importer.is_exporter_with_fx_account,
        )
    lowers = any(
        name in changes and changes[name] is not None and changes[name] < getattr(commitment, name)
        for name in rules.VALUE_FIELDS
    )
    rules.check_modification(
        is_totally_imputed=commitment.is_totally_imputed,
        lowers_value=lowers,
        has_payments=selectors.commitment_totals(commitment=commitment).has_payments,
    )


def _json(value):
    if isinstance(value, Decimal):
        return str(value)
    return value


def commitment_modify(*, commitment: Commitment, user, changes: dict, reason: str = "") -> Modification:
    """The importer (through the broker) asks to change the commitment's data; the bank validates."""
    with transaction.atomic():
        c = _lock(commitment.pk)
        if c.status == Commitment.Status.CLOSED:
            raise rules.refuse(rules.CommitmentClosed)
        effective = _normalise_changes(c, changes)
        _check_modification(c, effective)
        modification = Modification(
            commitment=c,
            changes={k: _json(v) for k, v in effective.items()},
            previous={k: _json(getattr(c, k)) for k in effective},
            reason=reason,
            requested_by=user,
        )
        modification.full_clean()
        _save(modification, user)
        _record_event(
            c, CommitmentEvent.Kind.MODIFICATION_REQUESTED, modification=modification.pk,
            changes=modification.changes, previous=modification.previous,
        )
        return modification


def _lock_modification(modification: Modification, user) -> tuple[Commitment, Modification]:
    c = _lock(modification.commitment_id)
    _acting_bank(user, c)
    mod = Modification.objects.select_for_update().get(pk=modification.pk)
    if mod.status != Modification.Status.REQUESTED:
        raise rules.refuse(rules.ModificationNotPending)
    return c, mod


def modification_validate(*, modification: Modification, user) -> Modification:
    """The domiciliary bank validates the change; the rules are checked again on today's ledger."""
    with transaction.atomic():
        c, mod = _lock_modification(modification, user)
        if c.status == Commitment.Status.CLOSED:
            raise rules.refuse(rules.CommitmentClosed)
        effective = _normalise_changes(c, mod.changes)
        _check_modification(c, effective)
        for name, value in effective.items():
            setattr(c, name, value)
        c.full_clean()
        _save(c, user)
        _refresh_status(c, user=user)
        mod.status = Modification.Status.VALIDATED
        mod.validated_by = user
        mod.decided_at = timezone.now()
        mod.full_clean()
        _save(mod, user)
        _record_event(c, CommitmentEvent.Kind.MODIFICATION_VALIDATED, modification=mod.pk, changes=mod.changes)
        return mod


def modification_reject(*, modification: Modification, user, reason: str = "") -> Modification:
    with transaction.atomic():
        c, mod = _lock_modification(modification, user)
        mod.status = Modification.Status.REJECTED
        mod.validated_by = user
        mod.decided_at = timezone.now()
        mod.rejection_reason = reason
        mod.full_clean()
        _save(mod, user)
        _record_event(
            c, CommitmentEvent.Kind.MODIFICATION_REJECTED, modification=mod.pk, changes=mod.changes,
            rejection_reason=reason,
        )
        return mod


# --- change of domiciliary bank --------------------------------------------------------------

def commitment_request_bank_change(*, commitment: Commitment, to_bank: Bank, user, reason: str = "") -> BankChange:
    """The importer asks to move the domiciliation to ``to_bank``."""
    with transaction.atomic():
        c = _lock(commitment.pk)
        _require_active(c)
        rules.check_bank_change(
            payment_method=c.payment_method,
            bank_engagement=c.bank_engagement,
            from_bank_id=c.bank_id,
            to_bank_id=to_bank.pk,
            has_pending=BankChange.objects.filter(commitment_id=c.pk, status=BankChange.Status.REQUESTED).exists(),
        )
        change = BankChange(commitment=c, from_bank_id=c.bank_id, to_bank=to_bank, reason=reason, requested_by=user)
        change.full_clean()
        _save(change, user)
        _bank_change_event(c, change, CommitmentEvent.Kind.BANK_CHANGE_REQUESTED, reason=reason)
        return change


def _bank_change_event(commitment: Commitment, change: BankChange, event_kind: str, /, **payload) -> None:
    """A bank change concerns both banks: one event row for each."""
    _record_event(
        commitment, event_kind, bank_ids=[change.from_bank_id, change.to_bank_id], bank_change=change.pk,
        from_bank=change.from_bank.code, to_bank=change.to_bank.code, **payload,
    )


def _lock_bank_change(bank_change: BankChange) -> tuple[Commitment, BankChange]:
    c = _lock(bank_change.commitment_id)
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
        _save(change, user)
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
        _save(c, user)
        change.status = BankChange.Status.ACCEPTED
        change.decided_by = user
        change.decided_at = timezone.now()
        change.full_clean()
        _save(change, user)
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
        _save(change, user)
        _bank_change_event(c, change, CommitmentEvent.Kind.BANK_CHANGE_REJECTED, rejection_reason=reason)
        return change


# --- natural persons' exemption --------------------------------------------------------------

def personal_import_check(
    *, importer: Importer, user, amount, currency: str, on_date: dt.date, reference: str = ""
) -> PersonalImport:
    """Record an import exempt from a commitment (resident natural person outside the trade
    register), refused once the calendar year's total would exceed 20,000 MAD."""
    with transaction.atomic():
        person = Importer.objects.select_for_update().get(pk=importer.pk)
        amount = _positive(amount)
        amount_mad = convert_amount(amount=amount, from_currency=currency, to_currency=LOCAL_CURRENCY, on_date=on_date)
        year_total = selectors.personal_import_year_total(importer_id=person.pk, year=on_date.year)
        rules.check_personal_exemption(
            is_natural_outside_register=person.is_natural_person_outside_trade_register,
            is_resident=person.is_resident,
            year_total_mad_after=year_total + amount_mad,
        )
        record = PersonalImport(
            importer=person,
            date=on_date,
            amount=amount,
            currency=currency,
            amount_mad=amount_mad,
            reference=reference,
            created_by=user,
        )
        record.full_clean()
        _save(record, user)
        return record


# --- importers: the Office des Changes profile of the one party record -------------------------

IMPORTER_PROFILE_FIELDS = (
    "is_resident", "is_aeronautics_registered", "is_oc_categorised", "is_exporter_with_fx_account",
    "fx_account_available_balance", "fx_account_currency",
)


class ImporterAlreadyRegistered(DomainError):
    code = "importer_already_registered"


def importer_register(
    *, name: str, id_number: str, kind: str | None = None, trade_register_number: str = "",
    importer: Importer | None = None, **profile,
) -> Importer:
    """Create (``importer`` None) or update an importer's profile. Its identity is the party the
    ICE / CIN names — the same record the office's declarations name — created if the office does
    not know it yet; a party has one profile."""
    unknown = set(profile) - set(IMPORTER_PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown importer profile fields: {sorted(unknown)}")
    with transaction.atomic():
        if importer is None:
            party = party_get_or_create(name=name, identifier=id_number, kind=kind,
                                        trade_register_number=trade_register_number, update=True)
            if Importer.objects.filter(party=party).exists():
                raise ImporterAlreadyRegistered(
                    f"L'opérateur {party.name} ({party.identifier}) a déjà un profil d'importateur.", field="id_number")
            importer = Importer(party=party)
        else:
            importer = Importer.objects.select_for_update().select_related("party").get(pk=importer.pk)
            party_update(party=importer.party, name=name, identifier=id_number, kind=kind,
                         trade_register_number=trade_register_number)
        for field, value in profile.items():
            setattr(importer, field, value)
        importer.full_clean()
        importer.save()
        return importer
