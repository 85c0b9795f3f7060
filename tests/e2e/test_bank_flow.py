"""A commitment's steps in a real browser, each by the role that takes it (issue 17): the bank
domiciles (concordance confirmed), staff edit the commitment and ask for a bank change, the bank
validates the modification and records its settlements, the new bank accepts the transfer
(screenshots in artifacts/screenshots/)."""
from __future__ import annotations

from decimal import Decimal as D

import pytest

from .conftest import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip("Chromium absent (/usr/bin/chromium) : apt-get install chromium", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="paquet python playwright absent (pip install playwright)")

pytestmark = pytest.mark.django_db(transaction=True)


def plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


def log_in(page, username: str) -> None:
    page.goto("/")
    if "/accounts/login/" not in page.url:
        page.click("button:has-text('Déconnexion')")
        page.goto("/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.click("button:has-text('Se connecter')")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_bank_domiciles_staff_edit_bank_validates_and_the_new_bank_accepts_a_transfer(page, screenshots):
    from conftest import make_user
    from exchange import services
    from exchange.models import BankChange, BankUser, Commitment, Modification
    from exchange.tests.factories import BankFactory, ImporterFactory
    from tariff.kit.roles import BANK_USER, BROKER_STAFF

    bank_a = BankFactory(code="bmce", name="BMCE Bank of Africa")
    bank_b = BankFactory(code="awb", name="Attijariwafa bank")
    agent_a = make_user("agent-a", BANK_USER, first_name="Karim", last_name="Alaoui")
    agent_b = make_user("agent-b", BANK_USER, first_name="Nadia", last_name="Tazi")
    BankUser.objects.create(user=agent_a, bank=bank_a)
    BankUser.objects.create(user=agent_b, bank=bank_b)
    staff = make_user("broker-e2e", BROKER_STAFF, first_name="Salma", last_name="Bennani")
    commitment = services.commitment_create(
        user=staff, number="EI-2025-000077", importer=ImporterFactory(name="Atlas Equipement SA"), bank=bank_a,
        currency="MAD", subscribed_amount=D("1000000"), goods_description="Compresseurs industriels",
        contract_reference="CT-2025-12", contract_advance_rate=D("30"),
    )
    page.on("dialog", lambda dialog: dialog.accept())  # buttons with data-confirm ask first

    # --- bank A: the commitment "not domiciled" now shows the Domicilier action
    log_in(page, "agent-a")
    page.click("text=EI-2025-000077")
    page.wait_for_selector("#domiciliation-form")
    assert page.inner_text("#status") == "Souscrit"
    page.click("button[name=domiciliate]")  # concordance not confirmed: refused, nothing written
    error = plain(page.inner_text("#domiciliation-form .has-error"))
    assert "La banque doit confirmer la concordance du contrat commercial et de l'engagement." in error
    assert Commitment.objects.get(pk=commitment.pk).status == "subscribed"
    page.check("#id_contract_concordance_confirmed")
    page.screenshot(path=str(screenshots / "bank-domiciliation.png"), full_page=True)
    page.click("button[name=domiciliate]")
    assert "Engagement EI-2025-000077 domicilié." in plain(page.inner_text(".messages"))
    assert page.inner_text("#status") == "Domicilié"
    assert page.locator("#domiciliation-form").count() == 0

    # --- staff: edit the commitment (a modification for the bank), then ask for a bank change
    log_in(page, "broker-e2e")
    page.goto(f"/commitments/{commitment.pk}/")
    page.click("#edit-link")
    page.fill("#id_subscribed_amount", "1200000")
    page.fill("#id_total_import_value", "1200000")
    page.fill("#id_reason", "Avenant n° 1 au contrat")
    page.screenshot(path=str(screenshots / "commitment-edit.png"), full_page=True)
    page.click("button[name=modify]")
    assert "elle prend effet quand BMCE Bank of Africa la valide" in plain(page.inner_text(".messages"))
    assert "En attente de validation par BMCE Bank of Africa." in plain(page.inner_text("#modifications"))
    assert "1 000 000,00 MAD" in plain(page.inner_text("#commitment-facts"))  # not before the bank validates
    page.select_option("#id_to_bank", str(bank_b.pk))
    page.fill("#bank-change-form [name=reason]", "Regroupement des opérations")
    page.click("button[name=request_bank_change]")
    assert "Changement de banque demandé" in plain(page.inner_text(".messages"))

    # --- bank A: validates the modification, then records its settlements for the transfer
    log_in(page, "agent-a")
    page.goto(f"/commitments/{commitment.pk}/")
    modification = Modification.objects.get()
    page.screenshot(path=str(screenshots / "bank-modification.png"), full_page=True)
    page.click(f"#modification-{modification.pk} button[value=validate]")
    assert "Modification validée" in plain(page.inner_text(".messages"))
    assert "1 200 000,00 MAD" in plain(page.inner_text("#commitment-facts"))
    assert Commitment.objects.get(pk=commitment.pk).subscribed_amount == D("1200000.00")
    page.click("#bank-changes >> text=Renseigner les règlements")
    page.click("button[value=settlements]")
    assert "Attijariwafa bank peut accepter le transfert" in plain(page.inner_text(".messages"))

    # --- bank B: the transfer waits on its list; it accepts in the browser
    log_in(page, "agent-b")
    assert "À vous : accepter ou refuser" in plain(page.inner_text("#pending-transfers"))
    page.click("#pending-transfers >> text=EI-2025-000077")
    page.wait_for_selector("#pending-transfer")
    assert page.locator("#headroom").count() == 0  # not its ledger before the transfer
    page.screenshot(path=str(screenshots / "bank-transfer.png"), full_page=True)
    page.click("button[value=accept]")
    assert "est domicilié chez Attijariwafa bank" in plain(page.inner_text(".messages"))
    assert "Attijariwafa bank" in page.inner_text("#commitment-facts")
    assert BankChange.objects.get().status == "accepted"
    assert Commitment.objects.get(pk=commitment.pk).bank == bank_b
    page.screenshot(path=str(screenshots / "bank-transfer-accepted.png"), full_page=True)
