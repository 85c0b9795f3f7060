"""The back office in a real browser: log in, create a two-article declaration, preview,
register, liquidate, read the totals, open the dashboard (screenshots in artifacts/)."""
from __future__ import annotations

import pytest

from .conftest import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip("Chromium absent (/usr/bin/chromium) : apt-get install chromium", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="paquet python playwright absent (pip install playwright)")

pytestmark = pytest.mark.django_db(transaction=True)


def plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


def log_in(page, username: str, password: str) -> None:
    page.goto("/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button:has-text('Se connecter')")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_wrong_password_is_refused_in_french(page):
    from conftest import make_user
    from tariff.kit.roles import BROKER_STAFF

    make_user("broker-e2e", BROKER_STAFF)
    page.goto("/accounts/login/")
    page.fill("#id_username", "broker-e2e")
    page.fill("#id_password", "wrong")
    page.click("button:has-text('Se connecter')")
    assert "mot de passe valides" in plain(page.inner_text(".errorlist"))
    assert "/accounts/login/" in page.url


def test_declaration_from_creation_to_liquidation_then_dashboard(page, screenshots):
    from conftest import make_user
    from declarations.models import Declaration
    from declarations.tests.factories import PartyFactory
    from tariff.kit.roles import BROKER_STAFF

    make_user("broker-e2e", BROKER_STAFF, first_name="Salma", last_name="Bennani")
    party = PartyFactory(name="Animalerie du Maroc SARL")

    page.on("dialog", lambda dialog: dialog.accept())  # the register/liquidate buttons ask to confirm
    log_in(page, "broker-e2e", "pw-broker-e2e")
    assert page.inner_text("h1") == "Tableau de bord"

    # --- create: header, freight and insurance, two articles (second row added by the button)
    page.click("nav >> text=Déclarations")
    page.click("text=Nouvelle déclaration")
    page.fill("#id_reference", "DUM-E2E-0001")
    page.fill("#id_customs_office", "309 Casablanca-Port")
    page.select_option("#id_procedure", "010")
    page.select_option("#id_party", label=party.name)
    page.fill("#id_invoice_total", "1000")
    page.fill("#id_invoice_currency", "EUR")
    page.fill("#id_freight_amount", "500")
    page.fill("#id_insurance_amount", "100")
    articles = [("Aliments pour chats", "600"), ("Aliments pour chiens", "400")]
    for i, (description, value) in enumerate(articles):
        if i:
            page.click("text=+ Ajouter un article")
        page.fill(f"#id_articles-{i}-tariff_line", "2309.10.00.00")
        page.fill(f"#id_articles-{i}-description", description)
        page.fill(f"#id_articles-{i}-origin_country", "FR")
        page.fill(f"#id_articles-{i}-invoiced_value", value)
        page.fill(f"#id_articles-{i}-quantity", value)
        page.fill(f"#id_articles-{i}-net_mass_kg", value)
    page.select_option("#id_documents-0-kind", "invoice")
    page.fill("#id_documents-0-reference", "FAC-2024-001")
    page.select_option("#id_documents-1-kind", "transport")
    page.fill("#id_documents-1-reference", "BL-778899")
    page.fill("#id_rates_date", "01/03/2024")

    # --- preview: customs value per article and the duties, nothing saved
    page.click("#preview-button")
    preview = plain(page.inner_text("#preview"))
    assert "11 400,00 MAD" in preview and "4 674,00" in preview
    assert "Valeur en douane : 6 840,00 MAD" in plain(page.inner_text("main form"))
    assert not Declaration.objects.exists()
    page.screenshot(path=str(screenshots / "declaration-preview.png"), full_page=True)

    # --- save the draft, register on 1 March 2024, liquidate (each step asks a confirmation)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.click("#save-button")
    page.wait_for_selector("#status")
    assert page.inner_text("#status") == "Brouillon"
    page.fill("#id_date", "01/03/2024")
    page.click("button[name=register]")
    assert "Déclaration enregistrée le 01/03/2024" in page.inner_text(".messages")
    assert page.inner_text("#status") == "Enregistrée"
    page.click("button[name=liquidate]")
    assert page.inner_text("#status") == "Liquidée"

    totals = plain(page.inner_text("#totals"))
    for amount in ("1 995,00", "0,00", "2 679,00", "4 674,00"):
        assert amount in totals, totals
    articles_table = plain(page.inner_text("#articles"))
    assert "6 840,00" in articles_table and "4 560,00" in articles_table
    assert "LF-55-23" in page.inner_text("#liquidation")
    assert any("Liquider" in message for message in dialogs) and any("Enregistrer" in m for m in dialogs)
    page.screenshot(path=str(screenshots / "declaration-detail.png"), full_page=True)

    # --- the liquidation note, then payment of the exact total and release
    note = page.request.get(page.get_attribute("#liquidation-note-link", "href"))
    assert note.status == 200 and note.headers["content-type"] == "application/pdf"
    page.fill("#payment-form [name=reference]", "QUIT-E2E-1")
    page.click("button[name=pay]")
    assert page.inner_text("#status") == "Payée"
    assert "Paiement de 4 674,00 MAD" in plain(page.inner_text(".messages"))
    page.fill("#release-form [name=reference]", "BAE-E2E-1")
    page.click("button[name=release]")
    assert page.inner_text("#status") == "Dédouanée (mainlevée)"
    assert "BAE-E2E-1" in page.inner_text("#payment-release")
    page.screenshot(path=str(screenshots / "declaration-cleared.png"), full_page=True)

    # --- dashboard: the month's duties and the chart
    page.click("nav >> text=Tableau de bord")
    assert "4 674,00" in plain(page.inner_text("#month-total"))
    assert page.locator("#duties-chart rect.bar").count() == 12
    assert page.inner_text("#status-counts [data-status=cleared] .value") == "1"
    page.screenshot(path=str(screenshots / "dashboard.png"), full_page=True)


