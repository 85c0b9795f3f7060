"""Declaration pages: list, create (with preview), detail, register, liquidate, reliquidate."""
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from declarations.forms import ArticleFormSet, DeclarationForm
from declarations.models import Declaration, Liquidation
from declarations.services import declaration_liquidate, declaration_register
from declarations.tests.factories import PartyFactory, article, make_declaration
from tariff.forms import add_page_errors
from tariff.kit.errors import DomainError, DomainErrors
from tariff.models import DutyRate
from tariff.selectors import bump_reference_version
from tariff.tests.helpers import plain

from .helpers import declaration_post, messages_of, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def party(db):
    return PartyFactory(name="Animalerie du Maroc SARL")


def follow(client, response):
    assert response.status_code == 302, getattr(response, "context", None) and response.context.get("form").errors
    return client.get(response["Location"])


# --- the whole flow ---------------------------------------------------------------------------

def test_broker_creates_registers_and_liquidates_a_two_article_declaration_and_sees_the_totals(broker, party):
    # 1,000 EUR × 10.8 = 10,800 MAD + freight 500 + insurance 100 = 11,400 MAD, split 60/40:
    # 6,840 and 4,560. Pet food DI 17.5 % (LF 2024) = 1,197 + 798; VAT 20 % of value + DI.
    response = broker.post(reverse("declarations:create"), declaration_post(party=party))
    declaration = Declaration.objects.get(reference="DUM-PAGE-1")
    assert response["Location"] == reverse("declarations:detail", args=[declaration.pk])
    assert declaration.status == Declaration.Status.DRAFT and declaration.declarant.username == "broker-page"
    assert [(a.number, a.tariff_line.code, a.invoiced_value) for a in declaration.articles.all()] == [
        (1, "2309100000", Decimal("600.00")), (2, "2309100000", Decimal("400.00"))]
    assert sorted(declaration.documents.values_list("kind", flat=True)) == ["invoice", "transport"]

    page = follow(broker, broker.post(reverse("declarations:register", args=[declaration.pk]), {"date": "2024-03-01"}))
    assert "Déclaration enregistrée le 01/03/2024" in " ".join(messages_of(page))
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.REGISTERED
    assert [a.customs_value for a in declaration.articles.all()] == [Decimal("6840.00"), Decimal("4560.00")]

    page = follow(broker, broker.post(reverse("declarations:liquidate", args=[declaration.pk])))
    liquidation = Liquidation.objects.get(declaration=declaration)
    assert (liquidation.total_di, liquidation.total_tic) == (Decimal("1995.00"), Decimal("0.00"))
    assert liquidation.total_vat == Decimal("2679.00") and liquidation.total == Decimal("4674.00")
    html = text(page)
    assert "Liquidée" in html
    for shown in ("6 840,00", "4 560,00", "11 400,00", "1 197,00", "798,00", "1 995,00", "2 679,00", "4 674,00",
                  "LF-55-23", "Historique des liquidations", "Liquidation initiale"):
        assert shown in html, shown
    assert "Déclaration liquidée : 4 674,00 MAD" in " ".join(messages_of(page)).replace("\xa0", " ")


def test_preview_shows_customs_values_and_duties_without_saving(broker, party):
    response = broker.post(reverse("declarations:create"), declaration_post(party=party, action="preview"))
    assert response.status_code == 200 and not Declaration.objects.exists()
    preview = response.context["preview"]
    assert preview["result"].totals["total"] == Decimal("4674.00") and preview["result"].blocking == []
    html = text(response)
    for shown in ("Prévisualisation aux taux du 01/03/2024", "6 840,00", "4 560,00", "4 674,00", "11 400,00"):
        assert shown in html, shown
    # the form is re-rendered with what was typed
    assert 'value="DUM-PAGE-1"' in html


