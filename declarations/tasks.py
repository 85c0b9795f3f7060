"""Celery tasks: thin wrappers around the recalculation services (ids in, the run record
tracks state; idempotent, retried on transient database errors).

A run (recalculation after a finance law, or its what-if simulation) is started by one task
that lists the candidates and fans their batches out as separate tasks, so every worker
process takes part (``celery worker -c N``); in the embedded mode (eager) the batches run
inline, one after the other.

Crashed workers: a batch's message is acknowledged only when it is done (``acks_late``), and
Redis gives an unacknowledged message back after the broker's visibility timeout, set just
above the batch's hard time limit (settings). Sooner than that, ``resume_stalled_runs`` (Celery
beat, and once when a worker starts) sends again the remaining batches of every run without
progress for ``RECALCULATION_STALLED_SECONDS``."""
from contextlib import contextmanager

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from tariff.kit.roles import BROKER_STAFF

from .models import RecalculationRun
from .recalculation import (
    recalculation_batch_process,
    recalculation_run_create,
    recalculation_run_resume,
    recalculation_run_start,
    stalled_runs,
    what_if_run_create,
)
from .services import etpp_deadline_notice

TRANSIENT = (OperationalError, InterfaceError)
TASK_OPTIONS = {
    "bind": True, "autoretry_for": TRANSIENT, "retry_backoff": True, "max_retries": 5, "acks_late": True,
    "reject_on_worker_lost": True,
}
# A batch (200 declarations) takes seconds; the limits stop a runaway one well before the broker's
# visibility timeout gives its message to another worker (settings.CELERY_BROKER_TRANSPORT_OPTIONS).
BATCH_LIMITS = {"soft_time_limit": settings.RECALCULATION_BATCH_SOFT_LIMIT,
                "time_limit": settings.RECALCULATION_BATCH_SOFT_LIMIT + 60}


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


@shared_task(**TASK_OPTIONS, **BATCH_LIMITS)
def recalculate_after_finance_law(self, run_id: int) -> dict:
    with _run_fails_on_bug(run_id):
        batches = recalculation_run_start(run_id=run_id)
    for ids in batches:
        recalculate_batch.delay(run_id, ids)
    return {"run": run_id, "batches": len(batches)}


@shared_task(**TASK_OPTIONS, **BATCH_LIMITS)
def recalculate_batch(self, run_id: int, declaration_ids: list[int]) -> dict:
    with _run_fails_on_bug(run_id):
        recalculation_batch_process(run_id=run_id, declaration_ids=declaration_ids)
    return {"run": run_id, "declarations": len(declaration_ids)}


@shared_task(bind=True, acks_late=False, soft_time_limit=60, time_limit=90)
def resume_stalled_runs(self) -> list[int]:
    """Send again the batches of runs whose worker died (no progress for a while)."""
    resumed = []
    for run in stalled_runs():
        run_resume(run)
        resumed.append(run.pk)
    return resumed


@worker_ready.connect
def _resume_on_worker_start(sender=None, **kwargs):
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        resume_stalled_runs.delay()


@shared_task(bind=True, acks_late=False, soft_time_limit=60, time_limit=90)
def notify_etpp_deadlines(self) -> int:
    """Daily (Celery beat): e-mail the broker staff the overdue ETPP requests and the
    authorisations about to expire (Django's mail backend: the console in the embedded mode).
    Returns the number of recipients."""
    notice = etpp_deadline_notice(today=timezone.localdate())
    recipients = sorted(get_user_model().objects.filter(groups__name=BROKER_STAFF, is_active=True)
                        .exclude(email="").values_list("email", flat=True).distinct())
    if notice is None or not recipients:
        return 0
    subject, body = notice
    send_mail(subject, body, None, recipients)
    return len(recipients)


# --- what the pages, the admin and the API call ---------------------------------------------------

def _send_on_commit(run_id: int) -> None:
    transaction.on_commit(lambda: recalculate_after_finance_law.delay(run_id))


def recalculation_enqueue(*, law, user=None) -> RecalculationRun:
    run = recalculation_run_create(law=law, user=user)
    _send_on_commit(run.pk)
    return run


def what_if_enqueue(*, law, user=None) -> tuple[RecalculationRun, bool]:
    """Start a what-if job for ``law`` (or return the one already under way)."""
    run, created = what_if_run_create(law=law, user=user)
    if created:
        _send_on_commit(run.pk)
    return run, created


def run_resume(run: RecalculationRun) -> RecalculationRun:
    run = recalculation_run_resume(run=run)
    _send_on_commit(run.pk)
    return run
