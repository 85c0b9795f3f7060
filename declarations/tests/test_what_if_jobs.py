"""The what-if as a job, and runs that finish after a crash (issue 19)."""
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from declarations.models import Liquidation, RecalculationResult, RecalculationRun
from declarations.recalculation import (
    recalculation_batch_process,
    recalculation_run_create,
    recalculation_run_start,
    stalled_runs,
    what_if_impact,
)
from declarations.tasks import resume_stalled_runs, run_resume, what_if_enqueue

from .factories import pet_food_draft_law
from .test_recalculation import liquidated

pytestmark = pytest.mark.django_db
ON = dt.date(2025, 3, 1)


@pytest.fixture
def draft_law():
    return pet_food_draft_law("97")


def test_what_if_job_fans_out_in_batches_and_adds_up_the_lines(draft_law, settings,
                                                              django_capture_on_commit_callbacks):
    settings.RECALCULATION_BATCH_SIZE = 2
    decls = [liquidated(ON) for _ in range(5)]
    liquidated(ON, code="8507.60.07.00")  # another line: not a candidate
    before = Liquidation.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        run, created = what_if_enqueue(law=draft_law)
    run.refresh_from_db()
    assert created and run.kind == RecalculationRun.Kind.WHAT_IF and run.status == RecalculationRun.Status.SUCCEEDED
    assert (run.candidates, run.processed, run.changed, run.articles) == (5, 5, 5, 5)
    impact = what_if_impact(run=run)
    # 10,800 MAD each: DI 17.5 % → 10 % = −810, VAT −162: −972 a declaration, five of them.
    assert impact.delta == {"DI": Decimal("-4050.00"), "TIC": Decimal("0.00"), "TVA": Decimal("-810.00"),
                            "total": Decimal("-4860.00")}
    assert impact.top_lines == [{"tariff_code": "2309.10.00.00", "delta": Decimal("-4860.00")}]
    assert Liquidation.objects.count() == before  # nothing re-liquidated
    assert all(d.liquidations.get().is_current for d in decls)


def test_a_second_what_if_while_one_runs_returns_it(draft_law):
    first = RecalculationRun.objects.create(law=draft_law, kind=RecalculationRun.Kind.WHAT_IF,
                                            status=RecalculationRun.Status.RUNNING)
    run, created = what_if_enqueue(law=draft_law)
    assert (run.pk, created) == (first.pk, False)


def test_what_if_api_answers_at_once_with_the_job(draft_law, broker_client):
    liquidated(ON)
    url = f"/api/v1/tariff/finance-laws/{draft_law.pk}/what-if/"
    response = broker_client.post(url)  # on_commit not run here: the job is only queued
    assert response.status_code == 202
    body = response.json()
    assert body["run"]["status"] == "pending" and body["delta"] is None
    assert broker_client.get(url + "?export=csv").json()["code"] == "what_if_not_finished"


def _crashed_run(law, done: int):
    """A run whose worker died after ``done`` batches of one declaration."""
    run = recalculation_run_create(law=law)
    batches = recalculation_run_start(run_id=run.pk, batch_size=1)
    for ids in batches[:done]:
        recalculation_batch_process(run_id=run.pk, declaration_ids=ids)
    RecalculationRun.objects.filter(pk=run.pk).update(last_progress_at=timezone.now() - dt.timedelta(minutes=10))
    return run


def test_the_sweep_resumes_a_run_whose_worker_died(draft_law, django_capture_on_commit_callbacks):
    from tariff.services import finance_law_publish

    decls = [liquidated(ON) for _ in range(4)]
    finance_law_publish(law=draft_law)  # on_commit not run: the run below is driven by hand
    run = _crashed_run(draft_law, done=1)
    assert [r.pk for r in stalled_runs()] == [run.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert resume_stalled_runs.delay().get() == [run.pk]
    run.refresh_from_db()
    assert run.status == RecalculationRun.Status.SUCCEEDED and run.resumed == 1
    assert (run.candidates, run.processed, run.changed) == (4, 4, 4)
    assert [d.liquidations.count() for d in decls] == [2, 2, 2, 2]  # each re-liquidated once
    assert stalled_runs() == []


def test_a_batch_sent_twice_does_each_declaration_once_and_counts_stay_exact(draft_law):
    from tariff.services import finance_law_publish

    decls = [liquidated(ON) for _ in range(3)]
    finance_law_publish(law=draft_law)
    run = recalculation_run_create(law=draft_law)
    [batch] = recalculation_run_start(run_id=run.pk)
    recalculation_batch_process(run_id=run.pk, declaration_ids=batch)
    recalculation_batch_process(run_id=run.pk, declaration_ids=batch)  # redelivered after a crash
    run.refresh_from_db()
    assert (run.processed, run.changed) == (3, 3) and RecalculationResult.objects.filter(run=run).count() == 3
    assert [d.liquidations.count() for d in decls] == [2, 2, 2]


def test_editors_resume_a_run_through_the_api(draft_law, broker_client, api_client,
                                               django_capture_on_commit_callbacks):
    from conftest import make_user
    from tariff.kit.roles import REFERENCE_EDITOR
    from tariff.services import finance_law_publish

    liquidated(ON)
    liquidated(ON)
    finance_law_publish(law=draft_law)
    run = _crashed_run(draft_law, done=1)
    url = f"/api/v1/recalculation-runs/{run.pk}/resume/"
    assert broker_client.post(url).status_code == 403
    api_client.force_authenticate(make_user("editor-resume", REFERENCE_EDITOR))
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(url)
    assert response.status_code == 202
    run.refresh_from_db()
    assert run.status == RecalculationRun.Status.SUCCEEDED and run.processed == 2
    refused = api_client.post(url)
    assert refused.status_code == 400 and refused.json()["code"] == "run_finished"


def test_resume_of_a_finished_run_is_refused(draft_law):
    from tariff.kit.errors import DomainError

    run = RecalculationRun.objects.create(law=draft_law, status=RecalculationRun.Status.SUCCEEDED)
    with pytest.raises(DomainError):
        run_resume(run)
