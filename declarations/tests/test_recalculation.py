"""Finance-law publication → recalculation of liquidated declarations (issue 6)."""
import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest

from declarations.models import Liquidation, RecalculationResult, RecalculationRun
from declarations.recalculation import (
    finance_law_what_if,
    recalculation_candidates,
    recalculation_run_create,
    recalculation_run_process,
    what_if_csv,
)
from declarations.services import declaration_liquidate, declaration_register
from tariff.drafts import DraftChangeConflict
from tariff.models import BlanketDutyChange, DraftRateChange, DutyRate, FinanceLaw, TariffLine
from tariff.services import finance_law_publish, quote_duties
from tariff.tests.factories import line_with_rate

from .factories import article, make_declaration, pay

pytestmark = pytest.mark.django_db
PET_FOOD = "2309100000"


def liquidated(on, value="1000", code="2309.10.00.00"):
    d = make_declaration(articles=[article(code, value=value)])
    declaration_register(declaration=d, on_date=on)
    declaration_liquidate(declaration=d)
    return d


@pytest.fixture
def draft_law():
    law = FinanceLaw.objects.create(code="LF-99-25", number="99-25", budget_year=2025, title="LF de test 2025",
                                    effective_date=dt.date(2025, 1, 1), status=FinanceLaw.Status.DRAFT)
    DraftRateChange.objects.create(law=law, kind="DI", tariff_line=TariffLine.objects.get(code=PET_FOOD),
                                   rate=Decimal("10"), valid_from=dt.date(2025, 1, 1))
    return law


def test_draft_rates_are_invisible_until_published(draft_law):
    on = dt.date(2025, 3, 1)
    assert quote_duties(tariff_code=PET_FOOD, on_date=on, customs_value="100").lines[0].rate == Decimal("17.5")
    finance_law_publish(law=draft_law)
    line = quote_duties(tariff_code=PET_FOOD, on_date=on, customs_value="100").lines[0]
    assert (line.rate, line.law_code) == (Decimal("10"), "LF-99-25")
    # The superseded row now ends the day before; 2024 keeps 17.5.
    assert DutyRate.objects.get(tariff_line__code=PET_FOOD, valid_from=dt.date(2024, 1, 1)).valid_to == dt.date(2024, 12, 31)
    assert quote_duties(tariff_code=PET_FOOD, on_date=dt.date(2024, 6, 1), customs_value="100").lines[0].rate == Decimal("17.5")


def test_publishing_recalculates_affected_liquidated_declarations_only(draft_law, django_capture_on_commit_callbacks):
    affected = liquidated(dt.date(2025, 3, 1))
    before_2025 = liquidated(dt.date(2024, 6, 1))
    other_line = liquidated(dt.date(2025, 3, 1), code="8507.60.07.00")
    paid = liquidated(dt.date(2025, 3, 1))
    pay(paid)
    with django_capture_on_commit_callbacks(execute=True):
        finance_law_publish(law=draft_law)
    run = RecalculationRun.objects.get(law=draft_law)
    assert run.status == RecalculationRun.Status.SUCCEEDED
    # The paid declaration is listed and left alone ("skipped, paid"); the others are not touched.
    assert (run.candidates, run.changed, run.unchanged, run.failed, run.progress_percent) == (2, 1, 0, 0, 100)
    skipped = RecalculationResult.objects.get(run=run, declaration=paid)
    assert skipped.outcome == RecalculationResult.Outcome.SKIPPED and "payée" in skipped.message
    result = RecalculationResult.objects.get(run=run, outcome=RecalculationResult.Outcome.CHANGED)
    assert result.declaration == affected
    # 10,800 MAD: DI 17.5 % → 10 % = −810; VAT −162.
    assert (result.delta_di, result.delta_vat, result.delta_total) == (Decimal("-810.00"), Decimal("-162.00"), Decimal("-972.00"))
    assert affected.liquidations.count() == 2 and affected.liquidations.get(is_current=True).total_di == Decimal("1080.00")
    for untouched in (before_2025, other_line, paid):
        assert untouched.liquidations.count() == 1


def test_running_twice_changes_nothing_the_second_time(draft_law, django_capture_on_commit_callbacks):
    d = liquidated(dt.date(2025, 3, 1))
    with django_capture_on_commit_callbacks(execute=True):
        finance_law_publish(law=draft_law)
    second = recalculation_run_process(run_id=recalculation_run_create(law=draft_law).pk)
    assert (second.candidates, second.changed, second.unchanged) == (1, 0, 1)
    assert d.liquidations.count() == 2


def test_a_crash_mid_run_leaves_declarations_whole_and_a_rerun_finishes(draft_law):
    decls = [liquidated(dt.date(2025, 3, 1)) for _ in range(3)]
    finance_law_publish(law=draft_law)  # on_commit not run: no task
    run = recalculation_run_create(law=draft_law)
    from declarations import recalculation

    real = recalculation.reliquidate_declarations
    calls = {"n": 0}

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(**kwargs)

    with mock.patch.object(recalculation, "reliquidate_declarations", side_effect=flaky):
        with pytest.raises(RuntimeError):
            recalculation_run_process(run_id=run.pk, batch_size=1)
    counts = sorted(d.liquidations.count() for d in decls)
    assert counts == [1, 1, 2]  # first batch committed, the others untouched
    run = recalculation_run_process(run_id=run.pk, batch_size=1)
    assert [d.liquidations.count() for d in decls] == [2, 2, 2]
    assert run.changed == 3 and RecalculationResult.objects.filter(run=run).count() == 3


