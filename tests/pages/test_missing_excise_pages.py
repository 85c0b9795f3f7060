"""A TIC due with no quotité loaded for the date, in the pages: the calculator shows the quote
with a warning, the declaration page shows why the liquidation is refused; the quote API
carries the warning (dahir 1-77-340 art. 9, table G before circ. 6255/210 §III.5)."""
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from declarations.services import declaration_register
from declarations.tests.factories import article, make_declaration

from .helpers import messages_of, text

pytestmark = pytest.mark.django_db
QUOTE = {"tariff_code": "2402.20.00.00", "date": "2021-06-01", "customs_value": "1000", "quantity": "1000",
         "retail_value": "500"}


@pytest.fixture(autouse=True)
def cigarettes(db):
    from tariff.tests.factories import line_with_rate

    line_with_rate("2402200000", "40", description="Cigarettes contenant du tabac")


def test_tic_missing_quotite_calculator_shows_the_warning(broker):
    response = broker.get(reverse("tariff:calculator"), QUOTE)
    quote = response.context["quote"]
    assert quote.total == Decimal("680.00")  # DI 400 + VAT 280, the TIC left out
    html = text(response)
    assert 'class="msg msg-warning"' in html and "Aucune quotité de TIC du tableau G" in html


def test_tic_missing_quotite_quote_api_carries_the_warning(broker):
    body = broker.post("/api/v1/tariff/quote/", {k: v for k, v in QUOTE.items() if k != "retail_value"}
                       | {"attributes": {"retail_value": "500"}}, content_type="application/json").json()
    assert [line["tax"] for line in body["lines"]] == ["DI", "TVA"]
    assert body["warnings"][0]["code"] == "no_excise_rate_in_force" and body["warnings"][0]["tax"] == "TIC"


def test_tic_missing_quotite_declaration_page_says_why_liquidation_is_refused(broker):
    d = make_declaration(currency="MAD", documents=[{"kind": "invoice", "reference": "F-1"},
                                                    {"kind": "transport", "reference": "BL-1"}],
                         articles=[article("2402.20.00.00", value="1000", quantity="1000", unit="u",
                                           attributes={"retail_value": "500"})])
    declaration_register(declaration=d, on_date=dt.date(2021, 6, 1))
    response = broker.post(reverse("declarations:liquidate", args=[d.pk]))
    page = broker.get(response["Location"])
    assert any("Aucune quotité de TIC du tableau G" in m for m in messages_of(page))
