"""The pages, the admin and the API docs work under the Content-Security-Policy (issue 19):
the ``page`` fixture fails the test on any violation Chromium reports."""
from __future__ import annotations

import pytest

from .conftest import CHROMIUM
from .test_back_office import log_in

if not CHROMIUM.exists():
    pytest.skip("Chromium absent (/usr/bin/chromium) : apt-get install chromium", allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="paquet python playwright absent (pip install playwright)")

pytestmark = pytest.mark.django_db(transaction=True)

PAGES = ["/", "/tariff/", "/declarations/", "/declarations/new/", "/etpp-authorisations/", "/recalculations/",
         "/commitments/", "/litigation/cases/", "/admin/", "/admin/tariff/tariffline/", "/admin/tariff/tariffline/import/",
         "/admin/tariff/financelaw/add/", "/api/docs/"]


def test_pages_admin_and_api_docs_run_under_the_csp(page):
    from conftest import make_user
    from tariff.kit.roles import BROKER_STAFF, REFERENCE_EDITOR

    make_user("csp-e2e", BROKER_STAFF, REFERENCE_EDITOR, is_staff=True)
    log_in(page, "csp-e2e", "pw-csp-e2e")
    for path in PAGES:
        response = page.goto(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        assert "private" in response.headers["cache-control"], path
        page.wait_for_load_state("networkidle")
    assert page.locator(".swagger-ui").count() == 1  # the docs rendered (their script ran)
    page.wait_for_selector(".opblock", timeout=15_000)


def test_a_what_if_started_in_the_browser_shows_its_impact(page, screenshots):
    """Issue 19: the what-if is a job started from the runs page (inline in the embedded mode)."""
    from conftest import make_user
    from declarations.tests.factories import liquidated_pet_food, pet_food_draft_law
    from tariff.kit.roles import BROKER_STAFF

    make_user("whatif-e2e", BROKER_STAFF)
    liquidated_pet_food()
    pet_food_draft_law("E2E")
    log_in(page, "whatif-e2e", "pw-whatif-e2e")
    page.goto("/recalculations/")
    page.click("#what-if-form button[type=submit]")
    page.wait_for_selector("#what-if-impact")
    text = page.inner_text("#what-if-impact").replace("\u202f", " ").replace("\xa0", " ")
    assert "1 déclaration changerait" in text and "-972,00 MAD" in text and "2309.10.00.00" in text
    page.screenshot(path=str(screenshots / "what-if.png"), full_page=True)
