"""A recalculation run split into batches (issue 6): the Celery task fans the batches out to
the worker processes, which run them at the same time. Each batch is one transaction; the
run's counters add up exactly and the last batch marks the run succeeded."""
import datetime as dt
from decimal import Decimal

import pytest

from declarations.models import RecalculationResult, RecalculationRun
from declarations.recalculation import (
    recalculation_batch_process,
    recalculation_run_create,
    recalculation_run_process,
    recalculation_run_start,
)
from declarations.tasks import recalculate_after_finance_law
from tariff.models import DraftRateChange, FinanceLaw, TariffLine
from tariff.services import finance_law_publish

from .factories import pay
from .test_recalculation import PET_FOOD, liquidated

ON = dt.date(2025, 3, 1)


def published_law(code="LF-98-25"):
    law = FinanceLaw.objects.create(code=code, number=code[3:], budget_year=2025, title="LF de test 2025",
                                    effective_date=dt.date(2025, 1, 1), status=FinanceLaw.Status.DRAFT)
    DraftRateChange.objects.create(law=law, kind="DI", tariff_line=TariffLine.objects.get(code=PET_FOOD),
                                   rate=Decimal("10"), valid_from=dt.date(2025, 1, 1))
    finance_law_publish(law=law)  # on_commit callbacks not run here: the test drives the run
    return law


@pytest.mark.django_db
def test_the_task_fans_batches_out_and_the_last_one_closes_the_run(settings):
    decls = [liquidated(ON) for _ in range(5)]
    run = recalculation_run_create(law=published_law())
    settings.RECALCULATION_BATCH_SIZE = 2
    assert recalculate_after_finance_law.delay(run.pk).get() == {"run": run.pk, "batches": 3}  # eager
    run.refresh_from_db()
    assert run.status == RecalculationRun.Status.SUCCEEDED and run.finished_at is not None
    assert (run.candidates, run.processed, run.changed, run.articles) == (5, 5, 5, 5)
    assert all(d.liquidations.get(is_current=True).total_di == Decimal("1080.00") for d in decls)  # 10 % of 10,800 MAD


@pytest.mark.django_db
def test_a_declaration_paid_after_the_listing_counts_as_processed_and_is_left_alone():
    kept, paid = liquidated(ON), liquidated(ON)
    run = recalculation_run_create(law=published_law())
    [batch] = recalculation_run_start(run_id=run.pk)
    assert sorted(batch) == sorted([kept.pk, paid.pk])
    pay(paid)
    recalculation_batch_process(run_id=run.pk, declaration_ids=batch)
    run.refresh_from_db()
    assert run.status == RecalculationRun.Status.SUCCEEDED
    assert (run.candidates, run.processed, run.changed) == (2, 2, 1)
    assert paid.liquidations.count() == 1 and kept.liquidations.count() == 2
    # The same batch delivered again (a worker lost before its ack) adds nothing.
    recalculation_batch_process(run_id=run.pk, declaration_ids=batch)
    run.refresh_from_db()
    assert (run.processed, run.changed) == (2, 1) and kept.liquidations.count() == 2


@pytest.mark.django_db
def test_a_run_with_nothing_to_do_succeeds_at_once():
    run = recalculation_run_create(law=published_law())
    assert recalculation_run_start(run_id=run.pk) == []
    run.refresh_from_db()
    assert run.status == RecalculationRun.Status.SUCCEEDED and run.candidates == 0


@pytest.mark.django_db
def test_a_law_restating_the_same_rate_changes_no_amount_but_is_recorded():
    """Equal totals are not enough: the lines are compared one by one, law included (every
    amount must say which law it was computed under)."""
    d = liquidated(ON)
    law = FinanceLaw.objects.create(code="LF-96-25", number="96-25", budget_year=2025, title="LF de test 2025",
                                    effective_date=dt.date(2025, 1, 1), status=FinanceLaw.Status.DRAFT)
    DraftRateChange.objects.create(law=law, kind="DI", tariff_line=TariffLine.objects.get(code=PET_FOOD),
                                   rate=Decimal("17.5"), valid_from=dt.date(2025, 1, 1))
    finance_law_publish(law=law)
    run = recalculation_run_process(run_id=recalculation_run_create(law=law).pk)
    assert (run.changed, run.unchanged) == (1, 0)
    result = RecalculationResult.objects.get(run=run)
    assert result.delta_total == Decimal("0.00") and result.before_total == result.after_total
    di_line = result.liquidation.lines.get(tax="DI")
    assert (di_line.amount, di_line.law_id) == (Decimal("1890.00"), law.pk)  # 17.5 % of 10,800 MAD
    # Run again: now the lines are identical, law included.
    again = recalculation_run_process(run_id=recalculation_run_create(law=law).pk)
    assert (again.changed, again.unchanged) == (0, 1) and d.liquidations.count() == 2
