"""The liquidation note (bulletin de liquidation) and the declaration summary as PDF: the
text read back holds the totals and each article's DI, TIC and VAT amounts and laws."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader

from conftest import make_user
from declarations import printing, selectors
from declarations.services import declaration_liquidate, declaration_register
from tariff.kit.roles import AUDITOR, BANK_USER

from .factories import article, liquidated_pet_food, make_declaration, pay

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def beer_and_pet_food():
    """Pet food (10,800 MAD: DI 17.5 % = 1,890; VAT 20 % = 2,538) and 330 l of malt beer (TIC
    table A of LF 2024: 1,550 MAD/hl → 5,115.00 MAD) registered in 2025."""
    from tariff.tests.factories import line_with_rate

    line_with_rate("2203000000", "30", description="Bières de malt")
    d = make_declaration(articles=[
        article("2309.10.00.00", value="1000"),
        article("2203.00.00.00", value="500", quantity="330", unit="l", attributes={"volume_l": "330"}),
    ])
    declaration_register(declaration=d, on_date=dt.date(2025, 3, 1))
    declaration_liquidate(declaration=d)
    return selectors.declaration_detail_queryset().get(pk=d.pk)


def test_the_liquidation_note_prints_each_article_tax_with_its_law_and_the_totals():
    d = beer_and_pet_food()
    liquidation = d.current_liquidation
    text = pdf_text(printing.liquidation_note_pdf(declaration=d))
    assert "Bulletin de liquidation" in text and d.reference in text and "309 Casablanca-Port" in text
    assert "010 — Mise à la" in text and d.party.name in text
    assert "1 EUR = 10,8 MAD" in text and "01/03/2025" in text
    for line in liquidation.lines.all():
        assert f"{line.amount:,.2f}".replace(",", "\xa0").replace(".", ",") in text or \
            f"{line.amount:,.2f}".replace(",", " ").replace(".", ",") in text
        assert line.law.code in text
    assert {line.tax for line in liquidation.lines.all()} == {"DI", "TIC", "TVA"}
    assert liquidation.lines.get(tax="TIC").amount == Decimal("5115.00") and "5 115,00" in text.replace("\xa0", " ")
    assert "1 890,00" in text.replace("\xa0", " ") and "2 538,00" in text.replace("\xa0", " ")
    total = f"{liquidation.total:,.2f}".replace(",", " ").replace(".", ",")
    assert f"{total} MAD" in text.replace("\xa0", " ")


def test_the_summary_prints_articles_and_payment():
    d = liquidated_pet_food()
    pay(d, reference="QUIT-77")
    d = selectors.declaration_detail_queryset().get(pk=d.pk)
    text = pdf_text(printing.declaration_summary_pdf(declaration=d)).replace("\xa0", " ")
    assert "Récapitulatif de la déclaration" in text and "2309.10.00.00" in text
    assert "10 800,00" in text and "4 428,00" in text and "QUIT-77" in text


def test_the_api_serves_the_note_as_pdf_and_refuses_a_draft(broker_client):
    d = liquidated_pet_food()
    response = broker_client.get(f"/api/v1/declarations/{d.pk}/liquidation-note.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "4 428,00" in pdf_text(response.content).replace("\xa0", " ")
    draft = make_declaration()
    refused = broker_client.get(f"/api/v1/declarations/{draft.pk}/liquidation-note.pdf")
    assert refused.status_code == 400 and refused.json()["code"] == "not_liquidated"


def test_the_note_is_for_the_office_not_for_banks(api_client):
    d = liquidated_pet_food()
    api_client.force_authenticate(make_user("bank", BANK_USER))
    assert api_client.get(f"/api/v1/declarations/{d.pk}/liquidation-note.pdf").status_code == 403
    api_client.force_authenticate(make_user("auditor", AUDITOR))
    assert api_client.get(f"/api/v1/declarations/{d.pk}/liquidation-note.pdf").status_code == 200


def test_payment_and_release_through_the_api(broker_client):
    d = liquidated_pet_food()
    url = f"/api/v1/declarations/{d.pk}"
    wrong = broker_client.post(f"{url}/payment/", {"paid_on": dt.date.today().isoformat(), "amount": "4000.00",
                                                   "means": "bank", "reference": "Q"}, format="json")
    assert wrong.status_code == 400 and wrong.json()["code"] == "payment_amount_mismatch"
    assert wrong.json()["field"] == "amount"
    paid = broker_client.post(f"{url}/payment/", {"paid_on": dt.date.today().isoformat(), "amount": "4428.00",
                                                  "means": "e_payment", "reference": "QUIT-1"}, format="json")
    assert paid.status_code == 201 and paid.json()["amount"] == "4428.00"
    released = broker_client.post(f"{url}/release/", {"released_on": dt.date.today().isoformat(),
                                                      "reference": "BAE-1"}, format="json")
    assert released.status_code == 201
    body = broker_client.get(f"{url}/").json()
    assert body["status"] == "cleared" and body["payment"]["reference"] == "QUIT-1"
    assert body["release"]["reference"] == "BAE-1"
    assert Decimal(body["liquidations"][0]["total"]) == Decimal("4428.00")
