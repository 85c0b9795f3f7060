"""Each hand-written statement of ``exchange.sql`` against the ORM, on the same rows (SQLite and
PostgreSQL): the partner-bank API's hot paths (issue 4) read exactly what the ORM would."""
import datetime as dt
from decimal import Decimal as D

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from conftest import make_user
from exchange import selectors, sql
from exchange.api.authentication import BankTokenAuthentication
from exchange.models import AdvanceCarryOver, BankChange, BankUser, Commitment, CommitmentEvent, Imputation, Payment
from tariff.kit.roles import AUDITOR, BANK_USER, BROKER_STAFF
from tariff.kit.sql import insert, run_together

from .factories import TODAY, CommitmentFactory

pytestmark = pytest.mark.django_db
P = Payment.Kind


def assert_same_fields(read, expected, attnames):
    for name in attnames:
        value, wanted = getattr(read, name), getattr(expected, name)
        assert (value, type(value)) == (wanted, type(wanted)), name  # Decimal, date: not float, str


# --- the payment's lock ------------------------------------------------------------------------

def test_payment_lock_reads_the_commitment_and_its_importer_as_the_orm(commitment, make_commitment):
    other = make_commitment(currency="EUR", second_hand_auction_value=D("1234.56"), freight_amount=D("10.10"))
    for c in (commitment, other):
        with transaction.atomic():
            [rows] = run_together([(sql.payment_lock_sql(), [c.pk])])
        [row] = rows
        n = len(sql.COMMITMENT_ROW)
        read, importer = sql.COMMITMENT_ROW.load(row[:n]), sql.IMPORTER_ROW.load(row[n:])
        expected = Commitment.objects.select_related("importer").get(pk=c.pk)
        assert_same_fields(read, expected, [f.attname for f in Commitment._meta.concrete_fields])
        assert_same_fields(importer, expected.importer, [f.attname for f in type(importer)._meta.concrete_fields])
    assert (read.second_hand_auction_value, read.domiciliation_confirmed_at is not None) == (D("1234.56"), True)
    with transaction.atomic():
        assert run_together([(sql.payment_lock_sql(), [other.pk + 1000])]) == [[]]  # no commitment: no row


# --- the ledger and the payment context ----------------------------------------------------------

def _payment(c, kind, amount, mad, *, reason="", key=None):
    return Payment.objects.create(
        commitment=c, bank=c.bank, kind=kind, amount=D(amount), currency=c.currency,
        amount_in_commitment_currency=D(amount), amount_mad=D(mad), date=TODAY, reason=reason,
        idempotency_key=key, created_by=c.created_by,
    )


def _imputation(c, amount, kind=Imputation.Kind.PARTIAL):
    return Imputation.objects.create(
        commitment=c, kind=kind, date=TODAY, amount=D(amount), currency=c.currency,
        amount_in_commitment_currency=D(amount), amount_mad=D(amount) * 11, created_by=c.created_by,
    )


def _carry_over(source, target, amount, in_target):
    return AdvanceCarryOver.objects.create(
        source=source, target=target, date=TODAY, amount=D(amount), currency=source.currency,
        amount_in_target_currency=D(in_target), created_by=source.created_by,
    )


def _context(c, *, key, bank_id):
    with transaction.atomic():
        [rows] = run_together([
            sql.payment_context_statement(commitment_id=c.pk, idempotency_key=key, bank_id=bank_id)
        ])
    return selectors.payment_context_from(rows, currency=c.currency)


def _orm_context(c, *, key, bank_id):
    replayed = Payment.objects.filter(bank_id=bank_id, idempotency_key=key).values_list("id", "commitment_id").first()
    return selectors.PaymentContext(
        totals=selectors.commitment_totals_many(commitments=[c])[c.pk],
        bank_change_pending=BankChange.objects.filter(
            commitment=c, status=BankChange.Status.REQUESTED, settlements_recorded_at__isnull=False
        ).exists(),
        replayed_payment_id=replayed[0] if replayed and key else None,
        replayed_commitment_id=replayed[1] if replayed and key else None,
    )


