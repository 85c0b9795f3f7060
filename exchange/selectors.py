"""Reads of the commitment ledger: who sees what, and the running totals the rules need."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import BigIntegerField, DecimalField, F, Func, Q, QuerySet, Sum, Window
from django.db.models.functions import Coalesce
from django.utils import timezone

from tariff.kit.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, quantize_money
from tariff.kit.roles import AUDITOR, BROKER_STAFF, user_has_role
from tariff.services import CurrencyConversionError

from . import rules, sql
from .limits import ZERO, check_advance_overshoot, convert_amount, limits
from .models import (
    AdvanceCarryOver,
    Bank,
    BankChange,
    BankUser,
    Commitment,
    CommitmentEvent,
    Imputation,
    Payment,
    PersonalImport,
)

_NO_BANK = object()


def bank_for_user(user) -> Bank | None:
    """The bank a bank user works for (cached on the user object for the request)."""
    if not user or not user.is_authenticated:
        return None
    cached = getattr(user, "_exchange_bank", _NO_BANK)
    if cached is _NO_BANK:
        profile = BankUser.objects.select_related("bank").filter(user_id=user.pk).first()
        cached = profile.bank if profile else None
        user._exchange_bank = cached
    return cached


def remember_bank(user, bank: Bank | None) -> None:
    """Cache the user's bank when it was loaded with the user (token authentication)."""
    user._exchange_bank = bank


def commitment_list_for(*, user) -> QuerySet[Commitment]:
    """Commitments ``user`` may see: a bank user only those domiciled with its bank;
    broker staff and auditors all of them; anyone else none."""
    qs = Commitment.objects.select_related("importer__party", "bank")
    bank = bank_for_user(user)
    if bank is not None:
        return qs.filter(bank=bank)
    if user_has_role(user, BROKER_STAFF, AUDITOR):
        return qs
    return qs.none()


# Columns of a list row (``values()`` names), read by the bank API's list: the hand-written page's
# (``sql.bank_commitment_page_sql``) and the filtered list's.
COMMITMENT_LIST_COLUMNS = sql.COMMITMENT_LIST_COLUMNS


class BankCommitmentRows:
    """A bank's commitments as list rows (dicts keyed by ``COMMITMENT_LIST_COLUMNS``), newest
    first like ``Commitment.Meta.ordering``, for a ``Paginator``: ``count()`` and each slice
    run one hand-written statement (``sql.bank_commitment_count_sql``, ``sql.bank_commitment_page_sql``;
    the partner banks' most frequent call, issue 4: the ORM spent more CPU compiling these two
    queries than PostgreSQL running them)."""

    def __init__(self, bank_id: int):
        self.bank_id = bank_id

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql.bank_commitment_count_sql(), [self.bank_id])
            return cursor.fetchone()[0]

    def __getitem__(self, page: slice) -> list[dict]:
        offset, stop = page.start or 0, page.stop
        with connection.cursor() as cursor:
            cursor.execute(sql.bank_commitment_page_sql(), [self.bank_id, stop - offset, offset])
            rows = cursor.fetchall()
        n = len(sql.LIST_ROW)
        result = []
        for row in rows:
            item = dict(zip(sql.LIST_OWN_COLUMNS, sql.LIST_ROW.convert(row[:n])))
            item["importer__party__name"], item["bank__code"] = row[n], row[n + 1]
            result.append(item)
        return result


def bank_change_list_for(*, user) -> QuerySet[BankChange]:
    """Transfers a bank user is party to (as initial or new bank); all for staff and auditors."""
    qs = BankChange.objects.select_related("commitment", "commitment__importer__party", "from_bank", "to_bank")
    bank = bank_for_user(user)
    if bank is not None:
        return qs.filter(Q(from_bank=bank) | Q(to_bank=bank))
    if user_has_role(user, BROKER_STAFF, AUDITOR):
        return qs
    return qs.none()


def payment_list_for(*, user) -> QuerySet[Payment]:
    """Payments ``user`` may see, every commitment's: a bank user only those its bank made on the
    commitments domiciled with it (``commitment_list_for``); broker staff and auditors all."""
    qs = Payment.objects.filter(commitment__in=commitment_list_for(user=user).values("pk")).select_related(
        "commitment__importer__party", "bank")
    bank = bank_for_user(user)
    return qs.filter(bank=bank) if bank is not None else qs