def test_preview_lists_what_registration_would_refuse(broker, party):
    data = declaration_post(party=party, action="preview", freight_amount="", invoice_total="1200")
    blocking = broker.post(reverse("declarations:create"), data).context["preview"]["result"].blocking
    assert any("Le fret (case 20) doit être renseigné" in m for m in blocking)
    assert any("diffère du montant facturé" in m for m in blocking)


def test_preview_reports_a_duty_problem_instead_of_failing(broker, party):
    data = declaration_post(party=party, action="preview", articles=[
        {"tariff_line": "2404.12.00.00", "invoiced_value": "1000", "quantity": "1", "net_mass_kg": "1"}])
    response = broker.post(reverse("declarations:create"), data)
    assert response.status_code == 200
    errors = response.context["preview"]["result"].errors
    assert any("Article 1" in e for e in errors), errors


def test_add_article_without_javascript_adds_an_empty_row(broker, party):
    response = broker.post(reverse("declarations:create"), declaration_post(party=party, action="add_article"))
    assert response.status_code == 200 and len(response.context["articles"].forms) == 3
    assert not Declaration.objects.exists()


def test_empty_rows_and_deleted_rows_are_ignored(broker, party):
    data = declaration_post(party=party, articles=[{}, {"invoiced_value": "400", "DELETE": "on"},
                                                   {key: "" for key in ("tariff_line", "description", "origin_country",
                                                                        "invoiced_value", "quantity", "net_mass_kg")}],
                            invoice_total="600")
    follow(broker, broker.post(reverse("declarations:create"), data))
    assert Declaration.objects.get().articles.count() == 1


# --- form errors ------------------------------------------------------------------------------

def test_form_errors_are_in_french_next_to_the_field(broker, party):
    data = declaration_post(party=party, reference="", invoice_currency="euro", articles=[
        {}, {"tariff_line": "9999.99.99.99", "origin_country": "France", "invoiced_value": "abc"}])
    response = broker.post(reverse("declarations:create"), data)
    assert response.status_code == 200 and not Declaration.objects.exists()
    form, rows = response.context["form"], response.context["articles"].forms
    assert form.errors["reference"] == ["Ce champ est obligatoire."]
    assert "Code devise ISO à 3 lettres" in " ".join(form.errors["invoice_currency"])
    assert rows[1].errors["tariff_line"] == ["Position tarifaire inconnue : 9999.99.99.99."]
    assert "Code pays ISO à 2 lettres" in " ".join(rows[1].errors["origin_country"])
    assert rows[1].errors["invoiced_value"] == ["Saisissez un nombre."]
    assert not rows[0].errors
    html = text(response)
    assert "Ce champ est obligatoire." in html and "Position tarifaire inconnue : 9999.99.99.99." in html


def test_duplicate_reference_and_missing_articles_are_refused(broker, party):
    follow(broker, broker.post(reverse("declarations:create"), declaration_post(party=party)))
    response = broker.post(reverse("declarations:create"), declaration_post(party=party, articles=[]))
    assert response.context["form"].errors["reference"] == ["Une déclaration porte déjà cette référence."]
    assert response.context["articles"].non_form_errors() == ["Saisissez au moins un article."]


NOT_A_NUMBER = "« Volume (ml) » doit être un nombre fini (ex. 330 ou 12,5)."


@pytest.mark.parametrize("value, message", [
    ("NaN", NOT_A_NUMBER), ("Infinity", NOT_A_NUMBER), ("-Infinity", NOT_A_NUMBER), ("beaucoup", NOT_A_NUMBER),
    ("1e999", "« Volume (ml) » : nombre trop grand."), ("-5", "« Volume (ml) » ne peut pas être négatif."),
])
def test_bad_tic_characteristics_are_reported_on_the_article(broker, party, value, message):
    data = declaration_post(party=party, articles=[{"volume_ml": value}], invoice_total="600")
    response = broker.post(reverse("declarations:create"), data)
    rows = response.context["articles"].forms
    assert rows[0].errors["volume_ml"] == [message]
    assert message in text(response) and not Declaration.objects.exists()