@pytest.fixture
def ledger(agent_a, bank_b, importer):
    """An EUR commitment with every kind of ledger row, and a neighbour whose rows must not count."""
    bank = agent_a.bank_profile.bank
    c = CommitmentFactory(bank=bank, importer=importer, currency="EUR")
    previous = CommitmentFactory(bank=bank, importer=importer)
    following = CommitmentFactory(bank=bank, importer=importer, replaces=c)
    keyed = _payment(c, P.ADVANCE, "100.10", "1090.00", key="k-1")
    _payment(c, P.ADVANCE, "50.05", "545.00")
    _payment(c, P.ANTICIPATED, "20.01", "218.11")
    _payment(c, P.SETTLEMENT, "300.30", "3270.27")
    _payment(c, P.OVERRUN, "1.11", "12.10", reason=Payment.OverrunReason.SHRINKAGE_CEREALS)
    _payment(c, P.OVERRUN, "2.22", "24.20", reason=Payment.OverrunReason.LOSS_BEFORE_UNLOADING)
    _imputation(c, "400.40")
    _imputation(c, "200.20", Imputation.Kind.FINAL)
    _carry_over(previous, c, "70.00", "7.07")
    _carry_over(c, following, "5.05", "55.00")
    neighbour = _payment(previous, P.ADVANCE, "999.99", "999.99", key="k-2")
    _payment(previous, P.ANTICIPATED, "888.88", "888.88")
    _imputation(previous, "777.77", Imputation.Kind.FINAL)
    change = BankChange.objects.create(
        commitment=c, from_bank=bank, to_bank=bank_b, requested_by=c.created_by,
        settlements_recorded_at=timezone.now(), settlements_recorded_by=agent_a,
    )
    return c, previous, keyed, neighbour, change


def test_ledger_statement_sums_what_the_orm_sums(ledger):
    c, previous, *_ = ledger
    totals = selectors.commitment_totals(commitment=c)  # sql.ledger_sql
    assert totals == selectors.commitment_totals_many(commitments=[c])[c.pk]  # the ORM's grouped queries
    assert (totals.own_advances, totals.carried_in, totals.carried_out, totals.advances) == (
        D("150.15"), D("7.07"), D("5.05"), D("152.17"))
    assert (totals.anticipated, totals.anticipated_mad, totals.settlements) == (D("20.01"), D("218.11"), D("300.30"))
    assert (totals.overruns, totals.cereal_overruns, totals.imputed, totals.final_imputed) == (
        D("3.33"), D("1.11"), D("600.60"), True)
    fresh = CommitmentFactory(bank=c.bank)
    assert selectors.commitment_totals(commitment=fresh) == selectors.commitment_totals_many(commitments=[fresh])[
        fresh.pk] == selectors.CommitmentTotals(currency="MAD")
    assert selectors.commitment_totals(commitment=previous).final_imputed is True


def test_payment_context_statement_reads_what_the_orm_reads(ledger, bank_b):
    c, previous, keyed, neighbour, change = ledger
    bank_a = c.bank_id
    cases = [("k-1", bank_a), ("k-2", bank_a), ("k-1", bank_b.pk), (None, bank_a), ("", bank_a), ("k-9", bank_a)]
    for key, bank_id in cases:
        assert _context(c, key=key, bank_id=bank_id) == _orm_context(c, key=key, bank_id=bank_id), (key, bank_id)
    replayed = _context(c, key="k-1", bank_id=bank_a)
    assert (replayed.replayed_payment_id, replayed.replayed_commitment_id, replayed.bank_change_pending) == (
        keyed.pk, c.pk, True)
    other = _context(c, key="k-2", bank_id=bank_a)  # the bank's key, used on another commitment
    assert (other.replayed_payment_id, other.replayed_commitment_id) == (neighbour.pk, previous.pk)
    assert _context(c, key="k-1", bank_id=bank_b.pk).replayed_payment_id is None  # another bank's key
    assert _context(c, key="k-1", bank_id=bank_a).totals == selectors.commitment_totals(commitment=c)

    BankChange.objects.filter(pk=change.pk).update(settlements_recorded_at=None)
    assert _context(c, key=None, bank_id=bank_a) == _orm_context(c, key=None, bank_id=bank_a)
    assert _context(c, key=None, bank_id=bank_a).bank_change_pending is False  # settlements not recorded yet
    BankChange.objects.filter(pk=change.pk).update(
        settlements_recorded_at=timezone.now(), status=BankChange.Status.ACCEPTED)
    assert _context(c, key=None, bank_id=bank_a) == _orm_context(c, key=None, bank_id=bank_a)
    assert _context(c, key=None, bank_id=bank_a).bank_change_pending is False  # no longer pending


# --- a bank's commitment list --------------------------------------------------------------------

