"""Every step of a commitment in the pages, for the role that takes it (issue 17, point 4):
the bank domiciles, decides modifications, records its settlements, accepts or rejects a
transfer and carries advances over; staff subscribe (contract rate stated and checked), edit,
request a bank change and impute. Refusals are the services' French messages, nothing written."""
import html as html_lib
from decimal import Decimal as D

import pytest
from django.urls import reverse

from conftest import make_user
from exchange import services
from exchange.models import AdvanceCarryOver, BankChange, Commitment, CommitmentEvent, Imputation, Modification
from tariff.kit.roles import AUDITOR, BROKER_STAFF

from .factories import TODAY, CommitmentFactory, ImporterFactory, impute, pay

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html_lib.unescape(response.content.decode()).replace("\xa0", " ").replace("\u202f", " ")


def notes(response) -> list[str]:
    return [str(m).replace("\xa0", " ").replace("\u202f", " ") for m in response.context["messages"]]


def login(client, user):
    client.force_login(user)
    return client


def detail(commitment):
    return reverse("exchange:commitment-detail", args=[commitment.pk])


def url(name, commitment):
    return reverse(f"exchange:{name}", args=[commitment.pk])


@pytest.fixture
def staff_user(db):
    return make_user("broker-pages", BROKER_STAFF, first_name="Salma", last_name="Bennani")


@pytest.fixture
def subscribed(bank_a):
    return CommitmentFactory(number="EI-A-DOMICILIER", bank=bank_a, contract_reference="CT-1")


# --- domiciliation ---------------------------------------------------------------------------

def test_a_bank_user_domiciles_from_the_detail_page(client, subscribed, agent_a):
    page = login(client, agent_a).get(detail(subscribed))
    assert 'id="domiciliation-form"' in text(page) and "Domicilier" in text(page)
    response = client.post(url("commitment-domiciliate", subscribed), {"contract_reference": "CT-1"})
    assert response.status_code == 200
    assert response.context["domiciliation_form"].errors["contract_concordance_confirmed"] == [
        "La banque doit confirmer la concordance du contrat commercial et de l'engagement."]
    assert Commitment.objects.get(pk=subscribed.pk).status == "subscribed"
    response = client.post(url("commitment-domiciliate", subscribed),
                           {"contract_concordance_confirmed": "on", "contract_reference": "CT-1-AVENANT"})
    assert response["Location"] == detail(subscribed)
    commitment = Commitment.objects.get(pk=subscribed.pk)
    assert (commitment.status, commitment.contract_reference, commitment.domiciliation_confirmed_by) == (
        "domiciled", "CT-1-AVENANT", agent_a)
    after = client.get(detail(subscribed))
    assert notes(after) == ["Engagement EI-A-DOMICILIER domicilié."]
    assert 'id="domiciliation-form"' not in text(after)
    assert CommitmentEvent.objects.filter(kind="commitment_domiciled", bank=subscribed.bank).count() == 1


def test_a_contract_rate_over_30_percent_is_refused_at_domiciliation_too(client, bank_a, agent_a):
    """Subscribed before the check existed (or written around the service): the bank is told why."""
    old = CommitmentFactory(number="EI-A-40", bank=bank_a, contract_advance_rate=D("40"))
    response = login(client, agent_a).post(url("commitment-domiciliate", old), {"contract_concordance_confirmed": "on"})
    [error] = response.context["domiciliation_form"].errors["contract_advance_rate"] if (
        "contract_advance_rate" in response.context["domiciliation_form"].errors) else (
        response.context["domiciliation_form"].non_field_errors())
    assert error.replace("\xa0", " ") == "Le contrat prévoit 40 % d'acompte, au-delà du taux réglementaire de 30 %."
    assert "au-delà du taux réglementaire de 30 %" in text(response)
    assert Commitment.objects.get(pk=old.pk).status == "subscribed"


