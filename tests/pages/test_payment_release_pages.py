"""Declaration page: pay the liquidation, record the release, print the note; the "à payer" list."""
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from declarations.models import Declaration
from declarations.tests.factories import liquidated_pet_food, make_declaration

from .helpers import messages_of

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate().strftime("%d/%m/%Y")


def test_the_broker_pays_then_releases_from_the_declaration_page(broker):
    d = liquidated_pet_food()
    page = broker.get(reverse("declarations:detail", args=[d.pk])).content.decode()
    assert 'id="payment-form"' in page and 'id="release-form"' not in page and "data-confirm" in page
    wrong = broker.post(reverse("declarations:payment", args=[d.pk]),
                        {"paid_on": TODAY, "amount": "4 000,00", "means": "bank", "reference": "Q-1"}, follow=True)
    assert any("doit être égal au total de la liquidation" in m for m in messages_of(wrong))
    d.refresh_from_db()
    assert d.status == Declaration.Status.LIQUIDATED
    paid = broker.post(reverse("declarations:payment", args=[d.pk]),
                       {"paid_on": TODAY, "amount": "4428,00", "means": "e_payment", "reference": "QUIT-9"},
                       follow=True)
    assert any("Paiement de 4" in m for m in messages_of(paid))
    assert 'id="release-form"' in paid.content.decode()
    cleared = broker.post(reverse("declarations:release", args=[d.pk]), {"released_on": TODAY, "reference": "BAE-9"},
                          follow=True)
    d.refresh_from_db()
    assert d.status == Declaration.Status.CLEARED and "BAE-9" in cleared.content.decode()


def test_the_page_prints_the_liquidation_note_as_pdf(broker):
    d = liquidated_pet_food()
    response = broker.get(reverse("declarations:liquidation-note", args=[d.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).replace("\xa0", " ")
    assert "4 428,00 MAD" in text
    draft = make_declaration()
    refused = broker.get(reverse("declarations:liquidation-note", args=[draft.pk]), follow=True)
    assert any("pas encore liquidée" in m for m in messages_of(refused))


def test_the_to_pay_list_shows_amount_and_age(broker):
    d = liquidated_pet_food()
    page = broker.get(reverse("declarations:to-pay")).content.decode()
    assert d.reference in page and "4\xa0428,00" in page and "1 déclaration liquidée non payée" in page


def test_bank_users_cannot_reach_declaration_steps(client, django_user_model):
    from conftest import make_user
    from tariff.kit.roles import BANK_USER

    d = liquidated_pet_food()
    client.force_login(make_user("bank", BANK_USER))
    assert client.get(reverse("declarations:liquidation-note", args=[d.pk])).status_code == 403
    assert client.post(reverse("declarations:payment", args=[d.pk]), {"paid_on": TODAY, "amount": "4428,00",
                                                                      "means": "bank", "reference": "X"}).status_code == 403
    assert Decimal(d.liquidations.get().total) == Decimal("4428.00")
