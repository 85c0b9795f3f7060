import pytest

from conftest import make_user
from declarations.models import Declaration
from tariff.kit.roles import AUDITOR, BANK_USER

from .factories import SAMPLE_EUR_RATE_WARNING, PartyFactory

pytestmark = pytest.mark.django_db


def payload(party, **extra):
    data = {
        "reference": "DUM-API-1", "customs_office": "309 Casablanca-Port", "procedure_code": "010",
        "party": party.id, "invoice_currency": "EUR", "invoice_total": "100000", "freight_amount": "20000",
        "insurance_amount": "5000",
        "articles": [
            {"tariff_code": "2309.10.00.00", "origin_country": "FR", "description": "Croquettes chats",
             "invoiced_value": "60000", "quantity": "6000", "net_mass_kg": "6000"},
            {"tariff_code": "2309100000", "origin_country": "ES", "description": "Croquettes chiens",
             "invoiced_value": "40000", "quantity": "4000", "net_mass_kg": "4000"},
        ],
        "documents": [{"kind": "invoice", "reference": "F-77"}, {"kind": "transport", "reference": "BL-9"}],
    }
    data.update(extra)
    return data


def test_create_register_liquidate_through_the_api(broker_client):
    party = PartyFactory()
    created = broker_client.post("/api/v1/declarations/", payload(party), format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    registered = broker_client.post(f"/api/v1/declarations/{pk}/register/", {"date": "2024-01-05"}, format="json")
    assert registered.status_code == 200, registered.content
    body = registered.json()
    assert body["warnings"] == [SAMPLE_EUR_RATE_WARNING]
    assert [a["customs_value"] for a in body["declaration"]["articles"]] == ["663000.00", "442000.00"]
    liquidated = broker_client.post(f"/api/v1/declarations/{pk}/liquidate/", format="json")
    assert liquidated.status_code == 200, liquidated.content
    liq = liquidated.json()
    di = [line for line in liq["lines"] if line["tax"] == "DI"]
    assert [(line["rate"], line["amount"], line["law"]) for line in di] == [
        ("17.5000", "116025.00", "LF-55-23"), ("17.5000", "77350.00", "LF-55-23")]
    assert liq["total_di"] == "193375.00"
    detail = broker_client.get(f"/api/v1/declarations/{pk}/").json()
    assert detail["status"] == "liquidated" and detail["liquidations"][0]["is_current"] is True


def test_bad_declaration_input_is_400_with_field_errors_and_writes_nothing(broker_client):
    party = PartyFactory()
    bad = payload(party)
    bad["articles"][1]["tariff_code"] = "1234"
    bad["articles"][0]["origin_country"] = "france"
    response = broker_client.post("/api/v1/declarations/", bad, format="json")
    assert response.status_code == 400
    assert "articles" in response.json()
    bad = payload(party)
    bad["articles"][1]["tariff_code"] = "0000.00.00.00"
    response = broker_client.post("/api/v1/declarations/", bad, format="json")
    assert response.status_code == 400 and "articles[1].tariff_code" in response.json()
    assert not Declaration.objects.exists()


def test_register_refusal_is_400_with_the_rule_code(broker_client):
    party = PartyFactory()
    pk = broker_client.post("/api/v1/declarations/", payload(party, freight_amount=None), format="json").json()["id"]
    response = broker_client.post(f"/api/v1/declarations/{pk}/register/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "freight_missing" and "freight_amount" in response.json()


def test_liquidating_a_draft_is_400(broker_client):
    party = PartyFactory()
    pk = broker_client.post("/api/v1/declarations/", payload(party), format="json").json()["id"]
    response = broker_client.post(f"/api/v1/declarations/{pk}/liquidate/", format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_status"


def test_auditor_reads_but_cannot_write_and_bank_user_sees_nothing(api_client):
    api_client.force_authenticate(make_user("auditor", AUDITOR))
    assert api_client.get("/api/v1/declarations/").status_code == 200
    assert api_client.post("/api/v1/declarations/", {}, format="json").status_code == 403
    api_client.force_authenticate(make_user("bank", BANK_USER))
    assert api_client.get("/api/v1/declarations/").status_code == 403


def test_etpp_authorisation_api_create_and_list(broker_client):
    party = PartyFactory()
    response = broker_client.post("/api/v1/etpp-authorisations/", {
        "number": "AUT-1", "department": "industry_trade", "exporter": party.id, "requested_on": "2025-08-01",
        "items": [{"tariff_code": "8507.60.07.00", "quantity": "100", "unit": "u"}],
    }, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["due_on"] == "2025-09-30"
    assert broker_client.get("/api/v1/etpp-authorisations/").json()["count"] == 1


def test_put_replaces_a_draft_then_is_refused_once_registered(broker_client):
    party = PartyFactory()
    pk = broker_client.post("/api/v1/declarations/", payload(party), format="json").json()["id"]
    edited = payload(party, invoice_total="110000")
    edited["articles"][1]["invoiced_value"] = "50000"
    edited["documents"] = [{"kind": "invoice", "reference": "F-77"}]
    response = broker_client.put(f"/api/v1/declarations/{pk}/", edited, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["invoice_total"] == "110000.00"
    assert [a["invoiced_value"] for a in body["articles"]] == ["60000.00", "50000.00"]
    assert [d["reference"] for d in body["documents"]] == ["F-77"]
    # 110,000 EUR: C = (110,000 × 10.8 + 25,000) / 110,000; 60/110 and 50/110 of 1,213,000 MAD
    registered = broker_client.post(f"/api/v1/declarations/{pk}/register/", {"date": "2024-01-05"}, format="json")
    assert [a["customs_value"] for a in registered.json()["declaration"]["articles"]] == ["661636.36", "551363.64"]
    refused = broker_client.put(f"/api/v1/declarations/{pk}/", edited, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_status"
