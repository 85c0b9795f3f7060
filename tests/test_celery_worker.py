"""End to end with a real Celery worker and Redis broker (issue 6): publishing a law
enqueues the recalculation on commit, a separate worker process runs it against
the same PostgreSQL database. Runs in CI (CELERY_BROKER_URL + PostgreSQL); skipped
in the embedded SQLite mode."""
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _liquidated_and_draft_law(n: int, tag: str):
    """``n`` liquidated pet-food declarations of 10,800 MAD (2025-03-01) and a draft law taking
    their DI from 17.5 % to 10 % (transactional tests start from an empty database)."""
    from declarations.tests.factories import liquidated_pet_food, pet_food_draft_law
    from tariff.kit.roles import sync_roles
    from tariff.services import reference_data_import

    reference_data_import()
    sync_roles()
    return [liquidated_pet_food() for _ in range(n)], pet_food_draft_law(tag)


def test_a_real_worker_recalculates_declarations_after_publication():
    if not settings.CELERY_BROKER_URL or connection.vendor != "postgresql":
        pytest.skip("needs CELERY_BROKER_URL (Redis) and PostgreSQL")
    from config.celery_app import app
    from declarations.models import RecalculationRun
    from tariff.services import finance_law_publish

    [declaration], law = _liquidated_and_draft_law(1, "W")

    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "config.settings.local",
           "DJANGO_DEBUG": "false"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1", "-l", "warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    app.conf.task_always_eager = False
    try:
        finance_law_publish(law=law)  # autocommit: on_commit fires now and sends the task to Redis
        deadline = time.monotonic() + 90
        run = RecalculationRun.objects.get(law=law)
        while run.status not in (RecalculationRun.Status.SUCCEEDED, RecalculationRun.Status.FAILED):
            assert time.monotonic() < deadline, "the worker did not finish the run in 90 s"
            assert worker.poll() is None, worker.stdout.read().decode()
            time.sleep(0.5)
            run.refresh_from_db()
    finally:
        app.conf.task_always_eager = True
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
    assert run.status == RecalculationRun.Status.SUCCEEDED, run.errors
    assert (run.candidates, run.changed) == (1, 1)
    assert declaration.liquidations.get(is_current=True).total_di == Decimal("1080.00")


def _start_worker(env, name):
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-B", "--concurrency=1", "-l", "warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{name}@%h",
         "-s", str(Path(env["BEAT_DIR"]) / f"beat-{name}")],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )


def test_a_run_whose_worker_is_killed_finishes_after_restart_within_a_minute(tmp_path):
    """Issue 19: kill -9 of the only worker mid-run, restart: the sweep (at worker start and by
    Celery beat) sends the remaining batches again long before Redis's visibility timeout, the
    run completes with exact counts, and a rerun changes nothing."""
    if not settings.CELERY_BROKER_URL or connection.vendor != "postgresql":
        pytest.skip("needs CELERY_BROKER_URL (Redis) and PostgreSQL")
    import signal

    import redis

    from config.celery_app import app
    from declarations.models import Liquidation, RecalculationResult, RecalculationRun
    from declarations.recalculation import recalculation_run_create, recalculation_run_process
    from tariff.services import finance_law_publish

    n = 120
    _declarations, law = _liquidated_and_draft_law(n, "K")
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()  # no message of another test
    env = {**os.environ, "DATABASE_URL": _database_url(), "DJANGO_SETTINGS_MODULE": "config.settings.local",
           "DJANGO_DEBUG": "false", "RECALCULATION_BATCH_SIZE": "2", "RECALCULATION_STALLED_SECONDS": "10",
           "RECALCULATION_SWEEP_SECONDS": "5", "BEAT_DIR": str(tmp_path)}
    worker = _start_worker(env, "first")
    app.conf.task_always_eager = False
    try:
        finance_law_publish(law=law)  # autocommit: the run's task goes to Redis now
        run = RecalculationRun.objects.get(law=law)
        deadline = time.monotonic() + 90
        while run.processed < n // 4:
            assert time.monotonic() < deadline and run.status != RecalculationRun.Status.SUCCEEDED, run.processed
            time.sleep(0.05)
            run.refresh_from_db()
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its pool child, at once
        worker.wait(timeout=15)
        run.refresh_from_db()
        killed_at, processed_at_kill = time.monotonic(), run.processed
        assert processed_at_kill < n and run.status == RecalculationRun.Status.RUNNING
        worker = _start_worker(env, "second")
        while run.status != RecalculationRun.Status.SUCCEEDED:
            assert time.monotonic() - killed_at < 60, f"not finished a minute after the crash: {run.processed}/{n}"
            time.sleep(0.5)
            run.refresh_from_db()
        print(f"\nkilled at {processed_at_kill}/{n}; finished {time.monotonic() - killed_at:.1f} s after the kill")
    finally:
        app.conf.task_always_eager = True
        try:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(worker.pid, signal.SIGKILL)
    assert (run.candidates, run.processed, run.changed, run.failed) == (n, n, n, 0)
    assert RecalculationResult.objects.filter(run=run).count() == n
    assert Liquidation.objects.filter(declaration__articles__tariff_line__code="2309100000").count() == 2 * n
    assert Liquidation.objects.filter(is_current=True, total_di=Decimal("1080.00")).count() == n
    rerun = recalculation_run_process(run_id=recalculation_run_create(law=law).pk)
    assert (rerun.changed, rerun.unchanged) == (0, n)
