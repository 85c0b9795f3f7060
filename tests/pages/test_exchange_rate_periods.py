"""Issue 18 point 4: the customs exchange rate in force shown on the declaration, and the
dashboard's warning when an open declaration's currency has no rate in force today."""
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from declarations.models import Declaration
from declarations.tests.factories import liquidated_pet_food, make_declaration
from tariff.models import ExchangeRate

from .helpers import text

pytestmark = pytest.mark.django_db


def usd_rate(valid_from, valid_to, rate="9.95"):
    return ExchangeRate.objects.create(currency="USD", rate=Decimal(rate), valid_from=valid_from, valid_to=valid_to,
                                       source="test")


@pytest.fixture
def usd_drafts():
    usd_rate(dt.date(2025, 1, 1), dt.date(2025, 12, 31))  # a past period only: none in force today
    drafts = [make_declaration(currency="USD") for _ in range(3)]
    Declaration.objects.filter(pk=drafts[2].pk).update(status=Declaration.Status.CLEARED)  # not open any more
    return drafts


def test_the_dashboard_names_a_currency_of_open_declarations_without_a_rate_today(broker, usd_drafts):
    response = broker.get(reverse("home"))
    rows = response.context["missing_exchange_rates"]
    assert [(r.currency, r.declarations) for r in rows] == [("USD", 2)]
    html = text(response)
    assert "Cours de change douaniers à importer" in html
    assert "2 déclarations en cours (brouillons, enregistrées ou liquidées) ne peuvent pas être valorisées." in html


def test_the_warning_goes_once_the_period_of_today_is_imported(broker, usd_drafts):
    today = timezone.localdate()
    usd_rate(today - dt.timedelta(days=1), today + dt.timedelta(days=14))
    response = broker.get(reverse("home"))
    assert response.context["missing_exchange_rates"] == []
    assert "Cours de change douaniers à importer" not in text(response)


def test_an_editor_gets_the_warning_with_the_import_link(editor, usd_drafts):
    html = text(editor.get(reverse("home")))
    assert 'data-currency="USD"' in html
    assert reverse("admin:tariff_referenceimport_add") + "?table=exchange_rates" in html


def test_a_draft_shows_the_rate_in_force_today(broker):
    draft = make_declaration(currency="EUR")
    html = text(broker.get(reverse("declarations:detail", args=[draft.pk])))
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert "Cours douanier EUR" in html
    assert f"1 EUR = 10,8 MAD, en vigueur du 01/01/2020 — cours du {today}" in html


def test_a_draft_in_a_currency_without_a_rate_today_says_so(broker, usd_drafts):
    html = text(broker.get(reverse("declarations:detail", args=[usd_drafts[0].pk])))
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert f"Aucun cours de change douanier USD en vigueur le {today}" in html


def test_a_liquidated_declaration_shows_the_rate_its_liquidation_applied(broker):
    declaration = liquidated_pet_food(on=dt.date(2025, 3, 1))
    html = text(broker.get(reverse("declarations:detail", args=[declaration.pk])))
    assert "1 EUR = 10,8 MAD, en vigueur du 01/01/2020 — cours de la liquidation en vigueur" in html
