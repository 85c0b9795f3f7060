import datetime as dt
from decimal import Decimal

import pytest

from conftest import make_user
from litigation.models import Case, Settlement
from tariff.kit.roles import AUDITOR, BANK_USER

from .factories import CaseFactory, case_with

pytestmark = pytest.mark.django_db
CASES = "/api/v1/litigation/cases/"
OFFENCES = "/api/v1/litigation/offences/"
D = Decimal


def new_case_payload(**extra):
    payload = {
        "reference": "CTX-API-0001",
        "office": "Casablanca-Port (300)",
        "facts_date": "2024-02-10",
        "declaration_reference": "300-0001234-2024",
        "duties_compromised": "40000",
        "goods_customs_value": "100000",
        "aggravating_circumstances": True,
        "parties": [{"name": "Atlas Trading SARL", "role": "offender", "identifier": "ICE 001"}],
        "offences": [{"article": "281", "paragraph": "1°"}, {"article": "299"}],
    }
    payload.update(extra)
    return payload


def test_broker_creates_a_case_and_reads_its_penalty(broker_client):
    response = broker_client.post(CASES, new_case_payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "reported"
    assert [o["citation"] for o in body["offences"]] == ["281-1°", "299"]
    penalty = broker_client.get(f"{CASES}{body['id']}/penalty/").json()
    assert [(l["citation"], l["fine_min"], l["fine_max"], l["penalty_article"]) for l in penalty["lines"]] == [
        ("281-1°", "240000.00", "240000.00", "282 bis-2°-a"),
        ("299", "500.00", "2500.00", "299 bis"),
    ]
    first = penalty["lines"][0]
    assert first["doubled"] is True and first["prison_min_months"] == 1 and first["prison_max_months"] == 12
    assert first["confiscations"] == ["goods", "transport", "concealing"]
    assert "CDII art. 281-1°" in first["source"]
    assert (penalty["fine_min_total"], penalty["fine_max_total"]) == ("240500.00", "242500.00")
    assert penalty["currency"] == "MAD"


def test_penalty_lists_a_297_8_of_2023_as_not_applicable(broker_client):
    case = case_with("297", "8°", facts_date=dt.date(2023, 12, 31))
    [line] = broker_client.get(f"{CASES}{case.pk}/penalty/").json()["lines"]
    assert line["applicable"] is False and line["fine_max"] is None
    assert "31/12/2023" in line["reason"]


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"facts_date": "2024-13-01"}, "facts_date"),
        ({"reference": ""}, "reference"),
        ({"duties_compromised": "-1"}, "duties_compromised"),
        ({"duties_compromised": "abc"}, "duties_compromised"),
        ({"offences": [{"article": "281", "paragraph": "42°"}]}, "offences"),
        ({"offences": [{"paragraph": "1°"}]}, "offences"),
        ({"undeclared_amount": "50000", "offences": [{"article": "297", "paragraph": "7°"}]}, "undeclared_amount"),
        ({"parties": [{"name": "", "role": "offender"}]}, "parties"),
        ({"parties": [{"name": "X", "role": "judge"}]}, "parties"),
    ],
)
def test_bad_case_input_gets_400_with_a_field_message_and_writes_nothing(broker_client, changes, field):
    response = broker_client.post(CASES, new_case_payload(**changes), format="json")
    assert response.status_code == 400, response.content
    assert response.json()[field]
    assert not Case.objects.filter(reference="CTX-API-0001").exists()


def test_duplicate_reference_gets_400(broker_client):
    CaseFactory(reference="CTX-API-0001")
    response = broker_client.post(CASES, new_case_payload(), format="json")
    assert response.status_code == 400
    assert response.json()["reference"]