def test_only_the_domiciliary_bank_domiciles(client, subscribed, agent_b, staff_user):
    assert login(client, agent_b).get(detail(subscribed)).status_code == 404
    assert client.post(url("commitment-domiciliate", subscribed), {"contract_concordance_confirmed": "on"}
                       ).status_code == 404
    page = login(client, staff_user).get(detail(subscribed))
    assert 'id="domiciliation-form"' not in text(page) and "En attente de domiciliation par Banque A" in text(page)
    assert client.post(url("commitment-domiciliate", subscribed), {"contract_concordance_confirmed": "on"}
                       ).status_code == 403
    assert Commitment.objects.get(pk=subscribed.pk).status == "subscribed"


# --- subscription: the contract rate ------------------------------------------------------------

def _subscription(importer, bank, **overrides):
    data = {"number": "EI-NOUVEAU", "importer": str(importer.pk), "bank": str(bank.pk), "currency": "MAD",
            "subscribed_amount": "1000000", "goods_description": "Machines", "goods_category": "other",
            "subscribed_on": "2025-03-01", "payment_method": "other", "contract_advance_rate": "30"}
    data.update(overrides)
    return data


def test_subscription_requires_the_rate_and_refuses_one_over_the_limit(client, staff_user, bank_a, importer):
    login(client, staff_user)
    form_page = text(client.get(reverse("exchange:commitment-create")))
    assert 'name="contract_advance_rate"' in form_page and 'name="contract_advance_rate" value="0"' not in form_page
    response = client.post(reverse("exchange:commitment-create"), _subscription(importer, bank_a, contract_advance_rate=""))
    assert response.context["form"].errors["contract_advance_rate"] == ["Ce champ est obligatoire."]
    response = client.post(reverse("exchange:commitment-create"),
                           _subscription(importer, bank_a, contract_advance_rate="40"))
    [error] = response.context["form"].errors["contract_advance_rate"]
    assert error.replace("\xa0", " ") == "Le contrat prévoit 40 % d'acompte, au-delà du taux réglementaire de 30 %."
    assert not Commitment.objects.filter(number="EI-NOUVEAU").exists()
    response = client.post(reverse("exchange:commitment-create"), _subscription(importer, bank_a,
                                                                                contract_advance_rate="0"))
    assert Commitment.objects.get(number="EI-NOUVEAU").contract_advance_rate == 0


# --- edit: a modification the bank validates ------------------------------------------------------

def test_staff_edit_a_commitment_and_the_bank_validates(client, commitment, staff_user, agent_a):
    login(client, staff_user)
    assert 'id="edit-link"' in text(client.get(detail(commitment)))
    page = client.get(url("commitment-edit", commitment))
    form = page.context["form"]
    assert form["subscribed_amount"].value() == D("1000000.00") and form["contract_advance_rate"].value() == "30"
    assert "La valeur souscrite ne peut être baissée" in text(page)
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update(subscribed_amount="1200000", total_import_value="1200000", reason="Avenant n° 1",
                balance_before_entry="", contract_provides_anticipated_payment="", bank_engagement="",
                insured_abroad="")
    data = {k: v for k, v in data.items() if v not in (False, "")}
    response = client.post(url("commitment-edit", commitment), data)
    assert response["Location"] == detail(commitment), response.context["form"].errors
    modification = Modification.objects.get(commitment=commitment)
    assert modification.changes == {"subscribed_amount": "1200000", "total_import_value": "1200000"}
    assert modification.status == "requested" and modification.reason == "Avenant n° 1"
    assert Commitment.objects.get(pk=commitment.pk).subscribed_amount == D("1000000.00")  # not yet
    assert notes(client.get(detail(commitment))) == ["Modification demandée : elle prend effet quand Banque A la valide."]
    assert "En attente de validation par Banque A." in text(client.get(detail(commitment)))

    bank_page = login(client, agent_a).get(detail(commitment))
    assert "Valider la modification" in text(bank_page) and "1 200 000,00" in text(bank_page)
    response = client.post(url("commitment-modification-decision", commitment),
                           {"modification": modification.pk, "decision": "validate"})
    assert response["Location"] == detail(commitment)
    assert Commitment.objects.get(pk=commitment.pk).subscribed_amount == D("1200000.00")
    assert Modification.objects.get(pk=modification.pk).validated_by == agent_a
    # a second decision on it: the service's refusal, nothing written
    response = client.post(url("commitment-modification-decision", commitment),
                           {"modification": modification.pk, "decision": "reject"})
    assert response.context["decision_form"].non_field_errors() == ["Cette demande de modification a déjà été traitée."]
    assert Modification.objects.get(pk=modification.pk).status == "validated"


