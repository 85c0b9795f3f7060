"""Batches of one recalculation run processed at the same time, as the Celery worker
processes do in production (issue 6): each thread has its own connection and transaction."""
import threading
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from django.db import connection, connections

from declarations.models import RecalculationResult, RecalculationRun
from declarations.recalculation import (
    recalculation_batch_process,
    recalculation_run_create,
    recalculation_run_process,
    recalculation_run_start,
)

from .test_recalculation import liquidated
from .test_recalculation_batches import ON, published_law

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data_back_after_flush"),
]


def test_batches_run_at_the_same_time_add_up_exactly():
    from tariff.kit.roles import sync_roles
    from tariff.services import reference_data_import

    reference_data_import()  # a transactional test starts from an empty database
    sync_roles()
    decls = [liquidated(ON) for _ in range(12)]
    with mock.patch("declarations.tasks.recalculate_after_finance_law.delay"):  # autocommit: on_commit fires
        law = published_law("LF-97-25")
    run = recalculation_run_create(law=law)
    batches = recalculation_run_start(run_id=run.pk, batch_size=2)
    assert len(batches) == 6
    barrier = threading.Barrier(len(batches))

    def process(ids):
        try:
            barrier.wait(timeout=30)
            recalculation_batch_process(run_id=run.pk, declaration_ids=ids)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=len(batches)) as pool:
        list(pool.map(process, batches))
    run.refresh_from_db()
    assert run.status == RecalculationRun.Status.SUCCEEDED
    assert (run.candidates, run.processed, run.changed, run.unchanged, run.failed) == (12, 12, 12, 0, 0)
    assert RecalculationResult.objects.filter(run=run).count() == 12
    assert all(d.liquidations.count() == 2 for d in decls)
    # A second run of the same law finds nothing to change.
    second = recalculation_run_process(run_id=recalculation_run_create(law=run.law).pk)
    assert (second.candidates, second.changed, second.unchanged) == (12, 0, 12)