def payment_list(*, commitment: Commitment) -> QuerySet[Payment]:
    return Payment.objects.filter(commitment=commitment).select_related("bank", "created_by").order_by("date", "id")


def imputation_list(*, commitment: Commitment) -> QuerySet[Imputation]:
    """The commitment's imputations in order, each with ``imputed_to_date``: the running total in
    the commitment's currency, this one included (beyond the subscribed value: allowed, shown as
    such — FAQ: peut-on dépasser la valeur)."""
    running = Window(Sum("amount_in_commitment_currency"), order_by=(F("date").asc(), F("id").asc()))
    return (
        Imputation.objects.filter(commitment=commitment)
        .select_related("commitment", "declaration", "created_by")
        .annotate(imputed_to_date=running)
        .order_by("date", "id")
    )


def _sum(field: str, **filters):
    output = DecimalField(max_digits=MONEY_MAX_DIGITS + 4, decimal_places=MONEY_DECIMAL_PLACES)
    condition = Q(**filters) if filters else None
    return Coalesce(Sum(field, filter=condition), ZERO, output_field=output)


@dataclass(frozen=True)
class CommitmentTotals:
    """Running totals of one commitment, in its currency (``*_mad``: MAD equivalents)."""

    currency: str
    imputed: Decimal = ZERO
    own_advances: Decimal = ZERO
    carried_in: Decimal = ZERO
    carried_out: Decimal = ZERO
    anticipated: Decimal = ZERO
    anticipated_mad: Decimal = ZERO
    settlements: Decimal = ZERO
    overruns: Decimal = ZERO
    cereal_overruns: Decimal = ZERO
    final_imputed: bool = False  # customs recorded the final (last) imputation

    @property
    def advances(self) -> Decimal:
        """Advances that count on this commitment: its own, plus carried in, minus carried out."""
        return self.own_advances + self.carried_in - self.carried_out

    @property
    def goods_paid(self) -> Decimal:
        """Everything paid for the goods (advances, anticipated settlements, settlements)."""
        return self.advances + self.anticipated + self.settlements

    @property
    def paid(self) -> Decimal:
        return self.goods_paid + self.overruns

    @property
    def has_payments(self) -> bool:
        return self.own_advances + self.carried_in + self.anticipated + self.settlements + self.overruns > 0


@dataclass(frozen=True)
class PaymentContext:
    """What a payment decides on (``services.commitment_pay``)."""

    totals: CommitmentTotals
    bank_change_pending: bool  # a transfer to another bank awaits validation, its settlements recorded
    replayed_payment_id: int | None = None  # the payment already recorded under the idempotency key
    replayed_commitment_id: int | None = None


def payment_context_from(rows, *, currency: str) -> PaymentContext:
    """The rows of ``sql.payment_context_statement`` as the ``PaymentContext`` they state."""
    ledger, replayed, pending = [], None, False
    for row in rows:
        if row[0] == "replayed":
            replayed = (int(row[3]), int(row[4]))
        elif row[0] == "bank_change_pending":
            pending = int(row[3]) > 0
        else:
            ledger.append(row)
    return PaymentContext(
        totals=_fold_totals(currency, ledger),
        bank_change_pending=pending,
        replayed_payment_id=replayed[0] if replayed else None,
        replayed_commitment_id=replayed[1] if replayed else None,
    )


def _money(value) -> Decimal:
    # PostgreSQL sums numerics exactly; SQLite may hand back a float: round it to the centime.
    return quantize_money(Decimal(str(value))) if value is not None else ZERO


def commitment_totals(*, commitment: Commitment) -> CommitmentTotals:
    """Totals read from the ledger in one statement (call it under the commitment's row lock,
    before deciding: it runs on every payment)."""
    with connection.cursor() as cursor:
        cursor.execute(sql.ledger_sql(), {"id": commitment.pk})
        rows = cursor.fetchall()
    return _fold_totals(commitment.currency, rows)