def test_bank_commitment_rows_are_the_orms_values_page_by_page(agent_a, agent_b, importer):
    bank = agent_a.bank_profile.bank
    for i in range(7):  # three dates, several commitments a date: ties ordered by id, newest first
        CommitmentFactory(
            bank=bank, importer=importer, subscribed_on=TODAY - dt.timedelta(days=i % 3),
            currency="EUR" if i % 2 else "MAD", subscribed_amount=D("1234.5") + i,
            domiciliation_confirmed_at=timezone.now() if i % 3 else None,
        )
    CommitmentFactory(bank=agent_b.bank_profile.bank)  # another bank's: in none of bank A's rows
    listed = Commitment.objects.filter(bank=bank).order_by("-subscribed_on", "-id")
    expected = list(listed.values(*selectors.COMMITMENT_LIST_COLUMNS))
    rows = selectors.BankCommitmentRows(bank.pk)
    assert rows.count() == len(expected) == 7
    for page in (slice(0, 7), slice(0, 3), slice(2, 5), slice(6, 50), slice(7, 10)):
        got = rows[page]
        assert got == expected[page], page
        for row, wanted in zip(got, expected[page]):
            assert {k: type(v) for k, v in row.items()} == {k: type(v) for k, v in wanted.items()}
    assert selectors.BankCommitmentRows(agent_b.bank_profile.bank.pk).count() == 1


# --- the token authentication --------------------------------------------------------------------

def test_token_statement_loads_the_user_bank_and_roles_the_orm_loads(agent_a, staff, bank_b, django_assert_num_queries):
    several = make_user("audit-et-cabinet", BROKER_STAFF, AUDITOR, first_name="Salma", email="s@example.ma")
    BankUser.objects.create(user=several, bank=bank_b)
    nobody = make_user("sans-role")
    several.last_login = timezone.now()
    several.save(update_fields=["last_login"])
    for user in (agent_a, staff, several, nobody):
        key = Token.objects.create(user=user).key
        got_user, got_token = BankTokenAuthentication().authenticate_credentials(key)
        orm_user, orm_token = TokenAuthentication().authenticate_credentials(key)  # DRF's ORM read
        assert_same_fields(got_user, orm_user, sql.TOKEN_USER_FIELDS)
        assert (got_token.key, got_token.user_id) == (orm_token.key, orm_token.user_id)
        assert got_user._role_names == set(orm_user.groups.values_list("name", flat=True))
        profile = BankUser.objects.select_related("bank").filter(user=orm_user).first()
        with django_assert_num_queries(0):  # loaded with the token
            bank = selectors.bank_for_user(got_user)
        assert (bank and (bank.pk, bank.code, bank.name)) == (profile and (
            profile.bank.pk, profile.bank.code, profile.bank.name))
    assert agent_a.bank_profile.bank.code == "bmce" and several.groups.count() == 2
    assert BankTokenAuthentication().authenticate_credentials(Token.objects.get(user=several).key)[0]._role_names == {
        BROKER_STAFF, AUDITOR}
    assert BankTokenAuthentication().authenticate_credentials(Token.objects.get(user=agent_a).key)[0]._role_names == {
        BANK_USER}


def test_token_statement_refuses_what_the_orm_refuses(agent_a):
    key = Token.objects.create(user=agent_a).key
    type(agent_a).objects.filter(pk=agent_a.pk).update(is_active=False)
    for token in (key, "0" * 40):  # a deactivated user, an unknown token
        with pytest.raises(AuthenticationFailed) as ours:
            BankTokenAuthentication().authenticate_credentials(token)
        with pytest.raises(AuthenticationFailed) as orm:
            TokenAuthentication().authenticate_credentials(token)
        assert str(ours.value.detail) == str(orm.value.detail)


def test_change_feed_row_is_the_row_the_orm_writes(commitment):
    """``services._common.record_event`` writes its row with ``tariff.kit.sql.insert``: the same
    values as the ORM's ``save()``, the writing transaction's id filled by the database."""
    payload = {"number": commitment.number, "status": commitment.status, "amount": "1 000,00"}
    with transaction.atomic():
        by_orm = CommitmentEvent.objects.create(bank_id=commitment.bank_id, commitment_id=commitment.pk,
                                                kind=CommitmentEvent.Kind.PAYMENT_RECORDED, payload=payload)
        by_insert = insert(CommitmentEvent(bank_id=commitment.bank_id, commitment_id=commitment.pk,
                                           kind=CommitmentEvent.Kind.PAYMENT_RECORDED, payload=payload))
    assert by_insert.pk and by_insert.pk != by_orm.pk and not by_insert._state.adding
    compared = ("bank_id", "commitment_id", "kind", "payload", "transaction_id")
    rows = list(CommitmentEvent.objects.filter(pk__in=[by_orm.pk, by_insert.pk]).order_by("pk").values(*compared))
    assert rows[0] == rows[1] and rows[1]["payload"] == payload
    created = CommitmentEvent.objects.filter(pk__in=[by_orm.pk, by_insert.pk]).values_list("created_at", flat=True)
    assert all(abs(value - timezone.now()) < dt.timedelta(minutes=1) for value in created)
