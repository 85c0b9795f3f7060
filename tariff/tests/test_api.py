import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from conftest import make_user
from tariff.kit.roles import BANK_USER

pytestmark = pytest.mark.django_db
QUOTE = "/api/v1/tariff/quote/"


def test_quote_returns_di_tic_vat_lines_with_sources_and_total(broker_client):
    response = broker_client.post(
        QUOTE,
        {"tariff_code": "8517130000", "date": "2024-03-01", "customs_value": "10000", "quantity": "10"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(l["tax"], l["amount"], l["source"]) for l in body["lines"]] == [
        ("DI", "1750.00", "LF-55-23"),
        ("TIC", "500.00", "LF-76-21"),
        ("TVA", "2450.00", "BASE"),
    ]
    assert body["lines"][2]["base"] == "12250.000"
    assert body["total"] == "4700.00"
    assert body["tariff_code"] == "8517.13.00.00"


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"tariff_code": "0000.00.00.00", "date": "2024-01-01", "customs_value": "1"}, "tariff_code"),
        ({"tariff_code": "8517.13", "date": "2024-01-01", "customs_value": "1"}, "tariff_code"),
        ({"tariff_code": "7208.10.10.00", "date": "2023-01-01", "customs_value": "1"}, "date"),
        ({"tariff_code": "8517.13.00.00", "date": "2024-01-01", "customs_value": "1"}, "quantity"),
        ({"tariff_code": "8507.60.07.00", "date": "2024-01-01", "customs_value": "-5"}, "customs_value"),
        ({"tariff_code": "8507.60.07.00", "date": "2024-13-01", "customs_value": "1"}, "date"),
        ({"tariff_code": "8507.60.07.00", "date": "2024-01-01", "customs_value": "abc"}, "customs_value"),
        ({"tariff_code": "8507.60.07.00", "date": "2024-06-01", "customs_value": "1", "franchise_code": "2006"},
         "franchise_code"),
        ({"tariff_code": "2404.12.00.00", "date": "2024-06-01", "customs_value": "1", "attributes": {"volume_ml": 10}},
         "attributes.contains_nicotine"),
        ({"date": "2024-01-01", "customs_value": "1"}, "tariff_code"),
    ],
)
def test_bad_quote_input_gets_400_with_a_field_message(broker_client, payload, field):
    response = broker_client.post(QUOTE, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert response.json()[field]


def test_quote_requires_authentication(api_client):
    response = api_client.post(QUOTE, {}, format="json")
    assert response.status_code in (401, 403)


def test_bank_users_cannot_use_the_tariff_api(api_client):
    api_client.force_authenticate(make_user("bank", BANK_USER))
    assert api_client.post(QUOTE, {}, format="json").status_code == 403


def test_token_authentication_with_drf_create_token(api_client, broker_user, capsys):
    call_command("drf_create_token", broker_user.username)
    token = Token.objects.get(user=broker_user).key
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api_client.get("/api/v1/tariff/lines/8507.60.07.00/?date=2022-06-01")
    assert response.status_code == 200


def test_line_detail_shows_every_rate_in_force_that_day(broker_client):
    body = broker_client.get("/api/v1/tariff/lines/8517130000/?date=2024-03-01").json()
    assert body["line"]["code"] == "8517.13.00.00"
    assert body["line"]["chapter"] == "85" and body["line"]["hs6"] == "851713"
    taxes = {r["tax"]: r for r in body["rates"]}
    assert taxes["DI"]["rate"] == "17.5000" and taxes["DI"]["source"] == "LF-55-23"
    assert taxes["TIC"]["rate"] == "50.0000"
    assert taxes["TVA"]["rate"] == "20.0000"
    assert [h["rate"] for h in body["duty_rate_history"]] == ["2.5000", "17.5000"]


def test_line_detail_unknown_code_is_404_and_bad_date_400(broker_client):
    assert broker_client.get("/api/v1/tariff/lines/0000000000/").status_code == 404
    assert broker_client.get("/api/v1/tariff/lines/abc/").status_code == 400
    assert broker_client.get("/api/v1/tariff/lines/8517130000/?date=demain").status_code == 400


def test_line_search_by_words_and_code_prefix(broker_client):
    body = broker_client.get("/api/v1/tariff/lines/?q=lithium").json()
    assert "8507.60.07.00" in [r["code"] for r in body["results"]]
    body = broker_client.get("/api/v1/tariff/lines/?q=0902").json()
    assert {r["code"] for r in body["results"]} >= {"0902.10.00.00", "0902.20.00.10"}


def test_schema_and_docs_are_public_but_nothing_else(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/v1/tariff/finance-laws/").status_code in (401, 403)
    assert client.get("/admin/").status_code == 302
