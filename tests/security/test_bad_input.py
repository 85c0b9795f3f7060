"""Bad input on the write endpoints: 400 (or 404) with a field message, and nothing written.

Quote, declarations (create, register, reliquidate), ETPP authorisations, litigation cases and
settlements; plus a broken CSV row through ``manage.py load_reference_data``.
"""
import copy
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from declarations.models import Declaration
from declarations.tests.factories import PartyFactory
from litigation.tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

HUGE = "1" + "0" * 30  # 10^30
WRITABLE_APPS = ("tariff", "declarations", "litigation")


def _counts():
    return {
        model._meta.label: model._default_manager.count()
        for app in WRITABLE_APPS
        for model in apps.get_app_config(app).get_models()
    }


@contextmanager
def writes_nothing():
    before = _counts()
    yield
    assert _counts() == before


def _assert_field_error(response, field, status=400):
    assert response.status_code == status, (response.status_code, response.content)
    body = response.json()
    flat = repr(body)
    assert field in flat, body
    return body


# --- Quote -------------------------------------------------------------------------------------
QUOTE = "/api/v1/tariff/quote/"
GOOD_QUOTE = {"tariff_code": "8507.60.07.00", "date": "2024-03-01", "customs_value": "10000"}


def test_quote_reference_payload_is_accepted(broker_client):
    assert broker_client.post(QUOTE, GOOD_QUOTE, format="json").status_code == 200


@pytest.mark.parametrize(
    "field, value",
    [
        ("tariff_code", "12"),
        ("tariff_code", "ABCD.EF.GH.IJ"),
        ("tariff_code", "0000.00.00.00"),
        ("tariff_code", "8507.60.07.00.00.00.00.00"),
        ("tariff_code", ""),
        ("customs_value", "-1"),
        ("customs_value", HUGE),
        ("customs_value", "NaN"),
        ("customs_value", "Infinity"),
        ("customs_value", "abc"),
        ("date", "2024-02-30"),
        ("date", "31/12/2024"),
        ("date", ""),
    ],
)
def test_quote_bad_field_is_400(broker_client, field, value):
    response = broker_client.post(QUOTE, {**GOOD_QUOTE, field: value}, format="json")
    assert response.status_code in (400, 404), response.content
    _assert_field_error(response, field, status=response.status_code)


@pytest.mark.parametrize("body, content_type", [
    ("not json", "application/json"),
    ("{\"tariff_code\": ", "application/json"),
    ("[1, 2, 3]", "application/json"),
    ("<xml/>", "application/xml"),
])
def test_quote_non_json_body_is_4xx(broker_client, body, content_type):
    response = broker_client.generic("POST", QUOTE, body, content_type=content_type)
    assert response.status_code in (400, 415), response.content
    assert response.json()


# --- Declarations ----------------------------------------------------------------------------
DECLARATIONS = "/api/v1/declarations/"


def declaration_payload(party, **extra):
    data = {
        "reference": "DUM-SEC-1", "customs_office": "309 Casablanca-Port", "procedure_code": "010",
        "party": party.id, "invoice_currency": "EUR", "invoice_total": "100000", "freight_amount": "20000",
        "insurance_amount": "5000",
        "articles": [
            {"tariff_code": "2309.10.00.00", "origin_country": "FR", "description": "Croquettes chats",
             "invoiced_value": "100000", "quantity": "6000", "net_mass_kg": "6000"},
        ],
        "documents": [{"kind": "invoice", "reference": "F-77"}],
    }
    data.update(extra)
    return data


def _with_article(payload, **article):
    payload = copy.deepcopy(payload)
    payload["articles"][0].update(article)
    return payload


def test_declaration_reference_payload_is_accepted(broker_client):
    response = broker_client.post(DECLARATIONS, declaration_payload(PartyFactory()), format="json")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    "change, field",
    [
        ({"invoice_currency": "eur"}, "invoice_currency"),
        ({"invoice_currency": "EURO"}, "invoice_currency"),
        ({"invoice_currency": "ZZZ"}, "invoice_currency"),
        ({"freight_currency": "12$"}, "freight_currency"),
        ({"invoice_total": "-100"}, "invoice_total"),
        ({"invoice_total": HUGE}, "invoice_total"),
        ({"freight_amount": "-1"}, "freight_amount"),
        ({"insurance_amount": HUGE}, "insurance_amount"),
        ({"party": 999999999}, "party"),
        ({"party": "abc"}, "party"),
        ({"procedure_code": "999"}, "procedure_code"),
        ({"articles": []}, "articles"),
        ({"articles": "nope"}, "articles"),
        ({"documents": [{"kind": "??", "reference": "x"}]}, "documents"),
        ({"etpp_authorisation": 999999999}, "etpp_authorisation"),
    ],
)
def test_declaration_bad_field_is_400_and_writes_nothing(broker_client, change, field):
    party = PartyFactory()
    with writes_nothing():
        response = broker_client.post(DECLARATIONS, {**declaration_payload(party), **change}, format="json")
    _assert_field_error(response, field)


