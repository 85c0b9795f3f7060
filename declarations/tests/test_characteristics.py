"""Issue 16 point 6: an article's excise characteristics are refused at creation (API 400 naming
``articles[i].attributes.<key>``, service error), never at liquidation; those its line's TIC table
needs on the date are required. Amounts: TIC H of circ. 6255/210 annexe III (LF 76-21), e-liquids
10 DH per 10 ml with nicotine, 5 DH without."""
import datetime as dt
from decimal import Decimal

import pytest

from declarations.models import Article, Declaration
from declarations.services import declaration_liquidate, declaration_register, declaration_update_draft
from tariff.kit.errors import DomainError

from .factories import PartyFactory, article, make_declaration

pytestmark = pytest.mark.django_db

DECLARATIONS = "/api/v1/declarations/"
E_LIQUID = "2404.12.00.00"


def payload(party, **attributes):
    return {
        "reference": "DUM-TIC-1", "customs_office": "309 Casablanca-Port", "procedure_code": "010",
        "party": party.id, "invoice_currency": "EUR", "invoice_total": "100", "freight_amount": "0",
        "insurance_amount": "0",
        "articles": [{"tariff_code": E_LIQUID, "origin_country": "CN", "description": "E-liquide",
                      "invoiced_value": "100", "quantity": "3", "net_mass_kg": "0.1", "attributes": attributes}],
    }


def _refused(response, code, field):
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["code"], body["field"]) == (code, field), body
    assert body["detail"] and not Article.objects.exists() and not Declaration.objects.exists()
    return body


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999", "-5", -5, "beaucoup", "-inf", True])
def test_a_bad_number_is_a_400_naming_the_field_at_creation(broker_client, value):
    response = broker_client.post(DECLARATIONS, payload(PartyFactory(), volume_ml=value, contains_nicotine=True),
                                  format="json")
    body = _refused(response, "invalid_attribute", "articles[0].attributes.volume_ml")
    assert "« Volume (ml) »" in body["detail"]


def test_an_unknown_characteristic_is_a_400(broker_client):
    response = broker_client.post(DECLARATIONS, payload(PartyFactory(), volume_ml="30", contains_nicotine=True,
                                                        couleur="rouge"), format="json")
    body = _refused(response, "unknown_attribute", "articles[0].attributes.couleur")
    assert "Caractéristique inconnue « couleur »" in body["detail"]


def test_a_word_for_a_yes_no_characteristic_is_a_400(broker_client):
    response = broker_client.post(DECLARATIONS, payload(PartyFactory(), volume_ml="30", contains_nicotine="peut-être"),
                                  format="json")
    body = _refused(response, "invalid_attribute", "articles[0].attributes.contains_nicotine")
    assert "« Contient de la nicotine » : oui ou non" in body["detail"]


def test_the_characteristics_the_tic_table_needs_are_required_at_creation(broker_client):
    # Table H is per 10 ml, with or without nicotine: both are needed for an e-liquid.
    response = broker_client.post(DECLARATIONS, payload(PartyFactory()), format="json")
    body = _refused(response, "business_rules", "articles[0].attributes.volume_ml")
    assert [(e["code"], e["field"]) for e in body["errors"]] == [
        ("missing_attribute", "articles[0].attributes.volume_ml"),
        ("missing_attribute", "articles[0].attributes.contains_nicotine")]
    assert body["errors"][0]["detail"].startswith("Article 1 : « Volume (ml) » est requis (TIC H")


def test_one_missing_characteristic_is_a_400_with_its_field(broker_client):
    response = broker_client.post(DECLARATIONS, payload(PartyFactory(), volume_ml="30"), format="json")
    body = _refused(response, "missing_attribute", "articles[0].attributes.contains_nicotine")
    assert body["detail"] == ("Article 1 : « Contient de la nicotine » est requis (TIC H — Liquides pour cigarettes "
                              "électroniques et appareils similaires).")


