"""Litigation pages: create a case from the catalogue, see its exposure; on a case, add an
offence, move its status, record a settlement (art. 275: fines yes, duties never)."""
import datetime as dt
import re
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from litigation.models import Case, CaseOffence, Settlement
from litigation.tests.factories import case_with
from tariff.tests.helpers import plain

from .helpers import messages_of, text

pytestmark = pytest.mark.django_db
D = Decimal


def case_post(**overrides):
    """281-1° (contraband, 282 bis-2°-a: three times the duties) on 40,000 DH of duties."""
    data = {
        "reference": "CTX-PAGE-1", "office": "309 Casablanca-Port", "facts_date": "2024-03-01",
        "declaration_reference": "", "description": "Marchandises non déclarées", "goods_customs_value": "100 000",
        "duties_compromised": "40 000,00", "undeclared_amount": "", "export_advantages": "", "other_sums_due": "",
        "aggravating_details": "", "seized_goods_description": "", "seized_goods_customs_value": "",
        "duties_on_seized_goods": "", "seized_transport_value": "", "party_name": "Société Atlas Import SARL",
        "party_role": "offender", "party_identifier": "ICE 001234567000089", "offences": ["281|1°|"],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def under_review(**fields):
    """281-1° on 40,000 DH: a 120,000 DH fine; 25,000 DH of duties on the seized goods."""
    defaults = dict(status=Case.Status.UNDER_REVIEW, duties_compromised=D("40000"), goods_customs_value=D("100000"),
                    seized_goods_customs_value=D("60000"), duties_on_seized_goods=D("25000"))
    return case_with("281", "1°", **{**defaults, **fields})


def settlement_post(**overrides):
    data = {"settlement_date": "2024-06-01", "reference": "TR-1", "fines_remitted": "0", "confiscations_remitted": "0",
            "other_sums_remitted": "0", "duties_remitted": "0", "notes": ""}
    return {**data, **overrides}


# --- roles -----------------------------------------------------------------------------------------

def test_broker_gets_the_creation_page_with_the_catalogue(broker):
    response = broker.get(reverse("litigation:case-create"))
    assert response.status_code == 200
    html = text(response)
    assert 'value="281|1°|"' in html and "297-8°" in html and "dès le 01/01/2024" in html
    assert reverse("litigation:case-create") in text(broker.get(reverse("litigation:case-list")))


def test_auditor_reads_cases_but_cannot_create_or_act(auditor):
    case = under_review(reference="CTX-AUD")
    assert auditor.get(reverse("litigation:case-create")).status_code == 403
    assert auditor.post(reverse("litigation:case-create"), case_post()).status_code == 403
    response = auditor.get(reverse("litigation:case-detail", args=[case.pk]))
    assert response.status_code == 200 and "120 000,00 DH" in text(response)
    assert 'id="record-settlement"' not in text(response) and 'id="add-offence"' not in text(response)
    assert reverse("litigation:case-create") not in text(auditor.get(reverse("litigation:case-list")))
    for name in ("litigation:case-settlement", "litigation:case-add-offence", "litigation:case-status"):
        assert auditor.post(reverse(name, args=[case.pk]), settlement_post(fines_remitted="1")).status_code == 403
    assert not Settlement.objects.exists() and not Case.objects.filter(reference="CTX-PAGE-1").exists()


def test_bank_user_and_editor_are_refused(bank, editor):
    case = under_review()
    for client in (bank, editor):
        for url in (reverse("litigation:case-list"), reverse("litigation:case-create"),
                    reverse("litigation:case-detail", args=[case.pk])):
            assert client.get(url).status_code == 403
        assert client.post(reverse("litigation:case-settlement", args=[case.pk]), settlement_post()).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("litigation:case-create"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- creation --------------------------------------------------------------------------------------

def test_create_a_281_case_and_see_its_exposure(broker):
    response = broker.post(reverse("litigation:case-create"), case_post())
    case = Case.objects.get(reference="CTX-PAGE-1")
    assert response.status_code == 302 and response["Location"] == reverse("litigation:case-detail", args=[case.pk])
    assert case.status == Case.Status.REPORTED and case.duties_compromised == D("40000.00")
    assert [p.name for p in case.parties.all()] == ["Société Atlas Import SARL"]
    page = broker.get(response["Location"])
    html = text(page)
    # CDII 282 bis-2°-a: three times the 40,000 DH of duties compromised
    assert "282 bis-2°-a" in html and "120 000,00 DH" in html
    assert "Dossier CTX-PAGE-1 créé." in messages_of(page)


def test_create_with_aggravating_circumstances_doubles_the_fine(broker):
    broker.post(reverse("litigation:case-create"), case_post(aggravating_circumstances="on"))
    case = Case.objects.get(reference="CTX-PAGE-1")
    assert "240 000,00 DH" in text(broker.get(reverse("litigation:case-detail", args=[case.pk])))


def test_297_8_for_facts_before_2024_is_shown_not_applicable(broker):
    broker.post(reverse("litigation:case-create"),
                case_post(facts_date="2023-12-31", offences=["281|1°|", "297|8°|"]))
    case = Case.objects.get(reference="CTX-PAGE-1")
    html = text(broker.get(reverse("litigation:case-detail", args=[case.pk])))
    assert "Non applicable" in html and "120 000,00 DH" in html


def test_create_shows_french_errors_next_to_the_fields(broker):
    response = broker.post(reverse("litigation:case-create"),
                           case_post(reference="", facts_date="31/02/2024", duties_compromised="quarante", offences=[]))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["reference"] == ["Ce champ est obligatoire."]
    assert form.errors["offences"] == ["Choisir au moins une infraction du référentiel."]
    assert "facts_date" in form.errors and "duties_compromised" in form.errors
    assert "Saisissez un nombre." in form.errors["duties_compromised"]
    assert 'class="field has-error"' in text(response)
    assert not Case.objects.exists()


def test_create_refuses_a_duplicate_reference(broker):
    under_review(reference="CTX-PAGE-1")
    response = broker.post(reverse("litigation:case-create"), case_post())
    assert response.status_code == 200
    assert response.context["form"].errors["reference"] == ["Un dossier porte déjà cette référence."]


def test_create_66_bis_below_the_threshold_is_refused_by_the_service(broker):
    response = broker.post(reverse("litigation:case-create"), case_post(
        offences=["297|7°|"], undeclared_amount="90 000", duties_compromised=""))
    assert response.status_code == 200
    [message] = response.context["form"].errors["undeclared_amount"]
    assert "inférieur au seuil de 100 000,00 DH" in plain(message)
    assert not Case.objects.exists()


def test_create_66_bis_fines_half_the_undeclared_amount(broker):
    broker.post(reverse("litigation:case-create"),
                case_post(offences=["297|7°|"], undeclared_amount="300 000", duties_compromised=""))
    case = Case.objects.get(reference="CTX-PAGE-1")
    assert "150 000,00 DH" in text(broker.get(reverse("litigation:case-detail", args=[case.pk])))


def test_create_with_an_unknown_offence_key_is_a_form_error(broker):
    response = broker.post(reverse("litigation:case-create"), case_post(offences=["999|1°|"]))
    assert response.status_code == 200 and "offences" in response.context["form"].errors
    assert not Case.objects.exists()


# --- actions on a case --------------------------------------------------------------------------

def test_add_a_285_offence_on_its_own_duties(broker):
    case = case_with("299", reference="CTX-ADD")
    response = broker.post(reverse("litigation:case-add-offence", args=[case.pk]),
                           {"offence": "285||", "duties_compromised": "10 000", "goods_customs_value": "",
                            "undeclared_amount": "", "export_advantages": "", "note": ""})
    assert response.status_code == 302
    html = text(broker.get(reverse("litigation:case-detail", args=[case.pk])))
    # 287 bis-1°-a: twice the 10,000 DH of duties
    assert "287 bis-1°-a" in html and "20 000,00 DH" in html


def test_adding_the_same_offence_twice_is_refused_next_to_the_field(broker):
    case = case_with("299", reference="CTX-DUP")
    response = broker.post(reverse("litigation:case-add-offence", args=[case.pk]), {"offence": "299||"})
    assert response.status_code == 200
    assert response.context["offence_form"].errors["offence"] == [
        "L'infraction 299 est déjà relevée sur ce dossier."]
    assert CaseOffence.objects.filter(case=case).count() == 1


def test_move_a_reported_case_under_review(broker):
    case = case_with("299", reference="CTX-ST")
    response = broker.post(reverse("litigation:case-status", args=[case.pk]), {"to_status": "under_review"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.UNDER_REVIEW
    # "settled" is never offered: it comes from recording the settlement
    response = broker.post(reverse("litigation:case-status", args=[case.pk]), {"to_status": "settled"})
    assert response.status_code == 200 and "to_status" in response.context["status_form"].errors


def test_settlement_remitting_all_the_fines_is_recorded(broker):
    case = under_review()
    response = broker.post(reverse("litigation:case-settlement", args=[case.pk]),
                           settlement_post(fines_remitted="120 000"))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.SETTLED
    settlement = Settlement.objects.get(case=case)
    assert settlement.fines_payable == D("0.00") and settlement.duties_due == D("25000.00")
    page = broker.get(reverse("litigation:case-detail", args=[case.pk]))
    assert any("25 000,00 DH de droits et taxes restent dus" in plain(m) for m in messages_of(page))


def test_settlement_remitting_duties_is_refused_with_its_reason_and_nothing_written(broker):
    case = under_review()
    response = broker.post(reverse("litigation:case-settlement", args=[case.pk]),
                           settlement_post(fines_remitted="60 000", duties_remitted="1 000"))
    assert response.status_code == 200
    assert response.context["settlement_form"].errors["duties_remitted"] == [
        "Une transaction ne peut en aucun cas porter sur les droits et taxes normalement exigibles sur les "
        "marchandises saisies (CDII art. 275)."]
    assert "ne peut en aucun cas porter sur les droits et taxes" in text(response)
    assert not Settlement.objects.exists()
    case.refresh_from_db()
    assert case.status == Case.Status.UNDER_REVIEW


def test_settlement_on_a_reported_case_is_not_offered_and_refused(broker):
    case = case_with("281", "1°", duties_compromised=D("40000"))
    html = text(broker.get(reverse("litigation:case-detail", args=[case.pk])))
    assert 'id="record-settlement"' not in html and 'id="add-offence"' in html
    response = broker.post(reverse("litigation:case-settlement", args=[case.pk]),
                           settlement_post(fines_remitted="1000"))
    assert response.status_code == 200
    assert "En cours d'examen" in " ".join(response.context["settlement_form"].non_field_errors())
    assert not Settlement.objects.exists()


def test_settlement_form_errors_never_500(broker):
    case = under_review()
    response = broker.post(reverse("litigation:case-settlement", args=[case.pk]),
                           settlement_post(settlement_date="", fines_remitted="-5", duties_remitted="x"))
    assert response.status_code == 200
    errors = response.context["settlement_form"].errors
    assert errors["settlement_date"] == ["Ce champ est obligatoire."] and "fines_remitted" in errors
    assert not Settlement.objects.exists()
    assert broker.post(reverse("litigation:case-settlement", args=[999999]), settlement_post()).status_code == 404


def test_facts_dates_show_in_french_format(broker):
    case = under_review(facts_date=dt.date(2024, 3, 1))
    assert "01/03/2024" in text(broker.get(reverse("litigation:case-detail", args=[case.pk])))


def test_case_history_shows_the_status_change_and_the_settlement_with_their_author(broker):
    case = under_review()
    broker.post(reverse("litigation:case-settlement", args=[case.pk]), settlement_post(fines_remitted="120 000"))
    html = text(broker.get(reverse("litigation:case-detail", args=[case.pk])))
    history = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", unescape(html[html.index("Historique des modifications"):])))
    assert "broker-page" in history and "Transaction TR-1" in history
    assert "Statut : En cours d'examen → Réglée par transaction" in history, history


def test_status_changes_and_settlements_ask_for_confirmation(broker):
    """Issue 22: closing a case (or recording a transaction) is confirmed in the browser first."""
    case = case_with("297", "8°", status=Case.Status.UNDER_REVIEW, facts_date=dt.date(2024, 3, 1))
    page = broker.get(f"/litigation/cases/{case.pk}/").content.decode()
    assert 'data-confirm="Transmettre ce dossier au tribunal' in page
    assert 'data-confirm="Enregistrer cette transaction' in page
    case.status = Case.Status.SETTLED
    case.save()
    page = broker.get(f"/litigation/cases/{case.pk}/").content.decode()
    assert 'data-confirm="Clôturer ce dossier ? Un dossier clôturé ne peut plus être modifié."' in page