def _fold_totals(currency: str, rows) -> CommitmentTotals:
    """``(source, kind, reason, amount, amount_mad)`` ledger sums → ``CommitmentTotals``."""
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    final_imputed = False
    for source, kind, reason, amount, amount_mad in rows:
        amount, amount_mad = _money(amount), _money(amount_mad)
        if source != "payment":
            final_imputed = final_imputed or (source == "imputed" and kind == Imputation.Kind.FINAL)
            sums[source] += amount
            continue
        sums[kind] += amount
        if kind == Payment.Kind.ANTICIPATED:
            sums["anticipated_mad"] += amount_mad
        if kind == Payment.Kind.OVERRUN and reason == Payment.OverrunReason.SHRINKAGE_CEREALS:
            sums["cereal_overruns"] += amount
    return CommitmentTotals(
        currency=currency,
        imputed=sums["imputed"],
        own_advances=sums[Payment.Kind.ADVANCE],
        carried_in=sums["carried_in"],
        carried_out=sums["carried_out"],
        anticipated=sums[Payment.Kind.ANTICIPATED],
        anticipated_mad=sums["anticipated_mad"],
        settlements=sums[Payment.Kind.SETTLEMENT],
        overruns=sums[Payment.Kind.OVERRUN],
        cereal_overruns=sums["cereal_overruns"],
        final_imputed=final_imputed,
    )


def bank_paid_total(*, commitment_id: int, bank_id: int) -> Decimal:
    """What one bank paid under a commitment (commitment currency)."""
    return Payment.objects.filter(commitment_id=commitment_id, bank_id=bank_id).aggregate(
        total=_sum("amount_in_commitment_currency")
    )["total"]


def personal_import_year_total(*, importer_id: int, year: int) -> Decimal:
    """MAD total of an importer's commitment-exempt imports in one calendar year."""
    return PersonalImport.objects.filter(
        importer_id=importer_id, date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31)
    ).aggregate(total=_sum("amount_mad"))["total"]


# --- totals of many commitments, headroom per rule --------------------------------------------

ACTIVE_STATUSES = (
    Commitment.Status.DOMICILED,
    Commitment.Status.PARTIALLY_IMPUTED,
    Commitment.Status.TOTALLY_IMPUTED,
)
_ID_CHUNK = 500  # keeps ``IN (…)`` lists under SQLite's bound-parameter limit


def commitment_totals_many(*, commitments) -> dict[int, CommitmentTotals]:
    """``commitment_totals`` of several commitments in four grouped queries (list pages,
    dashboard), keyed by commitment id; the same sums, folded the same way."""
    commitments = list(commitments)
    rows: dict[int, list] = defaultdict(list)
    ids = [c.pk for c in commitments]
    for start in range(0, len(ids), _ID_CHUNK):
        chunk = ids[start:start + _ID_CHUNK]
        payments = (
            Payment.objects.filter(commitment_id__in=chunk).order_by().values("commitment_id", "kind", "reason")
            .annotate(total=Sum("amount_in_commitment_currency"), mad=Sum("amount_mad"))
        )
        for row in payments:
            rows[row["commitment_id"]].append(("payment", row["kind"], row["reason"], row["total"], row["mad"]))
        imputed = (
            Imputation.objects.filter(commitment_id__in=chunk).order_by().values("commitment_id", "kind")
            .annotate(total=Sum("amount_in_commitment_currency"))
        )
        for row in imputed:
            rows[row["commitment_id"]].append(("imputed", row["kind"], "", row["total"], 0))
        carried = AdvanceCarryOver.objects.order_by()
        for row in carried.filter(source_id__in=chunk).values("source_id").annotate(total=Sum("amount")):
            rows[row["source_id"]].append(("carried_out", "", "", row["total"], 0))
        for row in carried.filter(target_id__in=chunk).values("target_id").annotate(
            total=Sum("amount_in_target_currency")
        ):
            rows[row["target_id"]].append(("carried_in", "", "", row["total"], 0))
    return {c.pk: _fold_totals(c.currency, rows[c.pk]) for c in commitments}