def test_service_errors_land_on_the_field_or_article_row_they_name(party):
    form = DeclarationForm(declaration_post(party=party))
    rows = ArticleFormSet(declaration_post(party=party), prefix="articles")
    assert form.is_valid() and rows.is_valid()
    add_page_errors(DomainErrors([
        DomainError("Fret manquant.", field="freight_amount"),
        DomainError("Article 2 : position inconnue.", field="articles[1].tariff_code"),
        DomainError("Article 1 : attribut requis.", field="articles[0].attributes.volume_ml"),
        DomainError("Statut invalide.", field="status"),
    ]), form=form, rows={"articles": rows.filled_forms()})
    assert form.errors["freight_amount"] == ["Fret manquant."]
    assert form.non_field_errors() == ["Statut invalide."]
    assert rows.forms[1].errors["tariff_line"] == ["Article 2 : position inconnue."]
    assert rows.forms[0].errors["volume_ml"] == ["Article 1 : attribut requis."]


# --- register / liquidate / reliquidate ---------------------------------------------------------

def test_register_shows_the_blocking_errors_as_messages(broker, party):
    declaration = make_declaration(party=party, freight=None, insurance=None)
    page = follow(broker, broker.post(reverse("declarations:register", args=[declaration.pk]), {"date": "2024-03-01"}))
    shown = " ".join(messages_of(page))
    assert "Le fret (case 20) doit être renseigné" in shown and "L'assurance (case 22) doit être renseignée" in shown
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.DRAFT


def test_register_warns_about_missing_documents_under_art_297_8(broker, party):
    declaration = make_declaration(party=party)
    page = follow(broker, broker.post(reverse("declarations:register", args=[declaration.pk]), {"date": "2024-03-01"}))
    warnings = [str(m) for m in page.context["messages"] if m.level_tag == "warning"]
    assert len(warnings) == 2 and "CDII art. 297-8°" in warnings[0] and "10 000 à 50 000 DH" in plain(warnings[0])
    assert "cours d'exemple" in warnings[1]
    assert 'class="msg msg-warning"' in page.content.decode()


def test_register_with_a_bad_date_keeps_the_page_and_shows_the_error(broker, party):
    declaration = make_declaration(party=party)
    response = broker.post(reverse("declarations:register", args=[declaration.pk]), {"date": "2024-13-45"})
    assert response.status_code == 200
    assert response.context["register_form"].errors["date"] == ["Saisissez une date valide."]
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.DRAFT


def test_register_without_a_date_uses_today(broker, party):
    declaration = make_declaration(party=party)
    follow(broker, broker.post(reverse("declarations:register", args=[declaration.pk]), {"date": ""}))
    declaration.refresh_from_db()
    assert declaration.registered_on == timezone.localdate()


def test_liquidation_errors_become_messages_not_a_server_error(broker, party):
    declaration = make_declaration(party=party, articles=[article("2404.12.00.00", value="100", quantity="1",
                                                                  attributes={"volume_ml": "30", "contains_nicotine": True})])
    declaration_register(declaration=declaration, on_date=dt.date(2024, 3, 1))
    declaration.articles.update(attributes={})  # stored before the checks existed
    page = follow(broker, broker.post(reverse("declarations:liquidate", args=[declaration.pk])))
    assert any(m.startswith("Article 1 :") for m in messages_of(page))
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.REGISTERED


def test_a_second_registration_is_refused_with_a_message(broker, party):
    declaration = make_declaration(party=party)
    declaration_register(declaration=declaration, on_date=dt.date(2024, 3, 1))
    page = follow(broker, broker.post(reverse("declarations:register", args=[declaration.pk]), {"date": "2024-03-01"}))
    assert "Seule une déclaration en brouillon peut être enregistrée." in messages_of(page)


