"""Reads of the commitment ledger: who sees what, and the running totals the rules need."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import DecimalField, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from tariff.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, quantize_money
from tariff.roles import AUDITOR, BROKER_STAFF, user_has_role

from .models import AdvanceCarryOver, Bank, BankChange, BankUser, Commitment, Imputation, Payment, PersonalImport

ZERO = Decimal("0.00")
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
    qs = Commitment.objects.select_related("importer", "bank")
    bank = bank_for_user(user)
    if bank is not None:
        return qs.filter(bank=bank)
    if user_has_role(user, BROKER_STAFF, AUDITOR):
        return qs
    return qs.none()


def bank_change_list_for(*, user) -> QuerySet[BankChange]:
    """Transfers a bank user is party to (as initial or new bank); all for staff and auditors."""
    qs = BankChange.objects.select_related("commitment", "commitment__importer", "from_bank", "to_bank")
    bank = bank_for_user(user)
    if bank is not None:
        return qs.filter(Q(from_bank=bank) | Q(to_bank=bank))
    if user_has_role(user, BROKER_STAFF, AUDITOR):
        return qs
    return qs.none()


def payment_list(*, commitment: Commitment) -> QuerySet[Payment]:
    return Payment.objects.filter(commitment=commitment).select_related("bank", "created_by").order_by("date", "id")


def imputation_list(*, commitment: Commitment) -> QuerySet[Imputation]:
    return Imputation.objects.filter(commitment=commitment).order_by("date", "id")


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


def _ledger_sql() -> str:
    payment, imputation = Payment._meta.db_table, Imputation._meta.db_table
    carry = AdvanceCarryOver._meta.db_table
    return f"""
        SELECT 'payment', kind, reason, SUM(amount_in_commitment_currency), SUM(amount_mad)
          FROM {payment} WHERE commitment_id = %(id)s GROUP BY kind, reason
        UNION ALL
        SELECT 'imputed', '', '', SUM(amount_in_commitment_currency), 0 FROM {imputation} WHERE commitment_id = %(id)s
        UNION ALL
        SELECT 'carried_out', '', '', SUM(amount), 0 FROM {carry} WHERE source_id = %(id)s
        UNION ALL
        SELECT 'carried_in', '', '', SUM(amount_in_target_currency), 0 FROM {carry} WHERE target_id = %(id)s
    """


def _money(value) -> Decimal:
    # PostgreSQL sums numerics exactly; SQLite may hand back a float: round it to the centime.
    return quantize_money(Decimal(str(value))) if value is not None else ZERO


def commitment_totals(*, commitment: Commitment) -> CommitmentTotals:
    """Totals read from the ledger in one statement (call it under the commitment's row lock,
    before deciding: it runs on every payment)."""
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    with connection.cursor() as cursor:
        cursor.execute(_ledger_sql(), {"id": commitment.pk})
        rows = cursor.fetchall()
    for source, kind, reason, amount, amount_mad in rows:
        amount, amount_mad = _money(amount), _money(amount_mad)
        if source != "payment":
            sums[source] += amount
            continue
        sums[kind] += amount
        if kind == Payment.Kind.ANTICIPATED:
            sums["anticipated_mad"] += amount_mad
        if kind == Payment.Kind.OVERRUN and reason == Payment.OverrunReason.SHRINKAGE_CEREALS:
            sums["cereal_overruns"] += amount
    return CommitmentTotals(
        currency=commitment.currency,
        imputed=sums["imputed"],
        own_advances=sums[Payment.Kind.ADVANCE],
        carried_in=sums["carried_in"],
        carried_out=sums["carried_out"],
        anticipated=sums[Payment.Kind.ANTICIPATED],
        anticipated_mad=sums["anticipated_mad"],
        settlements=sums[Payment.Kind.SETTLEMENT],
        overruns=sums[Payment.Kind.OVERRUN],
        cereal_overruns=sums["cereal_overruns"],
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
