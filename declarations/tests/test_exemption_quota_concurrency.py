"""Concurrent liquidations drawing on one quota never over-consume it (PostgreSQL row lock
on the quota, LF 2024 art. 5 bis). Each thread has its own connection and transaction,
like two gunicorn workers."""
import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal as D

import pytest
from django.db import connection, connections

from declarations.models import QuotaAllocation
from declarations.services import declaration_liquidate, declaration_register
from tariff.kit.errors import DomainError
from tariff.models import Quota

from .factories import article, make_declaration

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data_back_after_flush"),
]
THREADS = 8
ON = dt.date(2025, 3, 3)


def test_concurrent_liquidations_never_consume_more_than_the_quota_balance():
    from tariff.tests.factories import line_with_rate

    line_with_rate("2309909082", "17.5", description="Aliments pour poissons")
    quota = Quota.objects.get(franchise__code="1086", valid_from=dt.date(2025, 1, 1))
    Quota.objects.filter(pk=quota.pk).update(used_kg=D("15000000") - D("10000"))  # 10 t left
    declarations = []
    for _ in range(THREADS):
        d = make_declaration(articles=[article("2309.90.90.82", value="1000", quantity="4000", franchise_code="1086")])
        declaration_register(declaration=d, on_date=ON)
        declarations.append(d)
    barrier = threading.Barrier(THREADS)

    def liquidate(i):
        try:
            barrier.wait(timeout=30)
            declaration_liquidate(declaration=declarations[i])
            return "ok"
        except DomainError as exc:
            return exc.code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(liquidate, range(THREADS)))

    # 4 t + 4 t in full, 2 t of the third at 2.5 % (rest at the normal rate), then exhausted.
    assert results.count("ok") == 3 and results.count("quota_exhausted") == THREADS - 3, results
    allocations = QuotaAllocation.objects.filter(quota=quota)
    assert sorted(a.allocated_kg for a in allocations) == [D("2000"), D("4000"), D("4000")]
    quota.refresh_from_db()
    assert quota.used_kg == quota.volume_kg
