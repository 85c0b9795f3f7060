"""Recalculation run pages: list, detail with before/after differences, progress JSON."""
import datetime as dt
from decimal import Decimal

import pytest

from declarations.models import RecalculationRun
from declarations.services import declaration_liquidate, declaration_register
from declarations.tests.factories import article, liquidated_pet_food, make_declaration, pet_food_draft_law
from tariff.models import DraftRateChange, FinanceLaw, TariffLine
from tariff.services import finance_law_publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    d = make_declaration(articles=[article("2309.10.00.00", value="1000")])
    declaration_register(declaration=d, on_date=dt.date(2025, 3, 1))
    declaration_liquidate(declaration=d)
    law = FinanceLaw.objects.create(code="LF-P-25", number="P-25", title="Loi de test", effective_date=dt.date(2025, 1, 1),
                                    status=FinanceLaw.Status.DRAFT)
    DraftRateChange.objects.create(law=law, kind="DI", tariff_line=TariffLine.objects.get(code="2309100000"),
                                   rate=Decimal("10"), valid_from=dt.date(2025, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        finance_law_publish(law=law)
    return RecalculationRun.objects.get(law=law)


def test_run_list_detail_and_progress(broker, run):
    assert "LF P-25" in broker.get("/recalculations/").content.decode()
    page = broker.get(f"/recalculations/{run.pk}/").content.decode()
    assert "Terminé" in page and "-972.00" in page.replace("\u202f", "").replace(",", ".")
    progress = broker.get(f"/recalculations/{run.pk}/progress/").json()
    assert progress == {"status": "succeeded", "status_label": "Terminé", "progress": 100, "candidates": 1,
                        "processed": 1, "changed": 1, "unchanged": 0, "failed": 0}
    assert "Dernier recalcul" in broker.get("/").content.decode()


def test_run_pages_need_a_file_role(client, bank, run):
    assert bank.get("/recalculations/").status_code == 403
    client.logout()
    assert client.get(f"/recalculations/{run.pk}/progress/").status_code == 302


# --- what-if jobs and resume (issue 19) ---------------------------------------------------------------

@pytest.fixture
def draft_law():
    liquidated_pet_food()
    return pet_food_draft_law("W")


def test_staff_start_a_what_if_from_the_runs_page_and_read_its_impact(broker, draft_law,
                                                                      django_capture_on_commit_callbacks):
    page = broker.get("/recalculations/").content.decode()
    assert 'id="what-if-form"' in page and "LF W-25" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = broker.post("/recalculations/what-if/", {"law": draft_law.pk})
    run = RecalculationRun.objects.get(law=draft_law, kind=RecalculationRun.Kind.WHAT_IF)
    assert response["Location"] == f"/recalculations/{run.pk}/"
    page = broker.get(response["Location"]).content.decode().replace("\u202f", " ").replace("\xa0", " ")
    assert "Simulation d’impact de LF W-25" in page and 'id="what-if-impact"' in page
    assert "-972,00 MAD" in page and "2309.10.00.00" in page  # 10,800 MAD: DI −810, VAT −162
    csv = broker.get(f"/recalculations/{run.pk}/export.csv")
    assert csv["Content-Type"].startswith("text/csv") and "-972.00" in csv.content.decode()
    assert broker.post("/recalculations/what-if/", {"law": "abc"}).status_code == 404


def test_auditors_read_runs_but_start_nothing_and_editors_resume(auditor, draft_law):
    assert 'id="what-if-form"' not in auditor.get("/recalculations/").content.decode()
    assert auditor.post("/recalculations/what-if/", {"law": draft_law.pk}).status_code == 403
    assert not RecalculationRun.objects.exists()


def test_editor_resumes_a_stalled_run_from_its_page(editor, draft_law, django_capture_on_commit_callbacks):
    finance_law_publish(law=draft_law)  # on_commit not run: the run is left pending, as after a crash
    run = RecalculationRun.objects.get(law=draft_law)
    page = editor.get(f"/recalculations/{run.pk}/").content.decode()
    assert "Reprendre" in page and "data-confirm" in page
    with django_capture_on_commit_callbacks(execute=True):
        editor.post(f"/recalculations/{run.pk}/resume/")
    run.refresh_from_db()
    assert run.status == RecalculationRun.Status.SUCCEEDED and run.changed == 1 and run.resumed == 1