def test_the_existing_json_object_shape_is_accepted_and_liquidates_at_the_circular_amount(broker_client):
    # 30 ml with nicotine: 3 × 10 DH (TIC H, LF 2022) = 30 DH.
    created = broker_client.post(DECLARATIONS, payload(PartyFactory(), volume_ml="30", contains_nicotine=True),
                                 format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["articles"][0]["attributes"] == {"volume_ml": "30", "contains_nicotine": True}
    assert broker_client.post(f"{DECLARATIONS}{pk}/register/", {"date": "2024-03-01"}, format="json").status_code == 200
    liquidated = broker_client.post(f"{DECLARATIONS}{pk}/liquidate/", format="json")
    assert liquidated.status_code == 200, liquidated.content
    tic = [line for line in liquidated.json()["lines"] if line["tax"] == "TIC"]
    assert [(line["amount"], line["law"]) for line in tic] == [("30.00", "LF-76-21")]


def test_without_nicotine_text_yes_no_and_a_decimal_comma_are_accepted():
    # 200 ml without nicotine: 20 × 5 DH = 100 DH (TIC H, LF 2022).
    d = make_declaration(articles=[article(E_LIQUID, value="100", quantity="1",
                                           attributes={"volume_ml": "200,0", "contains_nicotine": "false"})])
    assert d.articles.get().attributes == {"volume_ml": "200.0", "contains_nicotine": False}
    declaration_register(declaration=d, on_date=dt.date(2024, 3, 1))
    assert declaration_liquidate(declaration=d).total_tic == Decimal("100.00")


def test_the_draft_update_checks_the_characteristics_too():
    d = make_declaration(articles=[article(E_LIQUID, value="100", quantity="1",
                                           attributes={"volume_ml": "30", "contains_nicotine": True})])
    with pytest.raises(DomainError) as exc:
        declaration_update_draft(declaration=d, articles=[article(E_LIQUID, value="100", quantity="1",
                                                                  attributes={"volume_ml": "NaN",
                                                                              "contains_nicotine": True})])
    assert exc.value.field == "articles[0].attributes.volume_ml"
    assert d.articles.get().attributes == {"volume_ml": "30", "contains_nicotine": True}


def test_the_put_of_a_draft_refuses_a_missing_characteristic(broker_client):
    created = broker_client.post(DECLARATIONS, payload(PartyFactory(), volume_ml="30", contains_nicotine=True),
                                 format="json")
    pk = created.json()["id"]
    response = broker_client.put(f"{DECLARATIONS}{pk}/", payload(PartyFactory(), volume_ml="30"), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["field"] == "articles[0].attributes.contains_nicotine"
    assert Article.objects.get().attributes == {"volume_ml": "30", "contains_nicotine": True}


def test_a_line_without_tic_needs_no_characteristic_and_exemption_claims_are_kept():
    d = make_declaration(articles=[article(attributes={"investment_convention": " CONV-1 ", "quota_partial": "non"})])
    assert d.articles.get().attributes == {"investment_convention": "CONV-1", "quota_partial": False}


@pytest.mark.parametrize("stored", ["Infinity", "NaN", "1e999", "-5", "beaucoup"])
def test_a_stored_bad_value_is_still_a_refusal_at_liquidation_never_a_server_error(stored):
    d = make_declaration(articles=[article(E_LIQUID, value="100", quantity="1",
                                           attributes={"volume_ml": "30", "contains_nicotine": True})])
    Article.objects.filter(declaration=d).update(attributes={"volume_ml": stored, "contains_nicotine": True})
    declaration_register(declaration=d, on_date=dt.date(2024, 3, 1))
    with pytest.raises(DomainError) as exc:
        declaration_liquidate(declaration=d)
    assert exc.value.field == "articles[0].attributes.volume_ml" and "« Volume (ml) »" in exc.value.message


def test_the_admin_article_form_runs_the_same_check():
    from django.core.exceptions import ValidationError

    from declarations.admin import ArticleInlineForm

    form = ArticleInlineForm()
    form.cleaned_data = {"attributes": {"volume_ml": "NaN", "couleur": "rouge"}}
    with pytest.raises(ValidationError) as exc:
        form.clean_attributes()
    first, second = exc.value.messages
    assert first == "« Volume (ml) » doit être un nombre fini (ex. 330 ou 12,5)."
    assert second.startswith("Caractéristique inconnue « couleur » (possibles : product_kind, volume_l,")
    form.cleaned_data = {"attributes": {"volume_ml": 30}}
    assert form.clean_attributes() == {"volume_ml": "30"}


def test_registration_checks_the_characteristics_on_its_own_date_in_the_preview_too():
    """A draft saved before the check existed (or before a table started) is refused at
    registration, with the field, and the preview says so first: one check list."""
    from declarations.services import declaration_preview

    d = make_declaration(articles=[article(E_LIQUID, value="100", quantity="1",
                                           attributes={"volume_ml": "200", "contains_nicotine": False})])
    Article.objects.filter(declaration=d).update(attributes={"contains_nicotine": False})
    d.refresh_from_db()
    preview = declaration_preview(declaration=d, articles=list(d.articles.select_related("tariff_line")),
                                  on_date=dt.date(2024, 3, 1))
    assert any("Volume" in m for m in preview.blocking)
    with pytest.raises(DomainError) as exc:
        declaration_register(declaration=d, on_date=dt.date(2024, 3, 1))
    assert exc.value.field == "articles[0].attributes.volume_ml"
    d.refresh_from_db()
    assert d.status == Declaration.Status.DRAFT
