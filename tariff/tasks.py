"""Celery tasks of the tariff app: thin wrappers around the reference-import services (the
job id in, the job record tracks state and progress; a task delivered twice finds the job
already past its state and does nothing)."""
from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from .import_jobs import ReferenceImport
from .imports import reference_import_confirm, reference_import_preview

TRANSIENT = (OperationalError, InterfaceError)
# A national tariff (17,000 lines and their rates) takes seconds; the limits stop a runaway import.
IMPORT_OPTIONS = {"bind": True, "acks_late": True, "soft_time_limit": 15 * 60, "time_limit": 16 * 60}


def _fails_on_bug(job_id: int, exc: Exception) -> None:
    ReferenceImport.objects.filter(pk=job_id).exclude(status=ReferenceImport.Status.DONE).update(
        status=ReferenceImport.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now())


@shared_task(**IMPORT_OPTIONS)
def reference_import_preview_task(self, job_id: int) -> str:
    try:
        return reference_import_preview(job_id=job_id).status
    except Exception as exc:
        _fails_on_bug(job_id, exc)
        raise


@shared_task(**IMPORT_OPTIONS)
def reference_import_confirm_task(self, job_id: int) -> str:
    try:
        return reference_import_confirm(job_id=job_id).status
    except Exception as exc:
        _fails_on_bug(job_id, exc)
        raise