def test_tariff_search_line_timeline_and_calculator(page, screenshots):
    from conftest import make_user
    from tariff.kit.roles import AUDITOR

    make_user("auditor-e2e", AUDITOR)
    log_in(page, "auditor-e2e", "pw-auditor-e2e")
    page.click("nav >> text=Tarif")
    page.fill("#id_q", "8517.13")
    page.click("button:has-text('Rechercher')")
    page.click("text=8517.13.00.00")
    page.fill("#id_date", "01/03/2024")
    page.click("button:has-text('Afficher')")
    assert "17,5 %" in plain(page.inner_text(".timeline li.in-force"))
    page.screenshot(path=str(screenshots / "tariff-line.png"), full_page=True)

    page.fill("#id_customs_value", "10000")
    page.fill("#id_quantity", "10")
    page.click("button:has-text('Calculer') >> nth=0")
    result = plain(page.inner_text("#quote-result"))
    for amount in ("1 750,00", "500,00", "2 450,00", "4 700,00"):
        assert amount in result, result
    page.screenshot(path=str(screenshots / "calculator.png"), full_page=True)


def test_etpp_authorisation_with_two_items_and_the_overdue_list(page, screenshots):
    import datetime as dt

    from django.utils import timezone

    from conftest import make_user
    from declarations.tests.factories import PartyFactory, make_etpp_authorisation
    from tariff.kit.roles import BROKER_STAFF

    make_user("broker-e2e", BROKER_STAFF)
    exporter = PartyFactory(name="Textiles du Nord SA")
    late = make_etpp_authorisation(exporter=exporter, code="2309.10.00.00", issued=False, number="ETPP-ANCIENNE")
    type(late).objects.filter(pk=late.pk).update(requested_on=timezone.localdate() - dt.timedelta(days=75))

    log_in(page, "broker-e2e", "pw-broker-e2e")
    page.click("nav >> text=Autorisations ETPP")
    assert "en retard de 15 jours" in plain(page.inner_text("table"))
    page.click("text=Nouvelle demande")
    page.fill("#id_number", "ETPP-2025-0042")
    page.select_option("#id_exporter", label=exporter.name)
    page.select_option("#id_department", "industry_trade")
    page.fill("#id_requested_on", "01/08/2025")
    for i, (code, quantity) in enumerate([("2309.10.00.00", "1000"), ("8507.60.07.00", "50")]):
        if i:
            page.click("text=+ Ajouter une marchandise")
        page.fill(f"#id_items-{i}-tariff_line", code)
        page.fill(f"#id_items-{i}-quantity", quantity)
    page.click("button:has-text(\"Créer l'autorisation\")")
    page.wait_for_selector("#items")
    items = plain(page.inner_text("#items"))
    assert "2309.10.00.00" in items and "8507.60.07.00" in items and "1 000 kg" in items
    assert "Autorisation ETPP ETPP-2025-0042 créée." in page.inner_text(".messages")
    page.screenshot(path=str(screenshots / "etpp-detail.png"), full_page=True)