@dataclass(frozen=True)
class Headroom:
    """What each Office des Changes rule still lets the bank pay under a commitment, in the
    commitment's currency. ``*_limit``: the most that rule allows in total; ``*_room``: what
    is left of it (never negative); ``*_ratio``: the used share of that limit (0 when the rule
    allows nothing yet); ``used_ratio``: the highest of them (0..1, above 1 when a limit was
    exceeded, e.g. after a modification or an authorised overshoot).

    The anticipated limit of a foreign-currency commitment is converted from MAD at the day's
    customs rate; without a rate that day its limit and room are ``None`` (the ratio, computed
    in MAD, is still given)."""

    currency: str
    advance_limit: Decimal
    advance_room: Decimal
    anticipated_limit: Decimal | None
    anticipated_room: Decimal | None
    settlement_limit: Decimal
    settlement_room: Decimal
    advance_ratio: Decimal
    anticipated_ratio: Decimal
    settlement_ratio: Decimal
    used_ratio: Decimal
    settlement_needs_oc_authorisation: bool = False  # advances overshoot the rate by more than 5 %


_RATIO = Decimal("0.0001")


def _ratio(used: Decimal, limit: Decimal | None) -> Decimal:
    if not limit or limit <= 0:
        return Decimal("0")
    return (max(used, ZERO) / limit).quantize(_RATIO)


def _room(limit: Decimal, used: Decimal) -> Decimal:
    return max(limit - used, ZERO)


def commitment_headroom(
    *, commitment: Commitment, totals: CommitmentTotals | None = None, on_date: dt.date | None = None,
    from_fx_account: bool = False,
) -> Headroom:
    """Remaining headroom per rule for a payment funded as ``from_fx_account`` says (by default an
    ordinary payment, the payment API's default funding), from the ledger totals and the very
    ceilings the payment's checks read (``exchange.limits.limits``). ``on_date``: day of the
    customs rate converting the MAD anticipated limit."""
    totals = totals or commitment_totals(commitment=commitment)
    importer = commitment.importer
    on_date = on_date or timezone.localdate()
    ceilings = limits(commitment, importer, totals, from_fx_account=from_fx_account)
    goods_room = _room(ceilings.invoice, totals.goods_paid)  # never beyond 100 % of the invoice

    # Office des Changes FAQ: acomptes
    advance_limit = ceilings.advance
    advance_room = _room(advance_limit, totals.advances)
    advance_ratio = _ratio(totals.advances, advance_limit)

    # Office des Changes FAQ: règlement avant l'entrée
    if ceilings.anticipated_cap_mad is None:  # only the invoice bounds them
        anticipated_limit = ceilings.invoice
        anticipated_room = goods_room
        anticipated_ratio = _ratio(totals.anticipated, anticipated_limit)
    else:
        cap_mad = ceilings.anticipated_cap_mad
        anticipated_ratio = _ratio(totals.anticipated_mad, cap_mad)
        try:
            anticipated_limit = convert_amount(
                amount=cap_mad, from_currency="MAD", to_currency=commitment.currency, on_date=on_date
            )
            anticipated_room = convert_amount(
                amount=_room(cap_mad, totals.anticipated_mad), from_currency="MAD",
                to_currency=commitment.currency, on_date=on_date,
            )
        except CurrencyConversionError:
            anticipated_limit = anticipated_room = None
        auction = ceilings.auction_value
        if auction is not None:  # second-hand equipment bought at auction: up to its value
            anticipated_ratio = min(anticipated_ratio, _ratio(totals.anticipated, auction))
            if anticipated_limit is not None:
                anticipated_limit = max(anticipated_limit, auction)
                anticipated_room = max(anticipated_room, _room(auction, totals.anticipated))
        if anticipated_room is not None:
            anticipated_room = min(anticipated_room, goods_room)

    # Office des Changes FAQ: quand régler — only after imputation, within imputed + costs abroad
    settlement_limit = ceilings.settlement
    settlement_room = _room(settlement_limit, totals.goods_paid)
    settlement_ratio = _ratio(totals.goods_paid, settlement_limit)
    # Office des Changes FAQ: acomptes — the same overshoot check as the settlement's: above 5 % of the
    # final invoice (the subscribed value until the final imputation) nothing more is settled without
    # the Office des Changes' authorisation.
    try:
        check_advance_overshoot(commitment, importer, totals)
        settlement_needs_oc_authorisation = False
    except rules.AdvanceOvershootNeedsAuthorisation:
        settlement_needs_oc_authorisation = True
        settlement_room = ZERO

    return Headroom(
        currency=commitment.currency,
        advance_limit=advance_limit,
        advance_room=advance_room,
        anticipated_limit=anticipated_limit,
        anticipated_room=anticipated_room,
        settlement_limit=settlement_limit,
        settlement_room=settlement_room,
        advance_ratio=advance_ratio,
        anticipated_ratio=anticipated_ratio,
        settlement_ratio=settlement_ratio,
        used_ratio=max(advance_ratio, anticipated_ratio, settlement_ratio),
        settlement_needs_oc_authorisation=settlement_needs_oc_authorisation,
    )


