"""Recalculation run pages: list, detail with before/after differences, progress JSON."""
import datetime as dt
from decimal import Decimal

import pytest

from declarations.models import RecalculationRun
from declarations.services import declaration_liquidate, declaration_register
from declarations.tests.factories import article, make_declaration
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