def _edit(client, commitment, **changes):
    form = services.MODIFIABLE_FIELDS
    data = {name: getattr(commitment, name) for name in form}
    data["contract_advance_rate"] = "30"
    data.update(changes)
    return client.post(url("commitment-edit", commitment),
                       {k: ("" if v is None else v) for k, v in data.items() if v is not False})


def test_edits_the_faq_refuses_are_refused_on_the_page(client, commitment, staff_user, agent_a):
    login(client, staff_user)
    response = _edit(client, commitment, contract_advance_rate="40")
    assert "au-delà du taux réglementaire de 30 %" in response.context["form"].errors["contract_advance_rate"][0].replace(
        "\xa0", " ")
    response = _edit(client, commitment)  # nothing changed
    assert response.context["form"].non_field_errors() == ["Aucune donnée modifiée."]
    pay(commitment, agent_a, "advance", "100000")
    response = _edit(client, commitment, subscribed_amount="900000")
    assert "ne peut être baissée" in " ".join(response.context["form"].errors.get("subscribed_amount", [])
                                              + response.context["form"].non_field_errors())
    impute(commitment, staff_user, "1000000", kind="final")
    page = client.get(url("commitment-edit", commitment))
    assert "Aucune modification n'est admise après l'imputation totale" in text(page)
    response = _edit(client, commitment, goods_description="Pompes")
    assert response.context["form"].non_field_errors() == [
        "Aucune modification n'est admise après l'imputation totale de l'engagement."]
    assert not Modification.objects.exists()


def test_the_bank_rejects_a_modification_with_its_reason(client, commitment, staff_user, agent_a, agent_b):
    modification = services.commitment_modify(commitment=commitment, user=staff_user,
                                              changes={"goods_description": "Pompes"})
    decision = {"modification": modification.pk, "decision": "reject", "rejection_reason": "Non conforme"}
    assert login(client, agent_b).post(url("commitment-modification-decision", commitment), decision
                                       ).status_code == 404
    assert login(client, staff_user).post(url("commitment-modification-decision", commitment), decision
                                          ).status_code == 403
    assert "Valider la modification" not in text(client.get(detail(commitment)))
    login(client, agent_a).post(url("commitment-modification-decision", commitment), decision)
    modification.refresh_from_db()
    assert (modification.status, modification.rejection_reason) == ("rejected", "Non conforme")
    assert Commitment.objects.get(pk=commitment.pk).goods_description == "Machines et pièces détachées"
    other = CommitmentFactory(bank=commitment.bank)
    foreign = services.commitment_modify(commitment=other, user=staff_user, changes={"goods_description": "x"})
    response = client.post(url("commitment-modification-decision", commitment),
                           {"modification": foreign.pk, "decision": "validate"})
    assert response.context["decision_form"].errors["modification"] == [
        "Demande de modification inconnue pour cet engagement."]


def test_staff_and_auditors_cannot_edit_as_a_bank_and_banks_cannot_edit(client, commitment, agent_a):
    assert login(client, agent_a).get(url("commitment-edit", commitment)).status_code == 403
    assert 'id="edit-link"' not in text(client.get(detail(commitment)))
    auditor = make_user("auditor-pages", AUDITOR)
    assert login(client, auditor).get(url("commitment-edit", commitment)).status_code == 403


# --- bank change -----------------------------------------------------------------------------------

