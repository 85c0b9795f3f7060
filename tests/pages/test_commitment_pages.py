"""Commitment pages: list with filters, subscription, detail (headroom per rule, imputations,
payments, history) and the domiciliary bank's payment page; who may see and do what."""
import html as html_lib
from decimal import Decimal as D

import pytest
from django.urls import reverse

from conftest import make_user
from exchange.models import Commitment, Imputation, Payment
from exchange.tests.factories import (
    TODAY,
    BankFactory,
    CommitmentFactory,
    ImporterFactory,
    bank_user_for,
    domiciled_commitment,
    impute,
    pay,
)
from tariff.kit.roles import AUDITOR, BROKER_STAFF

from .helpers import messages_of
from .helpers import text as raw_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank_a(db):
    return BankFactory(code="bmce", name="Banque A")


@pytest.fixture
def agent_a(bank_a):
    return bank_user_for(bank_a, "agent-a")


@pytest.fixture
def agent_b(db):
    return bank_user_for(BankFactory(code="awb", name="Banque B"), "agent-b")


@pytest.fixture
def staff_user(db):
    return make_user("broker-commitments", BROKER_STAFF, first_name="Salma", last_name="Bennani")


@pytest.fixture
def commitment(agent_a):
    """Domiciled at bank A: 1,000,000 MAD, contract advance rate 30 %."""
    return domiciled_commitment(
        bank_user=agent_a, number="EI-2025-000001", importer=ImporterFactory(name="Atlas Equipement SA")
    )


def text(response) -> str:
    """Page text with entities decoded (apostrophes) and French number spaces made plain."""
    return html_lib.unescape(raw_text(response)).replace("\xa0", " ")


def notes(response) -> list[str]:
    return [m.replace("\xa0", " ").replace("\u202f", " ") for m in messages_of(response)]


def logged_in(client, user):
    client.force_login(user)
    return client


def detail_url(commitment):
    return reverse("exchange:commitment-detail", args=[commitment.pk])


def pay_url(commitment):
    return reverse("exchange:commitment-pay", args=[commitment.pk])


def payment_post(**overrides):
    data = {"kind": "advance", "amount": "300000", "currency": "MAD", "on_date": TODAY.isoformat(),
            "funding": "normal", "reason": "", "observed_difference": ""}
    data.update(overrides)
    return data


def commitment_post(importer_row, bank_row, **overrides):
    data = {
        "number": "EI-2025-NOUVEAU", "importer": str(importer_row.pk), "bank": str(bank_row.pk), "currency": "MAD",
        "subscribed_amount": "1000000,00", "total_import_value": "", "goods_description": "Machines textiles",
        "subscribed_on": "2025-03-01", "contract_reference": "CT-77", "payment_method": "other",
        "contract_advance_rate": "30", "freight_amount": "12000", "accessory_costs": "", "insurance_amount": "",
        "second_hand_auction_value": "", "replaces": "",
    }
    data.update(overrides)
    return data


# --- access ------------------------------------------------------------------------------------