def commitments_near_limits(
    *, user, threshold: Decimal = Decimal("0.90"), limit: int = 10
) -> list[tuple[Commitment, Headroom]]:
    """Active commitments ``user`` may see whose most-used limit has reached ``threshold``,
    the most used first (dashboard widget)."""
    commitments = list(commitment_list_for(user=user).filter(status__in=ACTIVE_STATUSES))
    totals = commitment_totals_many(commitments=commitments)
    today = timezone.localdate()
    rows = [(c, commitment_headroom(commitment=c, totals=totals[c.pk], on_date=today)) for c in commitments]
    near = [row for row in rows if row[1].used_ratio >= threshold]
    near.sort(key=lambda row: (-row[1].used_ratio, row[0].number))
    return near[:limit]


# --- the partner banks' change feed -------------------------------------------------------------

EVENT_PAGE_SIZE = 100
EVENT_PAGE_MAX = 500


class _SnapshotHorizon(Func):
    """The oldest transaction still running when the reader's snapshot was taken (PostgreSQL):
    every event written by an older transaction is visible or rolled back for good. SQLite
    writes one transaction at a time: every event (transaction 0) is below it."""

    template = "1"
    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return "(pg_snapshot_xmin(pg_current_snapshot())::text::bigint)", []


class _OwnTransaction(Func):
    """The reader's own transaction id when it has written (its own events are visible to it); -1 otherwise."""

    template = "-1"
    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return "(COALESCE(pg_current_xact_id_if_assigned()::text::bigint, -1))", []


class UnknownCursor(Exception):
    """``after`` names no event of the calling bank."""


@dataclass(frozen=True)
class EventPage:
    events: list[CommitmentEvent]
    cursor: int  # pass it back as ``after``: the last event read (or the cursor given when none)
    has_more: bool


def event_list_for(*, bank: Bank, after: int = 0, limit: int = EVENT_PAGE_SIZE) -> EventPage:
    """The bank's change feed after the event ``after`` (0: from the start), oldest first, at most
    ``limit`` events (capped at ``EVENT_PAGE_MAX``).

    Order ``(transaction_id, id)``, and only events of transactions older than every transaction
    still running (``_SnapshotHorizon``): an event that commits later can never land before an event
    already read, so a bank polling with the last cursor it got misses nothing and reads nothing
    twice. Another bank's events are never read, nor accepted as a cursor."""
    limit = max(1, min(int(limit), EVENT_PAGE_MAX))
    qs = CommitmentEvent.objects.filter(bank=bank).filter(
        Q(transaction_id__lt=_SnapshotHorizon()) | Q(transaction_id=_OwnTransaction())
    )
    if after:
        position = CommitmentEvent.objects.filter(bank=bank, pk=after).values_list("transaction_id", flat=True).first()
        if position is None:
            raise UnknownCursor(after)
        qs = qs.filter(Q(transaction_id__gt=position) | Q(transaction_id=position, pk__gt=after))
    rows = list(qs.select_related("bank").order_by("transaction_id", "id")[: limit + 1])
    events = rows[:limit]
    return EventPage(events=events, cursor=events[-1].pk if events else int(after or 0), has_more=len(rows) > limit)