def test_a_bank_change_from_request_to_acceptance(client, commitment, staff_user, agent_a, agent_b, bank_b):
    login(client, staff_user)
    response = client.post(url("commitment-bank-change", commitment), {"to_bank": bank_b.pk, "reason": "Meilleur taux"})
    assert response["Location"] == detail(commitment)
    change = BankChange.objects.get()
    assert notes(client.get(detail(commitment))) == [
        "Changement de banque demandé : Banque A renseigne ses règlements, puis Banque B accepte le transfert."]

    # the new bank: told on its list, sees the transfer page (not the ledger), cannot accept yet
    login(client, agent_b)
    listing = text(client.get(reverse("exchange:commitment-list")))
    assert 'id="pending-transfers"' in listing and "À vous : accepter ou refuser" not in listing
    assert client.get(detail(commitment)).status_code == 404
    transfer = client.get(url("commitment-transfer", commitment))
    assert transfer.status_code == 200 and 'id="headroom"' not in text(transfer)
    response = client.post(url("commitment-transfer", commitment), {"action": "accept"})
    assert response.context["form"].non_field_errors() == [
        "La banque initiale doit renseigner les règlements effectués avant la validation du transfert."]
    assert Commitment.objects.get(pk=commitment.pk).bank_id == commitment.bank_id

    # the initial bank records its settlements (its own step: the new bank cannot do it)
    pay(commitment, agent_a, "advance", "100000")
    response = client.post(url("commitment-transfer", commitment), {"action": "settlements"})
    assert response.context["form"].non_field_errors() == ["Seule la banque domiciliataire de l'engagement peut agir."]
    login(client, agent_a)
    assert "Renseigner les règlements" in text(client.get(detail(commitment)))
    response = client.post(url("commitment-transfer", commitment), {"action": "settlements"})
    assert response["Location"] == url("commitment-transfer", commitment)
    assert "Règlements renseignés (100 000,00 MAD) : Banque B peut accepter le transfert." in notes(
        client.get(response["Location"]))

    login(client, agent_b)
    assert "À vous : accepter ou refuser" in text(client.get(reverse("exchange:commitment-list")))
    response = client.post(url("commitment-transfer", commitment), {"action": "accept"})
    assert response["Location"] == detail(commitment)
    assert Commitment.objects.get(pk=commitment.pk).bank == bank_b
    assert BankChange.objects.get(pk=change.pk).status == "accepted"
    assert client.get(detail(commitment)).status_code == 200
    assert login(client, agent_a).get(detail(commitment)).status_code == 404  # no longer its commitment
    assert client.get(url("commitment-transfer", commitment)).status_code == 200  # its history of the transfer


def test_bank_change_refusals_and_rejection(client, make_commitment, staff_user, agent_a, agent_b, bank_b):
    credoc = make_commitment(number="EI-CREDOC", payment_method="credoc")
    login(client, staff_user)
    response = client.post(url("commitment-bank-change", credoc), {"to_bank": bank_b.pk})
    assert response.context["bank_change_form"].non_field_errors() == [
        "Changement de banque impossible : le règlement intervient par crédit documentaire de la banque initiale."]
    assert not BankChange.objects.exists()
    assert login(client, agent_a).post(url("commitment-bank-change", credoc), {"to_bank": bank_b.pk}
                                       ).status_code == 403
    plain = make_commitment(number="EI-PLAIN")
    change = services.commitment_request_bank_change(commitment=plain, to_bank=bank_b, user=staff_user)
    login(client, agent_b).post(url("commitment-transfer", plain), {"action": "reject", "rejection_reason": "Non"})
    change.refresh_from_db()
    assert (change.status, change.rejection_reason) == ("rejected", "Non")
    response = client.post(url("commitment-transfer", plain), {"action": "accept"})
    assert response.context["form"].non_field_errors() == ["Ce changement de banque a déjà été traité."]


def test_a_third_bank_never_opens_the_transfer_page(client, commitment, staff_user, bank_b):
    from .factories import BankFactory, bank_user_for

    services.commitment_request_bank_change(commitment=commitment, to_bank=bank_b, user=staff_user)
    third = bank_user_for(BankFactory(code="cih"), "agent-c")
    assert login(client, third).get(url("commitment-transfer", commitment)).status_code == 404
    assert client.post(url("commitment-transfer", commitment), {"action": "accept"}).status_code == 404
    assert login(client, staff_user).get(url("commitment-transfer", commitment)).status_code == 200
    assert client.post(url("commitment-transfer", commitment), {"action": "accept"}).status_code == 403


# --- carry-over -----------------------------------------------------------------------------------

