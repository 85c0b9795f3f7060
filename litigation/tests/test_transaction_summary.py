"""The printed transaction summary (PDF, same library as the liquidation note): a 297-8° case
retained at 20,000 DH with 50 % remitted → 10,000 DH of fine plus the 8,000 DH of duties."""
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from pypdf import PdfReader

from conftest import make_user
from litigation.printing import settlement_summary_pdf
from litigation.services import settlement_record
from tariff.kit.roles import BANK_USER

from .test_settlements import DAY, declaration_form_case

pytestmark = pytest.mark.django_db


def text_of(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).replace("\xa0", " ")


def settled_297_8():
    case = declaration_form_case(reference="CTX-2024-9")
    return settlement_record(case=case, settlement_date=DAY, fine_retained=D("20000"), fines_remitted=D("10000"),
                             reference="TR-9")


def test_the_summary_prints_the_range_the_retained_fine_the_remission_the_duties_and_the_total():
    text = text_of(settlement_summary_pdf(settlement=settled_297_8()))
    assert "Récapitulatif de la transaction" in text and "CTX-2024-9" in text and "TR-9" in text
    assert "297-8°" in text and "10 000,00 – 50 000,00" in text
    assert "Amende retenue par l'administration" in text and "20 000,00 DH" in text
    assert "Remise accordée sur l'amende" in text
    assert "8 000,00 DH" in text and "art. 275" in text
    assert "Total à payer" in text and "18 000,00 DH" in text


def test_the_case_page_links_the_pdf_for_staff_and_not_for_banks(client):
    from tariff.kit.roles import BROKER_STAFF

    settlement = settled_297_8()
    url = reverse("litigation:settlement-pdf", args=[settlement.case_id, settlement.pk])
    client.force_login(make_user("staff", BROKER_STAFF))
    assert url in client.get(reverse("litigation:case-detail", args=[settlement.case_id])).content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "18 000,00 DH" in text_of(response.content)
    client.force_login(make_user("bank", BANK_USER))
    assert client.get(url).status_code == 403
    assert client.get(reverse("litigation:settlement-pdf", args=[settlement.case_id + 999, settlement.pk])
                      ).status_code in (403, 404)
