"""Issue 19: input that used to take a request down is a 400 in the API's one error shape
(``code``, ``detail``, ``field``?) and writes nothing: JSON nested 1,000 deep, non-finite
numbers, NUL and lone surrogates in bodies, paths and query strings, currencies that are not
ISO 4217 or have no customs rate."""
import json

import pytest

from declarations.models import Article, Declaration
from declarations.tests.factories import PartyFactory
from exchange.models import Commitment
from exchange.tests.factories import BankFactory, ImporterFactory, broker

from .test_bad_input import DECLARATIONS, QUOTE, declaration_payload, writes_nothing

pytestmark = pytest.mark.django_db

ENDPOINTS = [QUOTE, DECLARATIONS, "/api/v1/commitments/", "/api/v1/litigation/cases/",
             "/api/v1/etpp-authorisations/"]


def _error(response, code, status=400):
    assert response.status_code == status, (response.status_code, response.content)
    body = response.json()
    assert body["code"] == code and body["detail"], body
    return body


@pytest.mark.parametrize("path", ENDPOINTS)
def test_json_nested_1000_deep_is_a_400_before_parsing(broker_client, path):
    body = "[" * 1000 + "]" * 1000
    with writes_nothing():
        response = broker_client.generic("POST", path, body, content_type="application/json")
    assert "imbriqué" in _error(response, "json_too_deep")["detail"]


def test_a_bank_payment_nested_1000_deep_is_a_400(db):
    from rest_framework.test import APIClient

    from exchange.tests.factories import bank_user_for, domiciled_commitment

    agent = bank_user_for(BankFactory(code="bmce"), "agent-deep")
    commitment = domiciled_commitment(bank_user=agent, importer=ImporterFactory())
    client = APIClient()
    client.force_authenticate(agent)
    with writes_nothing():
        response = client.generic("POST", f"/api/v1/commitments/{commitment.pk}/payments/", "[" * 1000 + "]" * 1000,
                                  content_type="application/json")
    _error(response, "json_too_deep")


def test_deep_brackets_inside_strings_are_only_text(broker_client):
    response = broker_client.generic(
        "POST", QUOTE, json.dumps({"tariff_code": "[" * 2000, "date": "2024-03-01", "customs_value": "1"}),
        content_type="application/json")
    assert response.status_code == 400 and response.json()["field"] == "tariff_code"


def test_a_body_over_the_limit_is_refused(broker_client, settings):
    settings.API_MAX_BODY_BYTES = 1000
    response = broker_client.generic("POST", QUOTE, json.dumps({"x": "a" * 2000}), content_type="application/json")
    _error(response, "body_too_large")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_json_numbers_are_refused(broker_client, literal):
    body = '{"tariff_code": "8517.13.00.00", "date": "2024-03-01", "customs_value": %s}' % literal
    _error(broker_client.generic("POST", QUOTE, body, content_type="application/json"), "invalid_json")


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e999", "-5", "beaucoup", "-inf", -5])
def test_bad_excise_characteristics_are_refused_at_article_creation(broker_client, value):
    payload = declaration_payload(PartyFactory())
    payload["articles"][0]["attributes"] = {"volume_ml": value}
    with writes_nothing():
        response = broker_client.post(DECLARATIONS, payload, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["field"] == "articles[0].attributes.volume_ml" and "« Volume (ml) »" in body["detail"], body
    assert not Article.objects.exists()


def test_bad_excise_characteristics_are_refused_by_the_quote(broker_client):
    response = broker_client.post(QUOTE, {"tariff_code": "2202.10.00.10", "date": "2024-03-01",
                                          "customs_value": "1000", "attributes": {"sugar_g_per_100": "NaN"}}, format="json")
    body = _error(response, "invalid_attribute")
    assert body["field"] == "attributes.sugar_g_per_100" and "« Teneur en sucre" in body["detail"]


@pytest.mark.parametrize("text", ["a\u0000b", "a\ud800b"])
def test_nul_and_lone_surrogates_in_a_body_are_refused(broker_client, text):
    payload = declaration_payload(PartyFactory(), reference=text)
    body = json.dumps(payload)  # ensure_ascii: "\\u0000" / "\\ud800" escapes, as a client sends them
    with writes_nothing():
        response = broker_client.generic("POST", DECLARATIONS, body, content_type="application/json")
    assert "reference" in _error(response, "invalid_characters")["detail"]
    assert not Declaration.objects.exists()


@pytest.mark.parametrize("url", ["/api/v1/tariff/lines/?q=a%00b", "/api/v1/commitments/?status=%00",
                                 "/api/v1/tariff/lines/8517%00/", "/api/v1/declarations/?reference=x%00"])
def test_nul_in_a_query_or_path_is_a_400(broker_client, url):
    _error(broker_client.get(url), "invalid_characters")


def test_nul_in_a_page_search_is_a_french_400_page(client, broker_user):
    client.force_login(broker_user)
    response = client.get("/tariff/?q=a%00b")
    assert response.status_code == 400 and "Requête invalide" in response.content.decode()


@pytest.mark.parametrize("code", ["XXX", "ZZZ", "JPY"])
def test_commitment_currency_must_be_iso_with_a_customs_rate(code):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(broker())
    importer, _bank = ImporterFactory(), BankFactory(code="bmce")
    with writes_nothing():
        response = client.post("/api/v1/commitments/", {
            "number": "EI-X", "importer": importer.pk, "bank": "bmce", "currency": code,
            "subscribed_amount": "1000", "goods_description": "x", "contract_advance_rate": "30"}, format="json")
    body = _error(response, "unknown_currency")
    assert body["field"] == "currency" and code in body["detail"]
    assert not Commitment.objects.exists()


def test_unknown_resource_is_a_french_not_found(broker_client):
    body = _error(broker_client.get("/api/v1/declarations/999999/"), "not_found", status=404)
    assert body["detail"] == "Ressource introuvable."


def test_broken_json_is_named_in_french_with_its_position(broker_client):
    body = _error(broker_client.generic("POST", QUOTE, '{"tariff_code": }', content_type="application/json"),
                  "invalid_json")
    assert body["detail"] == "JSON invalide (ligne 1, colonne 17)."


def test_unknown_api_url_is_a_json_not_found(broker_client):
    response = broker_client.get("/api/v1/nothing-here/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json() == {"code": "not_found", "detail": "Ressource introuvable."}
