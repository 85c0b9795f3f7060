"""ETPP authorisations as the office follows them (issue 22): delivery and refusal through the
API, quantities as decimal strings, and the daily notice of overdue requests (CDII art.
152-1 bis: delivered within 60 days) and of authorisations about to expire."""
import datetime as dt

import pytest
from django.core import mail

from declarations.models import EtppAuthorisation
from declarations.selectors import etpp_overdue_requests
from declarations.tasks import notify_etpp_deadlines
from tariff.tests.factories import line_with_rate

from .factories import PartyFactory, make_etpp_authorisation

pytestmark = pytest.mark.django_db
URL = "/api/v1/etpp-authorisations/"


@pytest.fixture(autouse=True)
def garment_line(db):
    line_with_rate("6109100000", "30", description="T-shirts en coton")


def test_delivery_is_recorded_through_the_api(broker_client):
    pending = make_etpp_authorisation(exporter=PartyFactory(), issued=False, number="ETPP-P-1")
    response = broker_client.post(f"{URL}{pending.pk}/issue/", {
        "issued_on": "2025-09-10", "valid_from": "2025-09-10", "valid_to": "2026-09-09", "channel": "paper"},
        format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["issued_on"], body["channel"], body["overdue"]) == ("2025-09-10", "paper", False)
    assert body["items"][0]["quantity_left"] == "1000.000"  # a decimal string like every quantity


def test_delivery_before_the_request_is_refused(broker_client):
    pending = make_etpp_authorisation(exporter=PartyFactory(), issued=False)
    response = broker_client.post(f"{URL}{pending.pk}/issue/", {"issued_on": "2025-07-01", "valid_from": "2025-07-01"},
                                  format="json")
    assert response.status_code == 400 and response.json()["code"] == "etpp_issued_before_request"
    pending.refresh_from_db()
    assert pending.issued_on is None


def test_a_refused_request_leaves_the_overdue_list_and_cannot_be_delivered(broker_client):
    pending = make_etpp_authorisation(exporter=PartyFactory(), issued=False)
    today = dt.date(2025, 12, 1)  # requested 2025-08-01: due 2025-09-30
    assert list(etpp_overdue_requests(today=today)) == [pending]
    response = broker_client.post(f"{URL}{pending.pk}/refuse/", {"refused_on": "2025-10-02", "reason": "Dossier incomplet"},
                                  format="json")
    assert response.status_code == 200 and response.json()["refused_on"] == "2025-10-02"
    assert list(etpp_overdue_requests(today=today)) == []
    again = broker_client.post(f"{URL}{pending.pk}/issue/", {"issued_on": "2025-10-03", "valid_from": "2025-10-03"},
                               format="json")
    assert again.status_code == 400 and again.json()["code"] == "etpp_refused"
    twice = broker_client.post(f"{URL}{pending.pk}/refuse/", {"refused_on": "2025-10-03", "reason": "x"}, format="json")
    assert twice.status_code == 400 and twice.json()["code"] == "etpp_not_pending"


def test_auditors_cannot_record_a_delivery(api_client):
    from conftest import make_user
    from tariff.kit.roles import AUDITOR

    pending = make_etpp_authorisation(exporter=PartyFactory(), issued=False)
    api_client.force_authenticate(make_user("auditor-etpp", AUDITOR))
    response = api_client.post(f"{URL}{pending.pk}/issue/", {"issued_on": "2025-09-10", "valid_from": "2025-09-10"},
                               format="json")
    assert response.status_code == 403


def test_the_daily_notice_mails_the_staff_each_overdue_request_and_each_expiring_one(settings, monkeypatch):
    from conftest import make_user
    from tariff.kit.roles import AUDITOR, BROKER_STAFF

    make_user("staff-mail", BROKER_STAFF, email="salma@transit.example.ma")
    make_user("staff-nomail", BROKER_STAFF)  # no address: not a recipient
    make_user("auditor-mail", AUDITOR, email="audit@transit.example.ma")
    exporter = PartyFactory(name="Confection Atlas SARL")
    late = [make_etpp_authorisation(exporter=exporter, issued=False, number=n) for n in ("ETPP-L-1", "ETPP-L-2")]
    expiring = make_etpp_authorisation(exporter=exporter, number="ETPP-X-1")
    EtppAuthorisation.objects.filter(pk=expiring.pk).update(valid_to=dt.date(2025, 12, 10))
    make_etpp_authorisation(exporter=exporter, number="ETPP-OK-1")  # valid to 2026-12-31: not announced
    refused = make_etpp_authorisation(exporter=exporter, issued=False, number="ETPP-R-1")
    EtppAuthorisation.objects.filter(pk=refused.pk).update(refused_on=dt.date(2025, 9, 1), refusal_reason="x")
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: dt.date(2025, 12, 1))
    assert notify_etpp_deadlines.delay().get() == 1
    [message] = mail.outbox
    assert message.to == ["salma@transit.example.ma"]
    assert message.subject == "ETPP : 2 demande(s) en retard, 1 autorisation(s) bientôt expirée(s)"
    for authorisation in (*late, expiring):
        assert authorisation.number in message.body
    assert "ETPP-OK-1" not in message.body and "ETPP-R-1" not in message.body
    assert "62 jours de retard" in message.body  # due 2025-09-30, 62 days before 2025-12-01
