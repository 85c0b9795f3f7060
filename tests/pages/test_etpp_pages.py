"""ETPP authorisation pages: list with the 60-day due date, detail with imputations, creation."""
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from declarations.models import EtppAuthorisation
from declarations.services import declaration_register
from declarations.tests.factories import PartyFactory, article, make_declaration, make_etpp_authorisation

from .helpers import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def exporter(db):
    return PartyFactory(name="Textiles du Nord SA")


def item_post(**header):
    data = {
        "number": "ETPP-2025-0001", "department": "industry_trade", "exporter": "", "requested_on": "2025-08-01",
        "channel": "portnet", "issued_on": "", "valid_from": "", "valid_to": "",
        "items-TOTAL_FORMS": "2", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "1000",
        "items-0-tariff_line": "2309.10.00.00", "items-0-description": "Aliments", "items-0-quantity": "1000",
        "items-0-unit": "kg",
        "items-1-tariff_line": "8507.60.07.00", "items-1-description": "Cellules lithium", "items-1-quantity": "50",
        "items-1-unit": "u",
    }
    data.update(header)
    return data


def test_broker_creates_an_authorisation_with_two_items(broker, exporter):
    response = broker.post(reverse("declarations:etpp-create"), item_post(exporter=str(exporter.pk)))
    auth = EtppAuthorisation.objects.get(number="ETPP-2025-0001")
    assert response["Location"] == reverse("declarations:etpp-detail", args=[auth.pk])
    assert [(i.tariff_line.code, i.quantity, i.unit) for i in auth.items.order_by("id")] == [
        ("2309100000", Decimal("1000.000"), "kg"), ("8507600700", Decimal("50.000"), "u")]
    html = text(broker.get(response["Location"]))
    assert "8507.60.07.00" in html and "Cellules lithium" in html and "30/09/2025" in html  # due 60 days later


def test_creation_errors_are_french_and_on_their_field(broker, exporter):
    make_etpp_authorisation(exporter=exporter, code="2309.10.00.00", number="ETPP-2025-0001")
    data = item_post(exporter="", requested_on="", issued_on="2025-09-01", valid_from="2025-09-10",
                     valid_to="2025-09-01", **{"items-1-tariff_line": "1234", "items-1-quantity": "-1"})
    response = broker.post(reverse("declarations:etpp-create"), data)
    form, items = response.context["form"], response.context["items"].forms
    assert form.errors["number"] == ["Une autorisation porte déjà ce numéro."]
    assert form.errors["exporter"] == ["Ce champ est obligatoire."]
    assert form.errors["requested_on"] == ["Ce champ est obligatoire."]
    assert form.errors["valid_to"] == ["La fin de validité précède son début."]
    assert "10 chiffres attendus" in items[1].errors["tariff_line"][0]
    assert "supérieure ou égale à 0" in items[1].errors["quantity"][0]


def test_an_authorisation_needs_at_least_one_item(broker, exporter):
    data = item_post(exporter=str(exporter.pk), **{"items-TOTAL_FORMS": "0"})
    response = broker.post(reverse("declarations:etpp-create"), data)
    assert response.context["items"].non_form_errors() == ["Saisissez au moins une marchandise autorisée."]


def test_list_shows_the_due_date_and_an_overdue_badge_after_60_days(broker, exporter):
    today = timezone.localdate()
    late = make_etpp_authorisation(exporter=exporter, code="2309.10.00.00", issued=False, number="ETPP-LATE")
    EtppAuthorisation.objects.filter(pk=late.pk).update(requested_on=today - dt.timedelta(days=75))
    fresh = make_etpp_authorisation(exporter=exporter, code="2309.10.00.00", issued=False, number="ETPP-FRESH")
    EtppAuthorisation.objects.filter(pk=fresh.pk).update(requested_on=today - dt.timedelta(days=10))
    make_etpp_authorisation(exporter=exporter, code="2309.10.00.00", number="ETPP-ISSUED")
    response = broker.get(reverse("declarations:etpp-list"))
    rows = {auth.number: overdue for auth, overdue, _days in response.context["rows"]}
    assert rows == {"ETPP-LATE": True, "ETPP-FRESH": False, "ETPP-ISSUED": False}
    html = text(response)
    assert "en retard de 15 jours" in html and "en attente" in html and "délivrée le 20/08/2025" in html
    overdue_only = broker.get(reverse("declarations:etpp-list"), {"state": "overdue"}).context["rows"]
    assert [auth.number for auth, *_ in overdue_only] == ["ETPP-LATE"]


def test_detail_shows_the_quantities_imputed_by_declarations(broker, exporter):
    auth = make_etpp_authorisation(exporter=exporter, code="2309.10.00.00", quantity="1000")
    declaration = make_declaration(party=exporter, procedure_code="077", etpp_authorisation=auth,
                                   articles=[article(quantity="300")])
    declaration_register(declaration=declaration, on_date=dt.date(2025, 9, 1))
    response = broker.get(reverse("declarations:etpp-detail", args=[auth.pk]))
    [item] = response.context["items"]
    assert (item.quantity_used, item.quantity_left) == (Decimal("300.000"), Decimal("700.000"))
    html = text(response)
    assert f"{declaration.reference}</a> art. 1 : 300 kg" in html and "700 kg" in html


def test_broker_records_the_delivery_of_a_pending_request(broker, exporter):
    auth = make_etpp_authorisation(exporter=exporter, code="2309.10.00.00", issued=False)
    url = reverse("declarations:etpp-issue", args=[auth.pk])
    response = broker.post(url, {"issued_on": "2025-09-15", "valid_from": "2025-09-20", "valid_to": "2025-09-01"})
    assert response.status_code == 200
    assert response.context["issue_form"].errors["valid_to"] == ["La fin de validité précède son début."]
    response = broker.post(url, {"issued_on": "2025-09-15", "valid_from": "2025-09-15", "valid_to": "2026-09-14"})
    assert response.status_code == 302
    auth.refresh_from_db()
    assert (auth.issued_on, auth.valid_to) == (dt.date(2025, 9, 15), dt.date(2026, 9, 14))