@pytest.mark.parametrize(
    "article, field",
    [
        ({"tariff_code": "2309"}, "tariff_code"),
        ({"tariff_code": "23O9.10.00.00"}, "tariff_code"),
        ({"tariff_code": "9999.99.99.99"}, "tariff_code"),
        ({"invoiced_value": "-5"}, "invoiced_value"),
        ({"invoiced_value": HUGE}, "invoiced_value"),
        ({"quantity": "-1"}, "quantity"),
        ({"quantity": HUGE}, "quantity"),
        ({"net_mass_kg": HUGE}, "net_mass_kg"),
        ({"origin_country": "FRA"}, "origin_country"),
    ],
)
def test_declaration_bad_article_is_400_and_writes_nothing(broker_client, article, field):
    party = PartyFactory()
    with writes_nothing():
        response = broker_client.post(DECLARATIONS, _with_article(declaration_payload(party), **article), format="json")
    _assert_field_error(response, field)


def test_declaration_non_json_body_is_4xx_and_writes_nothing(broker_client):
    with writes_nothing():
        response = broker_client.generic("POST", DECLARATIONS, "{oops", content_type="application/json")
    assert response.status_code == 400 and response.json()


def test_register_with_a_bad_date_is_400_and_changes_nothing(broker_client):
    pk = broker_client.post(DECLARATIONS, declaration_payload(PartyFactory()), format="json").json()["id"]
    with writes_nothing():
        response = broker_client.post(f"{DECLARATIONS}{pk}/register/", {"date": "2024-13-45"}, format="json")
    _assert_field_error(response, "date")
    assert Declaration.objects.get(pk=pk).status == Declaration.Status.DRAFT


@pytest.mark.parametrize("path", ["{}/", "{}/register/", "{}/liquidate/", "{}/reliquidate/"])
def test_unknown_declaration_is_404(broker_client, path):
    with writes_nothing():
        method = broker_client.get if path == "{}/" else broker_client.post
        response = method(DECLARATIONS + path.format(999999999), {"reason": "x"}, format="json")
    assert response.status_code == 404 and response.json()["detail"]


def test_non_numeric_declaration_id_is_404(broker_client):
    assert broker_client.get(f"{DECLARATIONS}abc/").status_code == 404


# --- ETPP authorisations ----------------------------------------------------------------------
ETPP = "/api/v1/etpp-authorisations/"


def etpp_payload(party, **extra):
    data = {
        "number": "AUT-SEC-1", "department": "industry_trade", "exporter": party.id, "requested_on": "2025-08-01",
        "items": [{"tariff_code": "8507.60.07.00", "quantity": "100", "unit": "u"}],
    }
    data.update(extra)
    return data


def test_etpp_reference_payload_is_accepted(broker_client):
    assert broker_client.post(ETPP, etpp_payload(PartyFactory()), format="json").status_code == 201


@pytest.mark.parametrize(
    "change, field",
    [
        ({"requested_on": "2025-02-30"}, "requested_on"),
        ({"requested_on": "hier"}, "requested_on"),
        ({"valid_from": "2025-09-01", "valid_to": "2025-01-01"}, "valid_to"),
        ({"exporter": 999999999}, "exporter"),
        ({"department": "nope"}, "department"),
        ({"items": [{"tariff_code": "85", "quantity": "1"}]}, "tariff_code"),
        ({"items": [{"tariff_code": "8507.60.07.00", "quantity": "-1"}]}, "quantity"),
        ({"items": [{"tariff_code": "8507.60.07.00", "quantity": HUGE}]}, "quantity"),
    ],
)
def test_etpp_bad_field_is_400_and_writes_nothing(broker_client, change, field):
    party = PartyFactory()
    with writes_nothing():
        response = broker_client.post(ETPP, etpp_payload(party, **change), format="json")
    _assert_field_error(response, field)


# --- Litigation -------------------------------------------------------------------------------
CASES = "/api/v1/litigation/cases/"


