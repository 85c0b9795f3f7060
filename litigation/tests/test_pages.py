import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from conftest import make_user
from tariff.kit.roles import AUDITOR, BANK_USER, BROKER_STAFF
from tariff.tests.helpers import plain

from .factories import CaseOffenceFactory, case_with, charge_version

pytestmark = [pytest.mark.django_db, pytest.mark.urls("litigation.tests.urls")]


@pytest.fixture
def staff_client(client):
    client.force_login(make_user("staff", BROKER_STAFF))
    return client


def test_case_list_shows_the_exposure(staff_client):
    case_with("281", "1°", reference="CTX-P-1", duties_compromised=Decimal("40000"), aggravating_circumstances=True)
    response = staff_client.get(reverse("litigation:case-list"))
    assert response.status_code == 200
    html = plain(response.content.decode())
    assert "CTX-P-1" in html and "281-1°" in html and "240 000,00 DH" in html


def test_case_detail_lists_each_offence_with_its_article(staff_client):
    case = case_with("281", "1°", reference="CTX-P-2", duties_compromised=Decimal("40000"),
                     facts_date=dt.date(2023, 12, 31))
    CaseOffenceFactory(case=case, offence=charge_version("297", "8°"))
    html = plain(staff_client.get(reverse("litigation:case-detail", args=[case.pk])).content.decode())
    assert "282 bis-2°-a" in html and "120 000,00 DH" in html
    assert "Non applicable" in html and "31/12/2023" in html


def test_auditor_can_read_the_pages(client):
    client.force_login(make_user("audit", AUDITOR))
    assert client.get(reverse("litigation:case-list")).status_code == 200


def test_bank_user_is_refused_and_anonymous_is_sent_to_login(client):
    response = client.get(reverse("litigation:case-list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(make_user("bank", BANK_USER))
    assert client.get(reverse("litigation:case-list")).status_code == 403
