"""The finance-law admin (issue 21): a new law starts as a draft; publishing lists the draft rates
it applies and asks for confirmation before applying them."""
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from tariff.models import DraftRateChange, FinanceLaw, TariffLine

pytestmark = pytest.mark.django_db


def test_a_new_law_defaults_to_draft(admin_client):
    form = admin_client.get(reverse("admin:tariff_financelaw_add")).context["adminform"].form
    assert form.initial["status"] == FinanceLaw.Status.DRAFT


def test_publishing_asks_confirmation_and_shows_the_draft_rates(admin_client, django_capture_on_commit_callbacks):
    law = FinanceLaw.objects.create(code="LF-ADM-25", number="ADM-25", title="Loi de test", status=FinanceLaw.Status.DRAFT,
                                    effective_date=dt.date(2025, 1, 1))
    DraftRateChange.objects.create(law=law, kind="DI", tariff_line=TariffLine.objects.get(code="2309100000"),
                                   rate=Decimal("10"), valid_from=dt.date(2025, 1, 1))
    changelist = reverse("admin:tariff_financelaw_changelist")
    page = admin_client.post(changelist, {"action": "publish", "_selected_action": [law.pk]})
    assert page.status_code == 200 and "Oui, publier" in page.content.decode()
    assert "2309.10.00.00" in page.content.decode()
    law.refresh_from_db()
    assert law.status == FinanceLaw.Status.DRAFT  # nothing applied yet
    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(changelist, {"action": "publish", "_selected_action": [law.pk], "confirm": "yes"})
    assert done.status_code == 302
    law.refresh_from_db()
    assert law.status == FinanceLaw.Status.PUBLISHED