def test_reliquidation_needs_a_reason_and_keeps_the_history(broker, party):
    declaration = make_declaration(party=party)
    declaration_register(declaration=declaration, on_date=dt.date(2024, 3, 1))
    declaration_liquidate(declaration=declaration)
    url = reverse("declarations:reliquidate", args=[declaration.pk])

    response = broker.post(url, {"reason": ""})
    assert response.status_code == 200
    assert response.context["reliquidate_form"].errors["reason"] == ["Ce champ est obligatoire."]

    page = follow(broker, broker.post(url, {"reason": "Contrôle"}))
    assert "Aucun changement : la liquidation en vigueur est conservée." in messages_of(page)

    DutyRate.objects.filter(tariff_line__code="2309100000", valid_from=dt.date(2024, 1, 1)).update(rate=Decimal("10"))
    bump_reference_version()
    page = follow(broker, broker.post(url, {"reason": "Rectification du taux"}))
    assert any(m.startswith("Reliquidation n° 2") for m in messages_of(page))
    assert [liq.sequence for liq in page.context["liquidations"]] == [2, 1]
    html = text(page)
    assert "Rectification du taux" in html and "Liquidation initiale" in html and "Lignes de cette liquidation" in html


def test_cancel_a_draft(broker, party):
    declaration = make_declaration(party=party)
    page = follow(broker, broker.post(reverse("declarations:cancel", args=[declaration.pk])))
    assert "Déclaration annulée." in messages_of(page)
    declaration.refresh_from_db()
    assert declaration.status == Declaration.Status.CANCELLED


def test_actions_refuse_get(broker, party):
    declaration = make_declaration(party=party)
    assert broker.get(reverse("declarations:register", args=[declaration.pk])).status_code == 405


def test_draft_detail_shows_a_live_preview(broker, party):
    declaration = make_declaration(party=party, articles=[article(value="1000")], freight="0", insurance="0")
    response = broker.get(reverse("declarations:detail", args=[declaration.pk]))
    assert response.context["preview"].totals["total"] > 0
    assert "Prévisualisation de la liquidation" in text(response)


# --- list -------------------------------------------------------------------------------------

def test_list_filters_by_status_procedure_and_reference(broker, party):
    draft = make_declaration(party=party)
    registered = make_declaration(party=party)
    declaration_register(declaration=registered, on_date=dt.date(2024, 3, 1))

    def refs(params):
        return [d.reference for d in broker.get(reverse("declarations:list"), params).context["declarations"]]

    assert refs({"status": "registered"}) == [registered.reference]
    assert refs({"q": draft.reference.lower()}) == [draft.reference]
    assert refs({"procedure": "010"}) == [registered.reference, draft.reference]
    assert refs({"procedure": "077"}) == []
    assert draft.reference in text(broker.get(reverse("declarations:list")))


def test_list_is_paginated_and_keeps_the_filters(broker, party):
    for i in range(30):
        make_declaration(party=party)
    response = broker.get(reverse("declarations:list"), {"status": "draft"})
    assert len(response.context["declarations"]) == 25 and response.context["page_obj"].paginator.num_pages == 2
    assert "?status=draft&amp;page=2" in response.content.decode()
    second = broker.get(reverse("declarations:list"), {"status": "draft", "page": 2})
    assert len(second.context["declarations"]) == 5


def test_list_shows_the_duties_of_liquidated_declarations(broker, party):
    declaration = make_declaration(party=party, articles=[article(value="1000")], freight="0", insurance="0")
    declaration_register(declaration=declaration, on_date=dt.date(2024, 3, 1))
    liquidation = declaration_liquidate(declaration=declaration)
    row = broker.get(reverse("declarations:list")).context["declarations"][0]
    assert row.duties_total == liquidation.total


def test_the_detail_names_the_declarant_by_name(broker, party):
    broker.post(reverse("declarations:create"), declaration_post(party=party))
    declaration = Declaration.objects.get(reference="DUM-PAGE-1")
    declaration.declarant.first_name, declaration.declarant.last_name = "Salma", "Bennani"
    declaration.declarant.save()
    page = broker.get(reverse("declarations:detail", args=[declaration.pk])).content.decode()
    assert "<dd>Salma Bennani</dd>" in page and "<dd>broker-page</dd>" not in page
