"""Editing a draft declaration: the creation page filled with the draft, all or nothing."""
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from declarations.models import Declaration
from declarations.services import declaration_register, declaration_update_draft
from declarations.tests.factories import PartyFactory, make_declaration
from tariff.kit.errors import DomainError

from .helpers import declaration_post, messages_of, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(broker):
    party = PartyFactory(name="Animalerie du Maroc SARL")
    broker.post(reverse("declarations:create"), declaration_post(party=party))
    return Declaration.objects.get(reference="DUM-PAGE-1")


def edit_post(draft, **kw):
    data = declaration_post(party=draft.party, **kw)
    data["articles-INITIAL_FORMS"] = str(draft.articles.count())
    data["documents-INITIAL_FORMS"] = str(draft.documents.count())
    return data


def test_edit_page_shows_the_draft(broker, draft):
    html = text(broker.get(reverse("declarations:edit", args=[draft.pk])))
    for shown in ("Modifier le brouillon DUM-PAGE-1", 'value="2309.10.00.00"', "Aliments pour chiens", "BL-778899"):
        assert shown in html, shown
    assert "Modifier le brouillon" in text(broker.get(reverse("declarations:detail", args=[draft.pk])))


def test_broker_edits_articles_and_documents_of_a_draft(broker, draft):
    data = edit_post(draft, invoice_total="1100", articles=[
        {}, {"invoiced_value": "500", "quantity": "500", "net_mass_kg": "500", "description": "Croquettes chiens"}])
    data["documents-1-DELETE"] = "on"
    response = broker.post(reverse("declarations:edit", args=[draft.pk]), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.invoice_total == Decimal("1100.00")
    assert [(a.number, a.invoiced_value, a.description) for a in draft.articles.order_by("number")] == [
        (1, Decimal("600.00"), "Aliments pour chats"), (2, Decimal("500.00"), "Croquettes chiens")]
    assert list(draft.documents.values_list("reference", flat=True)) == ["FAC-2024-001"]
    assert "modifié" in " ".join(messages_of(broker.get(response["Location"])))


def test_a_bad_article_changes_nothing(broker, draft):
    data = edit_post(draft, invoice_total="1100", articles=[{}, {"tariff_line": "9999.99.99.99"}])
    response = broker.post(reverse("declarations:edit", args=[draft.pk]), data)
    assert response.status_code == 200 and "Position tarifaire inconnue" in text(response)
    draft.refresh_from_db()
    assert draft.invoice_total == Decimal("1000.00") and draft.articles.count() == 2


def test_registered_declaration_is_no_longer_edited(broker, draft):
    declaration_register(declaration=draft, on_date=dt.date(2024, 3, 1))
    response = broker.get(reverse("declarations:edit", args=[draft.pk]))
    assert response["Location"] == reverse("declarations:detail", args=[draft.pk])
    with pytest.raises(DomainError, match="Seul un brouillon"):
        declaration_update_draft(declaration=draft, articles=[], invoice_total=Decimal("1"))


def test_auditor_cannot_edit(auditor, db):
    declaration = make_declaration()
    assert auditor.get(reverse("declarations:edit", args=[declaration.pk])).status_code == 403