def test_what_if_on_a_draft_reports_the_impact_and_writes_nothing(draft_law):
    d = liquidated(dt.date(2025, 3, 1))
    liquidations_before = Liquidation.objects.count()
    impact = finance_law_what_if(law=draft_law)
    assert impact.declarations == 1 and impact.articles == 1
    assert impact.delta["DI"] == Decimal("-810.00") and impact.delta["total"] == Decimal("-972.00")
    assert impact.top_lines[0] == {"tariff_code": "2309.10.00.00", "delta": Decimal("-972.00")}
    assert Liquidation.objects.count() == liquidations_before
    assert d.liquidations.get().is_current
    csv_text = what_if_csv(impact.run)
    assert csv_text.splitlines()[1].startswith(d.reference) and "-972.00" in csv_text


def test_blanket_change_on_a_draft_law_finds_lines_liquidated_at_that_rate():
    d = liquidated(dt.date(2025, 3, 1), code="1602.32.10.00")  # 30 % after the LF 2024 rule
    law = FinanceLaw.objects.create(code="LF-98-25", number="98-25", title="Test", effective_date=dt.date(2025, 1, 1),
                                    status=FinanceLaw.Status.DRAFT)
    BlanketDutyChange.objects.create(law=law, from_rate=Decimal("30"), to_rate=Decimal("25"),
                                     valid_from=dt.date(2025, 1, 1))
    impact = finance_law_what_if(law=law)
    assert impact.declarations == 1 and impact.delta["DI"] == Decimal("-540.00")  # 5 % of 10,800
    assert d.liquidations.count() == 1


def test_a_blanket_change_sparing_flagged_lines_does_not_list_their_declarations():
    # LF 2024 art. 4-I (circ. 6522/210 §II.1): the candidate filter asks the engine's decision
    # (tariff.rules.blanket_change_spares), the per-line "40 % before LFR 35-20" flag included.
    line_with_rate("9999000011", "30", flagged=True)
    line_with_rate("9999000012", "30")
    spared = liquidated(dt.date(2025, 3, 1), code="9999.00.00.11")
    cut = liquidated(dt.date(2025, 3, 1), code="9999.00.00.12")
    law = FinanceLaw.objects.create(code="LF-97-25", number="97-25", title="Test", effective_date=dt.date(2025, 1, 1),
                                    status=FinanceLaw.Status.DRAFT)
    BlanketDutyChange.objects.create(law=law, from_rate=Decimal("30"), to_rate=Decimal("25"),
                                     valid_from=dt.date(2025, 1, 1), exclude_lines_at_40_before_lfr_2020=True)
    assert recalculation_candidates(law=law) == [cut.id]
    impact = finance_law_what_if(law=law)
    assert impact.declarations == 1 and impact.delta["DI"] == Decimal("-540.00")  # 5 % of 10,800 MAD
    assert spared.liquidations.get().total_di == Decimal("3240.00")  # still 30 %


def test_publishing_refuses_a_change_that_collides_with_a_later_row(draft_law):
    DraftRateChange.objects.create(law=draft_law, kind="DI", tariff_line=TariffLine.objects.get(code="8507600700"),
                                   rate=Decimal("5"), valid_from=dt.date(2023, 6, 1))
    with pytest.raises(DraftChangeConflict):
        finance_law_publish(law=draft_law)
    draft_law.refresh_from_db()
    assert draft_law.status == FinanceLaw.Status.DRAFT
    assert not DutyRate.objects.filter(law=draft_law).exists()


def test_publish_and_what_if_api(draft_law, api_client, broker_client, django_capture_on_commit_callbacks):
    from conftest import make_user
    from tariff.kit.roles import REFERENCE_EDITOR

    liquidated(dt.date(2025, 3, 1))
    url = f"/api/v1/tariff/finance-laws/{draft_law.pk}/what-if/"
    assert broker_client.get(url).json()["code"] == "not_found"  # none started yet
    with django_capture_on_commit_callbacks(execute=True):
        started = broker_client.post(url)
    assert started.status_code == 202 and started.json()["run"]["kind"] == "what_if"
    what_if = broker_client.get(url)
    assert what_if.status_code == 200 and what_if.json()["run"]["status"] == "succeeded"
    assert what_if.json()["delta"]["total"] == "-972.00" and what_if.json()["declarations"] == 1
    csv_response = broker_client.get(f"/api/v1/tariff/finance-laws/{draft_law.pk}/what-if/?export=csv")
    assert csv_response.status_code == 200 and csv_response["Content-Type"].startswith("text/csv")
    assert broker_client.post(f"/api/v1/tariff/finance-laws/{draft_law.pk}/publish/").status_code == 403
    api_client.force_authenticate(make_user("editor2", REFERENCE_EDITOR))
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(f"/api/v1/tariff/finance-laws/{draft_law.pk}/publish/")
    assert response.status_code == 200 and response.json()["status"] == "published"
    again = api_client.post(f"/api/v1/tariff/finance-laws/{draft_law.pk}/publish/")
    assert again.status_code == 400 and again.json()["code"] == "already_published"
    runs = broker_client.get("/api/v1/recalculation-runs/").json()["results"]
    assert runs[0]["status"] == "succeeded" and runs[0]["changed"] == 1
    results = broker_client.get(f"/api/v1/recalculation-runs/{runs[0]['id']}/results/").json()["results"]
    assert results[0]["delta_total"] == "-972.00"
