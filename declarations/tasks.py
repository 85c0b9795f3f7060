"""Celery tasks: thin wrappers around the recalculation services (ids in, the run record
tracks state; idempotent, retried on transient database errors).

A run is started by one task that lists the candidates and fans their batches out as
separate tasks, so every worker process takes part (``celery worker -c N``); in the
embedded mode (eager) the batches run inline, one after the other."""
from contextlib import contextmanager

from celery import shared_task
from django.db import InterfaceError, OperationalError

from .models import RecalculationRun
from .recalculation import recalculation_batch_process, recalculation_run_start

TRANSIENT = (OperationalError, InterfaceError)
TASK_OPTIONS = {
    "bind": True, "autoretry_for": TRANSIENT, "retry_backoff": True, "max_retries": 5, "acks_late": True,
    "reject_on_worker_lost": True, "soft_time_limit": 50 * 60, "time_limit": 60 * 60,
}


@contextmanager
def _run_fails_on_bug(run_id: int):
    """A bug must not leave the run "running" forever; transient errors are retried."""
    try:
        yield
    except TRANSIENT:
        raise
    except Exception as exc:
        RecalculationRun.objects.filter(pk=run_id).update(
            status=RecalculationRun.Status.FAILED, errors=[{"declaration": None, "message": str(exc)[:500]}])
        raise


@shared_task(**TASK_OPTIONS)
def recalculate_after_finance_law(self, run_id: int) -> dict:
    with _run_fails_on_bug(run_id):
        batches = recalculation_run_start(run_id=run_id)
    for ids in batches:
        recalculate_batch.delay(run_id, ids)
    return {"run": run_id, "batches": len(batches)}


@shared_task(**TASK_OPTIONS)
def recalculate_batch(self, run_id: int, declaration_ids: list[int]) -> dict:
    with _run_fails_on_bug(run_id):
        recalculation_batch_process(run_id=run_id, declaration_ids=declaration_ids)
    return {"run": run_id, "declarations": len(declaration_ids)}
