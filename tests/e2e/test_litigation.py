"""Issue 22 in a real browser: a litigation case worked from the page — add the 297-8°
offence, move it to review, record a transaction (fine retained 20,000 DH, 50 % remitted →
10,000 DH plus the duties), file the transaction agreement (PDF), download it, close the case
(each transition confirmed in the browser). Screenshots in artifacts/screenshots/."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from .conftest import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip("Chromium absent (/usr/bin/chromium) : apt-get install chromium", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="paquet python playwright absent (pip install playwright)")

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button:has-text('Se connecter')")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_work_a_297_8_case_from_review_to_closure(page, screenshots, settings, tmp_path):
    from conftest import make_user
    from litigation.models import Case, CaseDocument, Settlement
    from litigation.tests.factories import CaseFactory, CasePartyFactory
    from tariff.kit.roles import BROKER_STAFF

    settings.MEDIA_ROOT = str(tmp_path)
    make_user("broker-ctx", BROKER_STAFF, first_name="Youssef", last_name="Alami")
    # Documents required by the DUM not annexed (CDII art. 297-8°, from 2024-01-01); 4,000 DH of
    # duties on the goods seized stay due whatever the transaction (art. 275).
    case = CaseFactory(reference="CTX-E2E-0297", office="309 Casablanca-Port", facts_date=dt.date(2024, 3, 1),
                       duties_compromised=Decimal("4000"), duties_on_seized_goods=Decimal("4000"),
                       description="Certificat d'origine non annexé à la DUM.")
    CasePartyFactory(case=case, party__name="Atlas Import SARL")
    dialogs: list[str] = []

    def accept(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)

    log_in(page, "broker-ctx", "pw-broker-ctx")
    page.click("nav >> text=Contentieux")
    page.click("text=CTX-E2E-0297")
    assert page.inner_text("#status") == "Constatée"
    steps = page.locator("#case-steps [aria-current=step]")
    assert steps.inner_text().strip().endswith("Constatée")
    settle = plain(page.inner_text("#next-actions [data-action=settle]"))
    assert "Passez le dossier « En cours d'examen » pour enregistrer une transaction" in settle
    assert page.locator("#next-actions [data-action=settle] button").is_disabled()
    page.screenshot(path=str(screenshots / "case-reported.png"), full_page=True)

    # --- add the offence 297-8° (10,000 to 50,000 DH)
    page.select_option("#id_offence", "297|8°|")
    page.click("button:has-text('Ajouter l\\'infraction')")
    assert "Infraction 297-8° ajoutée au dossier." in page.inner_text(".messages")
    assert "10 000,00 DH – 50 000,00 DH" in plain(page.inner_text("#exposure"))

    # --- under review (confirmed)
    page.click("#next-actions button:has-text('Passer en cours d\\'examen')")
    page.wait_for_selector("#status:has-text('En cours d\\'examen')")
    assert dialogs[-1] == "Passer ce dossier « En cours d'examen » ?"
    assert "Le dossier est déjà en cours d'examen." in plain(page.inner_text("#next-actions"))

    # --- transaction: retained fine 20,000 DH, 50 % remitted
    page.click("#next-actions a:has-text('Enregistrer une transaction')")
    page.fill("#id_reference", "TR-2024-017")
    page.fill("#id_fine_retained", "20 000")
    page.fill("#id_fines_remitted", "10 000")
    page.screenshot(path=str(screenshots / "case-settlement-form.png"), full_page=True)
    page.click("button:has-text('Enregistrer la transaction')")
    page.wait_for_selector("#status:has-text('Réglée par transaction')")
    assert dialogs[-1].startswith("Enregistrer cette transaction ?")
    settlement = Settlement.objects.get(case=case)
    card = plain(page.inner_text(f"#settlement-{settlement.pk}"))
    assert "20 000,00 DH" in card
    assert plain(page.inner_text(f"#settlement-{settlement.pk} [data-amount=fines-payable]")) == "10 000,00 DH"
    assert plain(page.inner_text(f"#settlement-{settlement.pk} [data-amount=duties-due]")) == "4 000,00 DH"
    assert plain(page.inner_text(f"#settlement-{settlement.pk} [data-amount=amount-due]")) == "14 000,00 DH"

    # --- file the transaction agreement (PDF), then download it
    page.select_option("#id_kind", "settlement")
    page.fill("#id_title", "Acte de transaction TR-2024-017")
    page.set_input_files("#id_file", files=[{"name": "transaction.pdf", "mimeType": "application/pdf",
                                              "buffer": PDF}])
    page.click("button:has-text('Déposer le document')")
    assert "Document « Acte de transaction TR-2024-017 » déposé." in plain(page.inner_text(".messages"))
    assert "Acte de transaction TR-2024-017" in page.inner_text("#documents")
    assert CaseDocument.objects.filter(case=case).count() == 1
    with page.expect_download() as info:
        page.click("#documents a:has-text('Télécharger')")
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as downloaded:
        assert downloaded.read() == PDF
    page.screenshot(path=str(screenshots / "case-settled.png"), full_page=True)

    # --- close (confirmed)
    page.click("#next-actions button:has-text('Clôturer le dossier')")
    page.wait_for_selector("#status:has-text('Clôturée')")
    assert dialogs[-1] == "Clôturer ce dossier ? Un dossier clôturé ne peut plus être modifié."
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert page.locator("#add-document").count() == 0 and page.locator("#add-offence").count() == 0
    assert "Dossier clôturé : il ne peut plus être modifié." in plain(page.inner_text("#next-actions"))
    page.screenshot(path=str(screenshots / "case-closed.png"), full_page=True)