def test_anonymous_users_go_to_the_login_page(client, commitment):
    for url in (reverse("exchange:commitment-list"), reverse("exchange:commitment-create"), detail_url(commitment),
                pay_url(commitment)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_bank_users_see_their_banks_commitments_only_and_do_no_staff_work(client, commitment, agent_a, agent_b):
    logged_in(client, agent_a)
    assert client.get(reverse("home"))["Location"] == reverse("exchange:commitment-list")
    html = text(client.get(reverse("exchange:commitment-list")))
    assert "EI-2025-000001" in html and "Engagements de la banque" in html and "Déclarations" not in html
    assert client.get(detail_url(commitment)).status_code == 200
    assert client.get(reverse("exchange:commitment-create")).status_code == 403
    logged_in(client, agent_b)
    listing = client.get(reverse("exchange:commitment-list"))
    assert "EI-2025-000001" not in text(listing)
    assert "bank" not in listing.context["filter"].form.fields  # no list of the other banks' names
    assert client.get(detail_url(commitment)).status_code == 404
    imputation = {"amount": "100", "currency": "MAD", "on_date": "2025-03-10"}
    assert client.post(reverse("exchange:commitment-impute", args=[commitment.pk]), imputation).status_code == 403
    assert not Imputation.objects.exists()


def test_auditors_read_but_do_not_write(client, commitment):
    logged_in(client, make_user("auditor-commitments", AUDITOR))
    assert client.get(reverse("exchange:commitment-list")).status_code == 200
    response = client.get(detail_url(commitment))
    assert response.status_code == 200
    html = text(response)
    assert "EI-2025-000001" in html and "Enregistrer une imputation" not in html
    assert "Nouvel engagement" not in text(client.get(reverse("exchange:commitment-list")))
    assert client.get(reverse("exchange:commitment-create")).status_code == 403
    imputation = {"amount": "100", "currency": "MAD", "on_date": "2025-03-10"}
    assert client.post(reverse("exchange:commitment-impute", args=[commitment.pk]), imputation).status_code == 403
    assert client.get(pay_url(commitment)).status_code == 403
    assert not Imputation.objects.exists()


def test_broker_staff_open_every_page(client, commitment, staff_user):
    logged_in(client, staff_user)
    for url in (reverse("exchange:commitment-list"), reverse("exchange:commitment-create"), detail_url(commitment),
                pay_url(commitment)):
        assert client.get(url).status_code == 200, url


def test_users_without_a_role_are_refused(client, commitment):
    logged_in(client, make_user("nobody"))
    assert client.get(reverse("exchange:commitment-list")).status_code == 403
    assert client.get(pay_url(commitment)).status_code == 403


def test_payment_page_is_the_domiciliary_banks_alone(client, commitment, agent_a, agent_b):
    assert logged_in(client, agent_a).get(pay_url(commitment)).status_code == 200
    assert logged_in(client, agent_b).get(pay_url(commitment)).status_code == 404  # as the bank API: not found
    assert logged_in(client, agent_b).post(pay_url(commitment), payment_post()).status_code == 404
    assert not Payment.objects.exists()


def test_unknown_commitment_is_a_404(client, staff_user):
    logged_in(client, staff_user)
    assert client.get(reverse("exchange:commitment-detail", args=[999999])).status_code == 404
    assert client.post(reverse("exchange:commitment-impute", args=[999999]), {}).status_code == 404


def test_navigation_links_to_commitments_and_litigation(client, staff_user):
    html = text(logged_in(client, staff_user).get(reverse("exchange:commitment-list")))
    assert f'<a href="{reverse("exchange:commitment-list")}" aria-current="page">Engagements</a>' in html
    assert f'<a href="{reverse("litigation:case-list")}">Contentieux</a>' in html


# --- list ----------------------------------------------------------------------------------------

def test_list_filters_by_status_importer_bank_and_number(client, staff_user, commitment, agent_a, agent_b):
    other_bank = domiciled_commitment(bank_user=agent_b, number="EI-2025-000002",
                                      importer=ImporterFactory(name="Sucrerie du Gharb", id_number="ICE000777"))
    subscribed = CommitmentFactory(number="EI-2025-000003", bank=commitment.bank)
    logged_in(client, staff_user)

    def numbers(**params):
        response = client.get(reverse("exchange:commitment-list"), params)
        assert response.status_code == 200
        return sorted(c.number for c, _totals in response.context["rows"])

    assert numbers() == ["EI-2025-000001", "EI-2025-000002", "EI-2025-000003"]
    assert numbers(status="subscribed") == [subscribed.number]
    assert numbers(importer="atlas") == ["EI-2025-000001"]
    assert numbers(importer="ICE000777") == [other_bank.number]
    assert numbers(bank=str(agent_b.bank_profile.bank.pk)) == [other_bank.number]
    assert numbers(number="000003") == [subscribed.number]
    assert numbers(status="not-a-status", bank="abc") == numbers()  # invalid filters: ignored, no error


def test_list_shows_imputed_and_paid_totals(client, staff_user, commitment, agent_a):
    pay(commitment, agent_a, "advance", "300000")
    impute(commitment, staff_user, "400000")
    html = text(logged_in(client, staff_user).get(reverse("exchange:commitment-list")))
    assert "400 000,00" in html and "300 000,00" in html and "1 000 000,00 MAD" in html


def test_list_is_paginated(client, staff_user, bank_a):
    for n in range(27):
        CommitmentFactory(number=f"EI-PAGE-{n:03d}", bank=bank_a)
    logged_in(client, staff_user)
    first = client.get(reverse("exchange:commitment-list"))
    assert len(first.context["rows"]) == 25 and "Page 1 / 2 — 27 résultats" in text(first)
    assert len(client.get(reverse("exchange:commitment-list"), {"page": 2}).context["rows"]) == 2
    assert client.get(reverse("exchange:commitment-list"), {"page": 9}).status_code == 404


# --- create ---------------------------------------------------------------------------------------

def test_broker_subscribes_a_commitment(client, staff_user, bank_a):
    importer = ImporterFactory(name="Atlas Equipement SA")
    response = logged_in(client, staff_user).post(reverse("exchange:commitment-create"),
                                                  commitment_post(importer, bank_a))
    commitment = Commitment.objects.get(number="EI-2025-NOUVEAU")
    assert response["Location"] == detail_url(commitment)
    assert (commitment.status, commitment.subscribed_amount, commitment.total_import_value, commitment.freight_amount,
            commitment.created_by) == ("subscribed", D("1000000.00"), D("1000000.00"), D("12000.00"), staff_user)
    assert "Engagement EI-2025-NOUVEAU souscrit ; la banque doit le domicilier." in notes(
        client.get(response["Location"]))


def test_subscription_errors_are_french_and_next_to_their_field(client, staff_user, commitment, bank_a):
    importer = commitment.importer
    logged_in(client, staff_user)
    response = client.post(reverse("exchange:commitment-create"), commitment_post(
        importer, bank_a, number=commitment.number, bank="", currency="euro", contract_advance_rate="120",
        subscribed_on="31/02/2025"))
    errors = response.context["form"].errors
    assert errors["number"] == ["Un engagement porte déjà ce numéro."]
    assert errors["bank"] == ["Ce champ est obligatoire."]
    assert "Code devise ISO à 3 lettres" in errors["currency"][0] or "3 caractères" in errors["currency"][0]
    assert "inférieure ou égale à 100" in errors["contract_advance_rate"][0]
    assert errors["subscribed_on"] == ["Saisissez une date valide."]
    # a zero amount passes the form but not the service: its French message lands on the field
    response = client.post(reverse("exchange:commitment-create"), commitment_post(importer, bank_a,
                                                                                  subscribed_amount="0"))
    assert response.context["form"].errors["subscribed_amount"] == ["Le montant doit être strictement positif."]
    response = client.post(reverse("exchange:commitment-create"), commitment_post(importer, bank_a, replaces="EI-X"))
    assert response.context["form"].errors["replaces"] == ["Engagement inconnu : EI-X."]
    assert Commitment.objects.count() == 1


# --- detail: headroom, imputations ------------------------------------------------------------------

def test_detail_shows_the_headroom_per_rule(client, staff_user, commitment, agent_a):
    pay(commitment, agent_a, "advance", "120000")
    pay(commitment, agent_a, "anticipated", "50000")
    response = logged_in(client, staff_user).get(detail_url(commitment))
    rows = {r.key: r for r in response.context["rules_room"]}
    assert (rows["advance"].limit, rows["advance"].room, rows["advance"].percent) == (
        D("300000.00"), D("180000.00"), 40)
    assert (rows["anticipated"].limit, rows["anticipated"].room) == (D("200000.00"), D("150000.00"))
    assert rows["settlement"].limit == D("0") and not rows["settlement"].applies
    html = text(response)
    assert "180 000,00 MAD" in html and "150 000,00 MAD" in html
    assert 'meter min="0" max="100" low="75" high="90" optimum="0" value="40"' in html
    assert "Aucune imputation douanière : pas encore de règlement." in html


def test_detail_of_an_exporter_with_an_fx_account_shows_both_advance_limits(client, staff_user, agent_a):
    """The table is the room of an ordinary payment (30 %); the advances row adds the room of a
    payment from the exporter's FX account (the contract's 60 %), as the payment computes each."""
    exporter = ImporterFactory(is_exporter_with_fx_account=True, fx_account_available_balance=D("700000"))
    commitment = domiciled_commitment(bank_user=agent_a, importer=exporter, contract_advance_rate=D("60"))
    pay(commitment, agent_a, "advance", "100000")
    response = logged_in(client, staff_user).get(detail_url(commitment))
    rows = {r.key: r for r in response.context["rules_room"]}
    assert (rows["advance"].limit, rows["advance"].room) == (D("300000.00"), D("200000.00"))
    assert rows["advance"].note == ("Depuis le compte en devises de l'exportateur : limite 600\xa0000,00\xa0MAD, "
                                    "reste 500\xa0000,00\xa0MAD.")


def test_broker_records_an_imputation(client, staff_user, commitment):
    logged_in(client, staff_user)
    response = client.post(reverse("exchange:commitment-impute", args=[commitment.pk]), {
        "amount": "400000", "currency": "MAD", "on_date": "2025-03-12", "declaration_reference": "DUM-309-1"})
    assert response["Location"] == detail_url(commitment)
    imputation = Imputation.objects.get(commitment=commitment)
    assert (imputation.amount, imputation.declaration_reference, imputation.created_by) == (
        D("400000.00"), "DUM-309-1", staff_user)
    page = client.get(response["Location"])
    assert "Imputation de 400 000,00 MAD enregistrée." in notes(page)
    assert page.context["commitment"].status == "partially_imputed"
    rows = {r.key: r for r in page.context["rules_room"]}
    assert rows["settlement"].room == D("400000.00")


def test_imputation_refused_by_the_service_is_shown_and_nothing_written(client, staff_user, bank_a):
    subscribed = CommitmentFactory(number="EI-PAS-DOMICILIE", bank=bank_a)
    logged_in(client, staff_user)
    response = client.post(reverse("exchange:commitment-impute", args=[subscribed.pk]), {
        "amount": "1000", "currency": "MAD", "on_date": "2025-03-12"})
    assert response.status_code == 200
    assert response.context["imputation_form"].non_field_errors() == ["L'engagement n'est pas encore domicilié."]
    assert "L'engagement n'est pas encore domicilié." in text(response)
    assert not Imputation.objects.exists()


def test_imputation_bad_input_is_french_never_a_500(client, staff_user, commitment):
    logged_in(client, staff_user)
    url = reverse("exchange:commitment-impute", args=[commitment.pk])
    response = client.post(url, {"amount": "abc", "currency": "MAD", "on_date": "2025-02-30"})
    errors = response.context["imputation_form"].errors
    assert errors["amount"] == ["Saisissez un nombre."] and errors["on_date"] == ["Saisissez une date valide."]
    response = client.post(url, {"amount": "100", "currency": "JPY", "on_date": "2025-03-12"})
    assert "Devise « JPY » inconnue : aucun cours de change douanier" in response.context["imputation_form"].errors["currency"][0]
    response = client.post(url, {"amount": "0", "currency": "MAD", "on_date": "2025-03-12"})
    assert response.context["imputation_form"].errors["amount"] == ["Le montant doit être strictement positif."]
    response = client.post(url, {"amount": "9" * 30, "currency": "MAD", "on_date": "2025-03-12"})
    assert response.status_code == 200 and response.context["imputation_form"].errors["amount"]
    assert not Imputation.objects.exists()


# --- payments -----------------------------------------------------------------------------------------

def test_the_domiciliary_bank_records_an_advance_within_30_percent(client, commitment, agent_a):
    logged_in(client, agent_a)
    response = client.post(pay_url(commitment), payment_post(amount="300000,00"))
    assert response["Location"] == pay_url(commitment)
    payment = Payment.objects.get(commitment=commitment)
    assert (payment.kind, payment.amount, payment.bank, payment.created_by) == (
        "advance", D("300000.00"), commitment.bank, agent_a)
    page = client.get(response["Location"])
    assert notes(page) == ["Acompte de 300 000,00 MAD enregistré."]
    rows = {r.key: r for r in page.context["rules_room"]}
    assert (rows["advance"].room, rows["advance"].percent) == (D("0.00"), 100)


def test_an_advance_over_30_percent_is_refused_in_french_and_nothing_written(client, commitment, agent_a):
    logged_in(client, agent_a)
    response = client.post(pay_url(commitment), payment_post(amount="300001"))
    assert response.status_code == 200
    message = ("Acomptes de 300 001,00 MAD au-delà de 30 % de la valeur totale de l'importation "
               "(300 000,00 MAD).")
    [error] = response.context["payment_form"].errors["amount"]
    assert error.replace("\xa0", " ") == message  # French numbers: non-breaking spaces (tariff.kit.numbers)
    assert message in text(response).replace("\xa0", " ")
    assert not Payment.objects.exists()
    assert Commitment.objects.get(pk=commitment.pk).status == "domiciled"


def test_payment_rules_name_their_field(client, commitment, agent_a):
    logged_in(client, agent_a)
    response = client.post(pay_url(commitment), payment_post(kind="settlement", amount="1000"))
    assert response.context["payment_form"].errors["kind"] == [
        "Le règlement n'intervient qu'après l'imputation douanière de l'engagement."]
    response = client.post(pay_url(commitment), payment_post(kind="advance", reason="shrinkage_cereals"))
    assert response.context["payment_form"].errors["reason"] == ["Un motif ne s'indique que pour un dépassement."]
    response = client.post(pay_url(commitment), payment_post(funding="fx_account"))
    assert "exportateurs titulaires" in response.context["payment_form"].errors["funding"][0]
    assert not Payment.objects.exists()


def test_payment_bad_input_is_french_never_a_500(client, commitment, agent_a):
    logged_in(client, agent_a)
    response = client.post(pay_url(commitment), payment_post(kind="gift", amount="-5", on_date="demain",
                                                             funding="cash", currency="€"))
    errors = response.context["payment_form"].errors
    assert set(errors) == {"kind", "amount", "on_date", "funding", "currency"}
    assert "Sélectionnez un choix valide" in errors["kind"][0]
    assert not Payment.objects.exists()


def test_broker_staff_cannot_pay_in_the_banks_place(client, commitment, staff_user):
    """The service accepts only the domiciliary bank's users: the staff page explains it, and a
    payment posted by staff is refused with the service's French message, nothing written."""
    logged_in(client, staff_user)
    detail = text(client.get(detail_url(commitment)))
    assert "Seule la banque domiciliataire de l'engagement peut agir." in detail
    response = client.post(pay_url(commitment), payment_post(amount="1000"))
    assert response.status_code == 200
    assert response.context["payment_form"].non_field_errors() == [
        "Seule la banque domiciliataire de l'engagement peut agir."]
    assert not Payment.objects.exists()


def test_no_payment_on_a_commitment_not_yet_domiciled(client, agent_a, bank_a):
    subscribed = CommitmentFactory(number="EI-PAS-DOMICILIE", bank=bank_a)
    logged_in(client, agent_a)
    page = client.get(pay_url(subscribed))
    assert "L'engagement n'est pas encore domicilié." in text(page) and 'id="payment-form"' not in text(page)
    response = client.post(pay_url(subscribed), payment_post(amount="1000"))
    assert response.context["payment_form"].non_field_errors() == ["L'engagement n'est pas encore domicilié."]
    assert not Payment.objects.exists()


# --- history -----------------------------------------------------------------------------------------

def test_history_lists_who_changed_what(client, staff_user, commitment, agent_a):
    impute(commitment, staff_user, "400000")
    pay(commitment, agent_a, "advance", "100000")
    response = logged_in(client, staff_user).get(detail_url(commitment))
    history = response.context["history"]
    rows = [(entry.object_label, entry.change_label, entry.user) for entry in history]
    assert ("EI-2025-000001", "Création", "") in rows  # made by the factory, outside any user action
    assert ("EI-2025-000001", "Modification", "agent-a") in rows  # the bank's domiciliation
    assert ("Règlement Acompte 100\xa0000,00 MAD — EI-2025-000001", "Création", "agent-a") in rows
    assert any(label.startswith("Imputation douanière") and user == "Salma Bennani" for label, _c, user in rows)
    changes = [(c.label, c.old, c.new) for entry in history for c in entry.changes]
    assert ("statut", "Souscrit", "Domicilié") in changes
    assert ("statut", "Domicilié", "Partiellement imputé") in changes
    assert [new for label, _old, new in changes if label == "domicilié par"] == ["agent-a"]
    html = text(response)
    assert 'id="change-history"' in html and "<strong>Statut</strong> : Souscrit → Domicilié" in html
