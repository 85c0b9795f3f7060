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
    from tariff.roles import BROKER_STAFF, REFERENCE_EDITOR

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
