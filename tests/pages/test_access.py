"""Every page: login required, roles enforced (broker works, auditor reads, bank 403)."""
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from declarations.models import Declaration, EtppAuthorisation
from declarations.tests.factories import PartyFactory, make_declaration, make_etpp_authorisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(db):
    party = PartyFactory()
    return {
        "declaration": make_declaration(party=party),
        "authorisation": make_etpp_authorisation(exporter=party, code="2309.10.00.00", issued=False),
    }


def url(name, objects):
    if name in ("declarations:detail", "declarations:register", "declarations:liquidate",
                "declarations:reliquidate", "declarations:cancel", "declarations:document-add"):
        return reverse(name, args=[objects["declaration"].pk])
    if name in ("declarations:etpp-detail", "declarations:etpp-issue"):
        return reverse(name, args=[objects["authorisation"].pk])
    if name == "tariff:line":
        return reverse(name, args=["8517130000"])
    return reverse(name)


READ_PAGES = ["home", "tariff:search", "tariff:calculator", "tariff:line", "declarations:list",
              "declarations:detail", "declarations:etpp-list", "declarations:etpp-detail"]
WRITER_PAGES = ["declarations:create", "declarations:etpp-create"]
POST_ACTIONS = ["declarations:create", "declarations:register", "declarations:liquidate", "declarations:reliquidate",
                "declarations:cancel", "declarations:etpp-create", "declarations:etpp-issue",
                "declarations:document-add"]


@pytest.mark.parametrize("name", READ_PAGES + WRITER_PAGES)
def test_anonymous_is_sent_to_the_login_page(client, objects, name):
    response = client.get(url(name, objects))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("name", POST_ACTIONS)
def test_anonymous_post_is_sent_to_the_login_page(client, objects, name):
    response = client.post(url(name, objects), {"date": "2024-03-01", "reason": "x"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", [n for n in READ_PAGES + WRITER_PAGES if n != "home"])
def test_bank_user_is_refused_every_page(bank, objects, name):
    response = bank.get(url(name, objects))
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


@pytest.mark.parametrize("name", POST_ACTIONS)
def test_bank_user_cannot_post(bank, objects, name):
    assert bank.post(url(name, objects), {"date": "2024-03-01"}).status_code == 403


@pytest.mark.parametrize("name", READ_PAGES)
def test_auditor_reads_every_page(auditor, objects, name):
    assert auditor.get(url(name, objects)).status_code == 200


@pytest.mark.parametrize("name", WRITER_PAGES)
def test_auditor_does_not_get_the_creation_forms(auditor, objects, name):
    assert auditor.get(url(name, objects)).status_code == 403


@pytest.mark.parametrize("name", POST_ACTIONS + ["declarations:list", "tariff:calculator"])
def test_auditor_post_is_refused_and_changes_nothing(auditor, objects, name):
    response = auditor.post(url(name, objects), {"date": "2024-03-01", "reason": "contrôle",
                                                 "issued_on": "2025-08-20", "valid_from": "2025-08-20"})
    assert response.status_code == 403
    assert Declaration.objects.get().status == Declaration.Status.DRAFT
    assert EtppAuthorisation.objects.get().issued_on is None


def test_auditor_sees_no_write_buttons(auditor, objects):
    detail = auditor.get(url("declarations:detail", objects)).content.decode()
    assert reverse("declarations:register", args=[objects["declaration"].pk]) not in detail
    assert "csrfmiddlewaretoken" not in detail.split("</header>", 1)[1]
    listing = auditor.get(reverse("declarations:list")).content.decode()
    assert reverse("declarations:create") not in listing
    etpp = auditor.get(url("declarations:etpp-detail", objects)).content.decode()
    assert reverse("declarations:etpp-issue", args=[objects["authorisation"].pk]) not in etpp


def test_broker_sees_the_write_buttons(broker, objects):
    detail = broker.get(url("declarations:detail", objects)).content.decode()
    assert reverse("declarations:register", args=[objects["declaration"].pk]) in detail
    assert reverse("declarations:create") in broker.get(reverse("declarations:list")).content.decode()


@pytest.mark.parametrize("name", READ_PAGES + WRITER_PAGES)
def test_broker_opens_every_page(broker, objects, name):
    assert broker.get(url(name, objects)).status_code == 200


@pytest.mark.parametrize("name", READ_PAGES + WRITER_PAGES)
def test_superuser_opens_every_page(client, objects, name):
    client.force_login(get_user_model().objects.create_superuser("root", password="pw-root"))
    assert client.get(url(name, objects)).status_code == 200


def test_reference_editor_reads_the_tariff_but_not_the_declarations(editor, objects):
    for name in ("home", "tariff:search", "tariff:calculator", "tariff:line"):
        assert editor.get(url(name, objects)).status_code == 200
    for name in ("declarations:list", "declarations:detail", "declarations:etpp-list"):
        assert editor.get(url(name, objects)).status_code == 403


def test_forms_carry_a_csrf_token_and_a_post_without_it_is_refused(broker_user, objects):
    client = Client(enforce_csrf_checks=True)
    client.force_login(broker_user)
    for name in ("declarations:create", "declarations:etpp-create", "declarations:detail"):
        assert "csrfmiddlewaretoken" in client.get(url(name, objects)).content.decode()
    response = client.post(url("declarations:register", objects), {"date": "2024-03-01"})
    assert response.status_code == 403
    assert Declaration.objects.get().status == Declaration.Status.DRAFT


def test_navigation_links_and_logout_form(broker):
    html = broker.get(reverse("home")).content.decode()
    for label in ("Tableau de bord", "Tarif", "Déclarations", "Autorisations ETPP", "API", "Déconnexion"):
        assert label in html
    assert "Administration" not in html  # not staff
    assert f'action="{reverse("logout")}"' in html