def test_the_bank_carries_advances_over_from_its_payment_page(client, commitment, staff_user, agent_a):
    pay(commitment, agent_a, "advance", "100000")
    page = login(client, agent_a).get(url("commitment-pay", commitment))
    assert "Aucun engagement ne remplace celui-ci" in text(page)
    target = services.commitment_create(
        user=staff_user, number="EI-REMPLACE", importer=commitment.importer, bank=commitment.bank, currency="MAD",
        subscribed_amount=D("1000000"), goods_description="Machines", contract_advance_rate=D("30"),
        replaces=commitment)
    response = client.post(url("commitment-carry-over", commitment), {"on_date": TODAY.isoformat()})
    assert response.context["carry_over_form"].non_field_errors() == ["L'engagement n'est pas encore domicilié."]
    services.commitment_domiciliate(commitment=target, user=agent_a, contract_concordance_confirmed=True)
    assert "Reporter les acomptes (100 000,00 MAD) sur l'engagement EI-REMPLACE" in text(
        client.get(url("commitment-pay", commitment)))
    response = client.post(url("commitment-carry-over", commitment), {"on_date": TODAY.isoformat()})
    assert response["Location"] == url("commitment-pay", target)
    carry = AdvanceCarryOver.objects.get()
    assert (carry.source, carry.target, carry.amount) == (commitment, target, D("100000.00"))
    assert Commitment.objects.get(pk=commitment.pk).status == "closed"
    assert login(client, staff_user).post(url("commitment-carry-over", commitment), {"on_date": "2025-03-10"}
                                          ).status_code == 403


# --- imputations: after the final one, beyond the subscribed value ----------------------------------

def test_no_imputation_form_after_the_final_imputation(client, commitment, staff_user):
    impute(commitment, staff_user, "1000000", kind="final")
    page = login(client, staff_user).get(detail(commitment))
    assert 'id="imputation-form"' not in text(page)
    assert ("La dernière imputation (définitive) de l'engagement est déjà enregistrée : aucune autre imputation "
            "n'est admise.") in text(page)
    response = client.post(url("commitment-impute", commitment), {"amount": "10", "currency": "MAD",
                                                                  "on_date": "2025-03-12"})
    assert response.context["imputation_form"].errors["kind"] == [
        "La dernière imputation (définitive) de l'engagement est déjà enregistrée : aucune autre imputation "
        "n'est admise."]
    assert Imputation.objects.count() == 1


def test_an_imputation_beyond_the_subscribed_value_is_flagged(client, commitment, staff_user):
    login(client, staff_user)
    response = client.post(url("commitment-impute", commitment), {
        "amount": "1050000", "currency": "MAD", "on_date": "2025-03-12", "kind": "partial"})
    page = client.get(response["Location"])
    assert notes(page) == [
        "Imputation de 1 050 000,00 MAD enregistrée.",
        "Imputé au-delà de la valeur souscrite : 1 050 000,00 MAD imputés pour 1 000 000,00 MAD souscrits "
        "(dépassement de 50 000,00 MAD, réglable puisqu'imputé par la douane)."]
    assert "au-delà du souscrit" in text(page)


def test_a_bank_user_sees_the_steps_of_its_own_role_only(client, commitment, agent_a):
    page = text(login(client, agent_a).get(detail(commitment)))
    assert 'id="imputation-form"' not in page and 'id="bank-change-form"' not in page and 'id="edit-link"' not in page
    assert "Règlements et report d'acomptes" in page


def test_importer_attributes_decide_the_rate_at_subscription(client, staff_user, bank_a):
    exporter = ImporterFactory(name="Exportateur SA", is_exporter_with_fx_account=True)
    login(client, staff_user).post(reverse("exchange:commitment-create"),
                                   _subscription(exporter, bank_a, contract_advance_rate="60"))
    assert Commitment.objects.get(number="EI-NOUVEAU").contract_advance_rate == D("60")


def test_a_refused_bank_step_re_renders_the_page_without_staff_forms(client, subscribed, agent_a):
    response = login(client, agent_a).post(url("commitment-domiciliate", subscribed), {})
    page = text(response)
    assert response.status_code == 200 and 'id="domiciliation-form"' in page
    assert 'id="edit-link"' not in page and 'id="imputation-form"' not in page and 'id="bank-change-form"' not in page
