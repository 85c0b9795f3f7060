"""Celery tasks: thin wrappers around the recalculation services (ids in, run record
tracks state; idempotent, retried on transient database errors)."""
from celery import shared_task
from django.db import OperationalError, InterfaceError

from .models import RecalculationRun
from .recalculation import recalculation_run_process


@shared_task(
    bind=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=5,
    acks_late=True, soft_time_limit=50 * 60, time_limit=60 * 60,
)
def recalculate_after_finance_law(self, run_id: int) -> dict:
    try:
        run = recalculation_run_process(run_id=run_id)
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:  # a bug must not leave the run "running" forever
        RecalculationRun.objects.filter(pk=run_id).update(
            status=RecalculationRun.Status.FAILED, errors=[{"declaration": None, "message": str(exc)[:500]}])
        raise
    return {"run": run.pk, "changed": run.changed, "unchanged": run.unchanged, "failed": run.failed}
