"""The admin export page under the CSP (templates/admin/import_export/export.html): French, no
inline handler, and « Tout sélectionner » unchecks and checks every column (the ``page`` fixture
fails the test on any CSP violation)."""
import pytest

from conftest import make_user
from tariff.kit.roles import REFERENCE_EDITOR
from tariff.models import DutyRate

pytestmark = pytest.mark.django_db(transaction=True)


def log_in_to(page, url: str, username: str) -> None:
    """A reference editor (staff) logs in to the admin and lands on ``url``."""
    make_user(username, REFERENCE_EDITOR, is_staff=True)
    page.goto(f"/admin/login/?next={url}")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.click("input[type=submit]")
    page.wait_for_url(f"**{url}")


def test_the_export_page_select_all_toggle_works_under_the_csp(page, screenshots):
    log_in_to(page, "/admin/tariff/dutyrate/export/", "editor-e2e")
    columns = page.locator('.selectable-field-export-row input[type="checkbox"]:visible')
    assert columns.count() >= 5 and all(columns.nth(i).is_checked() for i in range(columns.count()))
    assert page.get_by_text("Tout sélectionner").is_visible() and not page.get_by_text("Select all").count()
    page.uncheck("#select-all-toggle")
    assert not any(columns.nth(i).is_checked() for i in range(columns.count()))
    page.check("#select-all-toggle")
    assert all(columns.nth(i).is_checked() for i in range(columns.count()))
    page.screenshot(path=str(screenshots / "admin-export-select-all.png"), full_page=True)


def test_an_admin_history_page_runs_under_the_csp(page):
    """django-simple-history's list without its inline style (templates/simple_history/)."""
    rate = DutyRate.objects.order_by("pk").first()
    log_in_to(page, f"/admin/tariff/dutyrate/{rate.pk}/history/", "editor-history")
    assert page.locator("p.paginator").count() == 1