def test_commitment_advance_over_30_percent_refused_then_accepted(page, screenshots):
    """The domiciliary bank records advances on a 1,000,000 MAD commitment: 300,001 MAD is refused
    (30 % limit, French message, nothing written), 300,000 MAD accepted; staff then read the
    commitment with its headroom, payments and history."""
    from conftest import make_user
    from exchange.models import BankUser, Payment
    from exchange.tests.factories import BankFactory, ImporterFactory, domiciled_commitment
    from tariff.kit.roles import BANK_USER, BROKER_STAFF

    bank = BankFactory(code="bmce", name="BMCE Bank of Africa")
    agent = make_user("agent-e2e", BANK_USER, first_name="Karim", last_name="Alaoui")
    BankUser.objects.create(user=agent, bank=bank)
    make_user("broker-e2e", BROKER_STAFF, first_name="Salma", last_name="Bennani")
    commitment = domiciled_commitment(bank_user=agent, number="EI-2025-000042",
                                      importer=ImporterFactory(name="Atlas Equipement SA"))

    # --- the bank's payment page (login first, then back to the page)
    page.goto(f"/commitments/{commitment.pk}/payments/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "agent-e2e")
    page.fill("#id_password", "pw-agent-e2e")
    page.click("button:has-text('Se connecter')")
    page.wait_for_selector("#payment-form")
    assert "1 000 000,00 MAD" in plain(page.inner_text("#commitment-facts"))
    assert "300 000,00 MAD" in plain(page.inner_text("#headroom tr[data-rule=advance]"))

    page.select_option("#id_kind", "advance")
    page.fill("#id_amount", "300001")
    page.click("button[name=pay]")
    error = plain(page.inner_text("#payment-form .has-error"))
    assert "au-delà de 30 % de la valeur totale de l'importation (300 000,00 MAD)" in error, error
    assert not Payment.objects.exists()

    page.fill("#id_amount", "300000")
    page.click("button[name=pay]")
    assert "Acompte de 300 000,00 MAD enregistré." in plain(page.inner_text(".messages"))
    assert "300 000,00 MAD" in plain(page.inner_text("#payments"))
    assert plain(page.inner_text("#headroom tr[data-rule=advance] td.room")) == "0,00 MAD"
    assert Payment.objects.get().amount == 300000
    page.screenshot(path=str(screenshots / "commitment-payment.png"), full_page=True)

    # --- broker staff read the commitment: headroom, the bank's payment, history
    page.click("button:has-text('Déconnexion')")
    log_in(page, "broker-e2e", "pw-broker-e2e")
    page.click("nav >> text=Engagements")
    page.click("text=EI-2025-000042")
    page.wait_for_selector("#headroom")
    assert page.inner_text("#status") == "Domicilié"
    assert "Acompte" in page.inner_text("#payments") and "Karim Alaoui" in page.inner_text("#payments")
    assert "100 %" in page.inner_text("#headroom tr[data-rule=advance]")
    assert "Règlement Acompte" in page.inner_text("#change-history")
    page.screenshot(path=str(screenshots / "commitment.png"), full_page=True)