def case_payload(**extra):
    data = {
        "reference": "CTX-SEC-0001",
        "office": "Casablanca-Port (300)",
        "facts_date": "2024-02-10",
        "declaration_reference": "300-0001234-2024",
        "duties_compromised": "40000",
        "goods_customs_value": "100000",
        "aggravating_circumstances": True,
        "parties": [{"name": "Atlas Trading SARL", "role": "offender", "identifier": "ICE 001"}],
        "offences": [{"article": "281", "paragraph": "1°"}],
    }
    data.update(extra)
    return data


def test_case_reference_payload_is_accepted(broker_client):
    assert broker_client.post(CASES, case_payload(), format="json").status_code == 201


@pytest.mark.parametrize(
    "change, field",
    [
        ({"facts_date": "2024-02-31"}, "facts_date"),
        ({"facts_date": "10/02/2024"}, "facts_date"),
        ({"duties_compromised": "-1"}, "duties_compromised"),
        ({"duties_compromised": HUGE}, "duties_compromised"),
        ({"goods_customs_value": "-100"}, "goods_customs_value"),
        ({"goods_customs_value": HUGE}, "goods_customs_value"),
        ({"offences": [{"article": "9999"}]}, "offences"),
        ({"parties": [{"name": "X", "role": "nope"}]}, "parties"),
    ],
)
def test_case_bad_field_is_400_and_writes_nothing(broker_client, change, field):
    with writes_nothing():
        response = broker_client.post(CASES, case_payload(**change), format="json")
    _assert_field_error(response, field)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"settlement_date": "2024-13-01"}, "settlement_date"),
        ({"settlement_date": "2024-03-01", "fines_remitted": "-5"}, "fines_remitted"),
        ({"settlement_date": "2024-03-01", "fines_remitted": HUGE}, "fines_remitted"),
    ],
)
def test_settlement_bad_field_is_400_and_writes_nothing(broker_client, payload, field):
    case = CaseFactory()
    with writes_nothing():
        response = broker_client.post(f"{CASES}{case.pk}/settlements/", payload, format="json")
    _assert_field_error(response, field)


def test_unknown_case_is_404(broker_client):
    with writes_nothing():
        response = broker_client.post(f"{CASES}999999999/transition/", {"status": "closed"}, format="json")
    assert response.status_code == 404


def test_bad_transition_status_is_400(broker_client):
    case = CaseFactory()
    with writes_nothing():
        response = broker_client.post(f"{CASES}{case.pk}/transition/", {"status": "nope"}, format="json")
    _assert_field_error(response, "status")


# --- Reference data CSV ----------------------------------------------------------------------
def test_broken_csv_row_through_manage_py_exits_non_zero_naming_the_row(tmp_path):
    """``manage.py`` turns the CommandError into its message on stderr and ``sys.exit(returncode)``
    (run_from_argv itself is not called here: it closes the test's database connection)."""
    (tmp_path / "tariff_lines.csv").write_text(
        "code,description,unit,di_40_before_lfr_2020\n"
        "9901.00.00.01,Bonne ligne,kg,false\n",
        encoding="utf-8",
    )
    (tmp_path / "duty_rates.csv").write_text(
        "tariff_code,rate,law,valid_from,valid_to,note\n"
        "9901.00.00.01,5,BASE,2000-07-01,,bonne\n"
        "9901.00.00.01,cinq,BASE,2001-07-01,,taux cassé\n",
        encoding="utf-8",
    )
    with writes_nothing():
        with pytest.raises(CommandError) as exc:
            call_command("load_reference_data", "--dir", str(tmp_path))
    assert exc.value.returncode != 0
    assert "duty_rates.csv, ligne 3" in str(exc.value) and "rien n'a été écrit" in str(exc.value)


# --- Regressions of the fixes this sweep made ------------------------------------------------
def test_unknown_currency_is_refused_with_a_field_message(broker_client):
    """Found by this sweep: "ZZZ" passed the ISO-shape regex and created a draft that no
    exchange rate could ever liquidate."""
    party = PartyFactory()
    with writes_nothing():
        response = broker_client.post(
            DECLARATIONS, {**declaration_payload(party), "invoice_currency": "ZZZ"}, format="json"
        )
    body = _assert_field_error(response, "invoice_currency")
    assert "ZZZ" in body["invoice_currency"][0]


def test_etpp_validity_ending_before_it_starts_is_a_field_error(broker_client):
    """Found by this sweep: the database constraint answered with a bare ``__all__`` message."""
    party = PartyFactory()
    with writes_nothing():
        response = broker_client.post(
            ETPP, etpp_payload(party, valid_from="2025-09-01", valid_to="2025-01-01"), format="json"
        )
    body = _assert_field_error(response, "valid_to")
    assert "__all__" not in body
