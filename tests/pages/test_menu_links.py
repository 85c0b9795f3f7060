"""Every link of the menu opens for the role it is shown to: no menu entry leads to « Accès refusé »
(a reference editor alone sees the tariff, the recalculations and the admin, not the office's files)."""
import re

import pytest

from conftest import make_user
from exchange.tests.factories import BankFactory, bank_user_for
from tariff.kit.roles import AUDITOR, BROKER_STAFF, REFERENCE_EDITOR

pytestmark = pytest.mark.django_db

NAV = re.compile(r"<nav[^>]*>(.*?)</nav>", re.S)
HREF = re.compile(r'href="([^"]+)"')


def menu_links(client, start: str) -> list[str]:
    page = client.get(start, follow=True)
    assert page.status_code == 200
    return HREF.findall(NAV.search(page.content.decode()).group(1))


@pytest.mark.parametrize("role", [BROKER_STAFF, AUDITOR, REFERENCE_EDITOR, "bank"])
def test_every_menu_link_opens_for_its_role(client, role):
    user = bank_user_for(BankFactory(), "menu-bank") if role == "bank" else make_user(f"menu-{role}", role)
    client.force_login(user)
    links = menu_links(client, "/")
    assert links, "a menu"
    refused = {href: client.get(href).status_code for href in links}
    assert {href: status for href, status in refused.items() if status != 200} == {}
    if role == REFERENCE_EDITOR:
        assert "/declarations/" not in links and "/litigation/" not in links
    if role in (BROKER_STAFF, AUDITOR):
        assert "/declarations/" in links and "/commitments/" in links
