"""Audit history per object (issue 8): a change made on the page shows, with its user and
its fields old → new, in the declaration's page and in the admin history view."""
import datetime as dt

import pytest
from django.urls import reverse

from conftest import make_user
from declarations.models import Liquidation
from declarations.services import declaration_liquidate, declaration_register, declaration_reliquidate
from tariff.kit.history import history_entries
from tariff.kit.roles import AUDITOR

from .factories import make_declaration

pytestmark = pytest.mark.django_db


def page_text(response) -> str:
    return response.content.decode().replace("\xa0", " ").replace("\u202f", " ")


def history_section(response) -> str:
    return page_text(response).split('id="change-history"', 1)[1]


@pytest.fixture
def broker(client, broker_user):
    broker_user.first_name, broker_user.last_name = "Salma", "Bennani"
    broker_user.save()
    client.force_login(broker_user)
    return client


def test_registration_on_the_page_is_in_the_declaration_history_with_user_and_old_new_values(broker):
    declaration = make_declaration()
    response = broker.post(reverse("declarations:register", args=[declaration.pk]), {"date": "2024-03-01"})
    assert response.status_code == 302

    entries = history_entries(declaration)
    assert [e.change_label for e in entries] == ["Modification", "Création"]
    latest = entries[0]
    assert latest.user == "Salma Bennani"
    changes = {c.label: (c.old, c.new) for c in latest.changes}
    assert changes["statut"] == ("Brouillon", "Enregistrée")
    assert changes["date d'enregistrement (taux applicables)"] == ("—", "01/03/2024")

    section = history_section(broker.get(reverse("declarations:detail", args=[declaration.pk])))
    assert "Salma Bennani" in section
    assert "<strong>Statut</strong> : Brouillon → Enregistrée" in section
    assert "01/03/2024" in section


def test_liquidations_are_in_the_declaration_history(broker, broker_user):
    declaration = make_declaration()
    declaration_register(declaration=declaration, on_date=dt.date(2024, 3, 1))
    assert broker.post(reverse("declarations:liquidate", args=[declaration.pk])).status_code == 302
    # The bulk path of re-liquidation (recalculation runs) writes its history too.
    declaration_reliquidate(declaration=declaration, user=broker_user, reason="Contrôle a posteriori",
                            only_if_changed=False)

    first, second = Liquidation.objects.filter(declaration=declaration).order_by("sequence")
    labels = [(e.object_label, e.change_label, e.user) for e in history_entries(declaration, related=[[first, second]])]
    assert (f"Liquidation {first}", "Création", "Salma Bennani") in labels
    assert (f"Liquidation {second}", "Création", "Salma Bennani") in labels
    superseded = next(e for e in history_entries(first) if e.change_label == "Modification")
    assert superseded.user == "Salma Bennani" and superseded.reason == "Contrôle a posteriori"
    assert [(c.label, c.old, c.new) for c in superseded.changes] == [("en vigueur", "oui", "non")]

    section = history_section(broker.get(reverse("declarations:detail", args=[declaration.pk])))
    assert f"Liquidation {second}" in section
    assert "<strong>En vigueur</strong> : oui → non" in section
    assert "<strong>Statut</strong> : Enregistrée → Liquidée" in section


def test_the_admin_history_view_shows_the_user_and_the_diff(broker, admin_client):
    declaration = make_declaration()
    broker.post(reverse("declarations:register", args=[declaration.pk]), {"date": "2024-03-01"})
    html = page_text(admin_client.get(reverse("admin:declarations_declaration_history", args=[declaration.pk])))
    assert "broker" in html  # the user who registered it
    assert "Brouillon" in html and "Enregistrée" in html and "01/03/2024" in html

    declaration_liquidate(declaration=declaration)
    liquidation = Liquidation.objects.get(declaration=declaration)
    response = admin_client.get(reverse("admin:declarations_liquidation_history", args=[liquidation.pk]))
    assert response.status_code == 200


def test_an_auditor_reads_the_history_but_the_admin_offers_no_revert(client):
    declaration = make_declaration()
    auditor = make_user("auditor-history", AUDITOR, is_staff=True)
    client.force_login(auditor)
    assert "change-history" in client.get(reverse("declarations:detail", args=[declaration.pk])).content.decode()
    assert client.get(reverse("admin:declarations_declaration_history", args=[declaration.pk])).status_code == 200
