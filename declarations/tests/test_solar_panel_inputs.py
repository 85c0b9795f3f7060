"""The LF 2022 VAT exemption of the products and materials entering the manufacture of
photovoltaic panels, imported by the panel manufacturers (CGI art. 123-59°, circ. 6255/210 §V):
code franchise 2059, the importer's manufacturer status as its condition."""
import datetime as dt
from decimal import Decimal as D

import pytest

from declarations.exemptions.claims import ExemptionError
from declarations.exemptions.services import franchise_condition_create
from declarations.models import FranchiseCondition
from declarations.services import declaration_liquidate, declaration_register

from .factories import PartyFactory, article, make_declaration

pytestmark = pytest.mark.django_db
DOCUMENTS = [{"kind": "invoice", "reference": "F-2059"}, {"kind": "transport", "reference": "BL-2059"}]


@pytest.fixture(autouse=True)
def cells(db):
    from tariff.tests.factories import line_with_rate

    line_with_rate("8541420000", "2.5", description="Cellules photovoltaïques non assemblées en modules")


def declaration(party):
    return make_declaration(party=party, currency="MAD", documents=DOCUMENTS, articles=[
        article("8541.42.00.00", value="10000", quantity="500", franchise_code="2059")])


def test_cgi_123_59_solar_panel_inputs_need_the_manufacturer_status():
    with pytest.raises(ExemptionError) as exc:
        declaration_register(declaration=declaration(PartyFactory()), on_date=dt.date(2022, 3, 1))
    assert exc.value.params == {"missing": "pv_manufacturer"}
    assert "fabricant de panneaux photovoltaïques" in exc.value.message and "123-59°" in exc.value.message


def test_cgi_123_59_solar_panel_inputs_of_a_manufacturer_are_vat_exempt():
    maker = PartyFactory(name="Solaire Atlas SA")
    franchise_condition_create(franchise_code="2059", kind=FranchiseCondition.Kind.PV_MANUFACTURER, party=maker,
                               reference="Attestation fabricant 2022-01", issued_on=dt.date(2022, 1, 10))
    d = declaration(maker)
    declaration_register(declaration=d, on_date=dt.date(2022, 3, 1))
    liquidation = declaration_liquidate(declaration=d)
    # DI 2.5 % × 10,000 = 250; VAT exempt on 10,250 (would be 2,050 at 20 %).
    di, vat = liquidation.lines.get(tax="DI"), liquidation.lines.get(tax="TVA")
    assert (di.amount, vat.base, vat.amount, vat.law.code) == (D("250.00"), D("10250"), D("0.00"), "LF-76-21")
    assert liquidation.total == D("250.00")
