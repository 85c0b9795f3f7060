"""Layout (issue 21): at 1366 px the menu holds on one row; at 390 px it folds behind a button;
no page of the main ones scrolls sideways (tables scroll inside their box). Screenshots of each
page at both widths in artifacts/screenshots/."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from .conftest import CHROMIUM
from .test_back_office import log_in

if not CHROMIUM.exists():
    pytest.skip("Chromium absent (/usr/bin/chromium) : apt-get install chromium", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="paquet python playwright absent (pip install playwright)")

pytestmark = pytest.mark.django_db(transaction=True)

OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


def _files():
    from declarations.services import declaration_liquidate, declaration_register
    from declarations.tests.factories import PartyFactory, article, make_declaration
    from declarations.tests.factories import pay as pay_declaration
    from exchange.tests.factories import BankFactory, CommitmentFactory, bank_user_for, domiciled_commitment
    from exchange.tests.factories import pay as pay_commitment
    from litigation.tests.factories import CasePartyFactory, case_with

    declaration = make_declaration(party=PartyFactory(name="Société Atlas de Distribution Alimentaire SARL"),
                                   articles=[article("2309.10.00.00", value="263500", quantity="12000")])
    declaration_register(declaration=declaration, on_date=dt.date(2025, 3, 1))
    declaration_liquidate(declaration=declaration)
    pay_declaration(declaration, reference="QUIT-2025-000123456")
    commitment = CommitmentFactory()
    agent = bank_user_for(BankFactory(code="bmce-layout", name="Banque Marocaine du Commerce Extérieur"))
    domiciled = domiciled_commitment(bank_user=agent, currency="EUR", subscribed_amount=Decimal("120000.00"))
    pay_commitment(domiciled, agent, "advance", "20000.00")
    case = case_with("297", "8°")
    CasePartyFactory(case=case, party__name="Société Atlas de Distribution Alimentaire SARL")
    return {"declaration": declaration, "commitment": commitment, "case": case}


def test_main_pages_fit_at_1366_and_390_pixels(page, screenshots):
    from conftest import make_user

    make_user("staff-layout", is_staff=True, is_superuser=True, first_name="Salma", last_name="Bennani")
    files = _files()
    pages = {
        "dashboard": "/", "declarations": "/declarations/", "declaration": f"/declarations/{files['declaration'].pk}/",
        "etpp": "/etpp-authorisations/", "recalculations": "/recalculations/", "tariff": "/tariff/?q=2309",
        "commitments": "/commitments/", "commitment": f"/commitments/{files['commitment'].pk}/",
        "cases": "/litigation/cases/", "case": f"/litigation/cases/{files['case'].pk}/", "search": "/search/?q=atlas",
        "payments": "/commitments/payments/", "declaration-payments": "/declarations/payments/",
    }
    log_in(page, "staff-layout", "pw-staff-layout")
    overflowing = []
    for width in (1366, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for name, url in pages.items():
            page.goto(url)
            page.screenshot(path=str(screenshots / f"layout-{name}-{width}.png"), full_page=True)
            if not page.evaluate(OVERFLOW):
                overflowing.append(f"{name} @ {width}px: {page.evaluate('document.documentElement.scrollWidth')}")
            if width == 1366:
                tops = page.eval_on_selector_all("nav[aria-label] a", "links => links.map(a => a.offsetTop)")
                assert len(set(tops)) == 1, f"{name}: the menu wraps at 1366 px ({tops})"
                assert not page.is_visible(".menu-toggle")
    assert not overflowing, "\n".join(overflowing)


def test_the_menu_folds_behind_a_button_on_a_phone(page, screenshots):
    from conftest import make_user
    from tariff.kit.roles import BROKER_STAFF

    make_user("broker-phone", BROKER_STAFF)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, "broker-phone", "pw-broker-phone")
    assert page.is_visible(".menu-toggle") and not page.is_visible("nav[aria-label] >> text=Déclarations")
    assert page.evaluate("document.querySelector('header').offsetHeight") < 80
    page.click(".menu-toggle")
    assert page.get_attribute(".menu-toggle", "aria-expanded") == "true"
    page.screenshot(path=str(screenshots / "layout-menu-open-390.png"), full_page=True)
    page.click("nav[aria-label] >> text=Déclarations")
    page.wait_for_url("**/declarations/")
    assert page.evaluate(OVERFLOW)