def test_settlement_endpoint_accepts_full_remission_of_fines(broker_client):
    case = case_with("281", "1°", status=Case.Status.UNDER_REVIEW, duties_compromised=D("40000"),
                     duties_on_seized_goods=D("40000"))
    response = broker_client.post(f"{CASES}{case.pk}/settlements/",
                                  {"settlement_date": "2024-06-01", "fines_remitted": "120000"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["fines_due"], body["fines_remitted"], body["fines_payable"]) == ("120000.00", "120000.00", "0.00")
    assert body["duties_due"] == "40000.00"
    assert broker_client.get(f"{CASES}{case.pk}/").json()["status"] == "settled"
    assert len(broker_client.get(f"{CASES}{case.pk}/settlements/").json()) == 1


def test_settlement_endpoint_refuses_remitting_duties(broker_client):
    case = case_with("281", "1°", status=Case.Status.UNDER_REVIEW, duties_compromised=D("40000"))
    response = broker_client.post(f"{CASES}{case.pk}/settlements/",
                                  {"settlement_date": "2024-06-01", "duties_remitted": "1000"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "settlement_remits_duties"
    assert body["duties_remitted"]
    assert not Settlement.objects.exists()


def test_settlement_endpoint_bad_input_gets_400(broker_client):
    case = case_with("281", "1°", status=Case.Status.UNDER_REVIEW, duties_compromised=D("40000"))
    response = broker_client.post(f"{CASES}{case.pk}/settlements/", {"fines_remitted": "-5"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"settlement_date", "fines_remitted"}


def test_transition_endpoint(broker_client):
    case = CaseFactory()
    ok = broker_client.post(f"{CASES}{case.pk}/transition/", {"status": "under_review"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "under_review"
    refused = broker_client.post(f"{CASES}{case.pk}/transition/", {"status": "reported"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_transition"


def test_offences_as_of_a_date(broker_client):
    before = broker_client.get(OFFENCES, {"date": "2023-12-31", "article": "297"}).json()
    after = broker_client.get(OFFENCES, {"date": "2024-01-02", "article": "297"}).json()
    assert "8°" not in [o["paragraph"] for o in before["results"]]
    eighth = [o for o in after["results"] if o["paragraph"] == "8°"]
    assert eighth and eighth[0]["fine_min"] == "10000.00" and eighth[0]["fine_max"] == "50000.00"
    assert broker_client.get(OFFENCES, {"date": "not-a-date"}).status_code == 400


def test_offences_are_read_only(broker_client):
    assert broker_client.post(OFFENCES, {}, format="json").status_code == 405


def test_auditor_reads_but_cannot_write(api_client):
    case = case_with("299")
    api_client.force_authenticate(make_user("audit", AUDITOR))
    assert api_client.get(CASES).status_code == 200
    assert api_client.get(f"{CASES}{case.pk}/penalty/").status_code == 200
    assert api_client.post(CASES, new_case_payload(), format="json").status_code == 403
    assert api_client.post(f"{CASES}{case.pk}/settlements/", {}, format="json").status_code == 403


def test_anonymous_gets_401_or_403(api_client):
    case = CaseFactory()
    for url in (CASES, f"{CASES}{case.pk}/penalty/", OFFENCES):
        assert api_client.get(url).status_code in (401, 403)


def test_bank_users_get_403(api_client):
    case = CaseFactory()
    api_client.force_authenticate(make_user("bank", BANK_USER))
    for url in (CASES, f"{CASES}{case.pk}/", f"{CASES}{case.pk}/penalty/", OFFENCES):
        assert api_client.get(url).status_code == 403
    assert api_client.post(CASES, new_case_payload(), format="json").status_code == 403


def test_unknown_case_is_404(broker_client):
    assert broker_client.get(f"{CASES}999999/penalty/").status_code == 404


def test_openapi_schema_documents_the_litigation_endpoints(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/litigation/cases/{id}/penalty/" in paths
    assert "post" in paths["/api/v1/litigation/cases/{id}/settlements/"]


def test_the_case_lists_its_next_actions_and_document_download_pages(broker_client, settings, tmp_path):
    """Issue 22: the API reads the same next actions as the page; a document's file is only
    reachable through the authenticated download page, never a public media URL."""
    from .factories import CaseDocumentFactory

    settings.MEDIA_ROOT = str(tmp_path)
    document = CaseDocumentFactory(case=CaseFactory())
    body = broker_client.get(f"{CASES}{document.case_id}/").json()
    actions = {a["action"]: a for a in body["next_actions"]}
    assert actions["review"]["allowed"] is True
    assert actions["settle"] == {
        "action": "settle", "label": "Enregistrer une transaction", "allowed": False, "code": "invalid_status",
        "reason": "Passez le dossier « En cours d'examen » pour enregistrer une transaction (statut actuel : "
                  "« Constatée »)."}
    [doc] = body["documents"]
    assert doc["download_url"].endswith(f"/litigation/cases/{document.case_id}/documents/{document.pk}/")
    assert "file" not in doc
