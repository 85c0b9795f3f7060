"""Concurrent payments on one commitment never together exceed a limit (PostgreSQL row lock).

Each thread has its own database connection and its own transaction, like two gunicorn
workers; the commitment row lock (``select_for_update``) serialises them, so the totals a
payment is checked against always include every payment committed before it.
"""
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal as D

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from exchange import services
from exchange.models import Payment
from tariff.kit.errors import DomainError

from .factories import TODAY, BankFactory, ImporterFactory, bank_user_for, domiciled_commitment

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data_back_after_flush"),
]
THREADS = 24


def run_together(worker, count: int = THREADS) -> list:
    """Run ``worker(i)`` in ``count`` threads released at the same instant."""
    barrier = threading.Barrier(count)

    def run(i):
        try:
            barrier.wait(timeout=30)
            return worker(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


@pytest.fixture
def setting():
    agent = bank_user_for(BankFactory(code="conc"), "agent-conc")
    commitment = domiciled_commitment(bank_user=agent, importer=ImporterFactory())  # 1,000,000 MAD, 30 %
    return agent, commitment


def test_concurrent_advances_through_the_api_never_exceed_30_percent(setting):
    agent, commitment = setting

    def post_advance(i):
        client = APIClient()
        client.force_authenticate(agent)
        response = client.post(
            f"/api/v1/commitments/{commitment.pk}/payments/", {"kind": "advance", "amount": "20000"}, format="json"
        )
        return response.status_code, response.json().get("code")

    results = run_together(post_advance)  # 24 × 20,000 = 480,000 asked; the limit is 300,000

    accepted = [r for r in results if r[0] == 201]
    refused = [r for r in results if r[0] == 400]
    assert len(accepted) == 15 and len(refused) == THREADS - 15, results
    assert {code for _status, code in refused} == {"advance_over_limit"}
    total = sum(p.amount for p in Payment.objects.filter(commitment=commitment))
    assert total == D("300000.00")


def test_concurrent_anticipated_settlements_never_exceed_200000_mad(setting):
    agent, commitment = setting

    def anticipate(i):
        try:
            services.commitment_pay(
                commitment=commitment, user=agent, kind="anticipated", amount=D("15000"), currency="MAD",
                on_date=TODAY,
            )
            return "ok"
        except DomainError as exc:
            return exc.code

    results = run_together(anticipate)
    assert results.count("ok") == 13  # 13 × 15,000 = 195,000 ≤ 200,000 < 14 × 15,000
    assert set(results) == {"ok", "anticipated_over_limit"}
    assert sum(p.amount_mad for p in Payment.objects.filter(commitment=commitment)) == D("195000.00")


def test_concurrent_retries_with_one_idempotency_key_pay_once(setting):
    agent, commitment = setting

    def retry(i):
        result = services.commitment_pay(
            commitment=commitment, user=agent, kind="advance", amount=D("1000"), currency="MAD", on_date=TODAY,
            idempotency_key="retry-storm-1",
        )
        return result.payment.pk, result.created

    results = run_together(retry, 20)
    assert len({pk for pk, _created in results}) == 1
    assert sum(created for _pk, created in results) == 1
    assert Payment.objects.filter(commitment=commitment).count() == 1


def test_the_change_feed_never_skips_an_event_committed_after_a_later_one(setting):
    """Event ids come from a sequence at insert: a transaction that commits late can hold a smaller
    id than an event already committed. The feed holds back events a running transaction could still
    overtake, so a bank polling with its last cursor reads every event once (issue 17, point 7)."""
    import time

    from exchange import selectors
    from exchange.models import CommitmentEvent

    agent, commitment = setting
    bank = commitment.bank
    start = selectors.event_list_for(bank=bank).cursor  # the domiciliation
    written, release = threading.Event(), threading.Event()

    def slow_transaction():
        try:
            from django.db import transaction

            with transaction.atomic():
                CommitmentEvent.objects.create(bank=bank, commitment=commitment, kind="payment_recorded",
                                               payload={"number": commitment.number, "status": "domiciled"})
                written.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    def poll(after, until):
        deadline = time.monotonic() + 20  # the horizon is the cluster's oldest running transaction
        while True:
            page = selectors.event_list_for(bank=bank, after=after)
            if until(page) or time.monotonic() > deadline:
                return page
            time.sleep(0.2)

    with ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(slow_transaction)
        assert written.wait(timeout=30)
        # committed after the slow one began, with a larger id: held back while it runs
        quick = services.commitment_pay(commitment=commitment, user=agent, kind="advance", amount=D("1000"),
                                        currency="MAD", on_date=TODAY).payment
        held = selectors.event_list_for(bank=bank, after=start)
        assert held.events == [] and held.cursor == start
        release.set()
        slow.result(timeout=30)
    page = poll(start, lambda p: len(p.events) >= 2)
    slow_event, quick_event = page.events
    assert slow_event.id < quick_event.id and quick_event.payload["payment"] == quick.pk
    assert selectors.event_list_for(bank=bank, after=page.cursor).events == []  # read once
