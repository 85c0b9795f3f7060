"""The 2.5 % minimum import duty of CDII art. 164 bis-1°-j for non-profit bodies, which LF 2024
extends to the Fondation Mohammed VI des Sciences et de la Santé (circ. 6522/210 §I.3), typed as
code franchise 0164 on the article; the importer's beneficiary status is its condition."""
import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from declarations.exemptions.claims import ExemptionError
from declarations.exemptions.services import franchise_condition_create
from declarations.models import Declaration, FranchiseCondition
from declarations.services import declaration_liquidate, declaration_register
from tariff.services import quote_duties

from .factories import PartyFactory, article, make_declaration

pytestmark = pytest.mark.django_db
DOCUMENTS = [{"kind": "invoice", "reference": "F-0164"}, {"kind": "transport", "reference": "BL-0164"}]
LAB_EQUIPMENT = "9027.80.00.00"  # 17.5 % at the tariff


@pytest.fixture(autouse=True)
def lines(db):
    from tariff.tests.factories import line_with_rate

    line_with_rate("9027800000", "17.5", description="Instruments et appareils d'analyse")
    line_with_rate("9999000001", "0", description="Marchandise de test au taux nul")


@pytest.fixture
def foundation():
    party = PartyFactory(name="Fondation Mohammed VI des Sciences et de la Santé")
    franchise_condition_create(franchise_code="0164", kind=FranchiseCondition.Kind.FM6SS_BENEFICIARY, party=party,
                               reference="Loi 23-23", issued_on=dt.date(2023, 7, 12))
    return party


def declaration(party, code=LAB_EQUIPMENT, value="10000"):
    # Invoiced in MAD: 10,000 MAD of customs value, no freight or insurance.
    return make_declaration(party=party, currency="MAD", documents=DOCUMENTS,
                            articles=[article(code, value=value, quantity="2", franchise_code="0164")])


def test_cdii_164_bis_1_j_fm6ss_pays_the_2_5_percent_minimum_duty_from_lf_2024(foundation):
    d = declaration(foundation)
    declaration_register(declaration=d, on_date=dt.date(2024, 3, 4))
    liquidation = declaration_liquidate(declaration=d)
    di = liquidation.lines.get(tax="DI")
    # 2.5 % × 10,000 = 250 instead of 17.5 % (1,750); VAT 20 % × 10,250 = 2,050.
    assert (di.rate, di.amount, di.law.code) == (D("2.5"), D("250.00"), "LF-55-23")
    assert "0164" in di.detail
    vat = liquidation.lines.get(tax="TVA")
    assert (vat.base, vat.rate, vat.amount) == (D("10250"), D("20"), D("2050.00"))
    assert liquidation.total == D("2300.00")


def test_cdii_164_bis_1_j_fm6ss_not_listed_before_the_lf_2024_date(foundation):
    d = declaration(foundation)
    with pytest.raises(ExemptionError) as exc:
        declaration_register(declaration=d, on_date=dt.date(2023, 12, 29))
    assert exc.value.params == {"missing": "fm6ss_not_yet_listed"}
    assert "01/01/2024" in exc.value.message and "LF 55-23" in exc.value.message
    d.refresh_from_db()
    assert d.status == Declaration.Status.DRAFT


def test_cdii_164_bis_1_j_other_non_profit_bodies_already_had_the_minimum_before_lf_2024():
    league = PartyFactory(name="Ligue nationale de lutte contre les maladies cardio-vasculaires")
    franchise_condition_create(franchise_code="0164", kind=FranchiseCondition.Kind.NONPROFIT_BENEFICIARY,
                               party=league, reference="Statut ONG-1", issued_on=dt.date(2015, 1, 5))
    d = declaration(league)
    declaration_register(declaration=d, on_date=dt.date(2023, 6, 1))
    di = declaration_liquidate(declaration=d).lines.get(tax="DI")
    assert (di.rate, di.amount, di.law.code) == (D("2.5"), D("250.00"), "BASE")


def test_cdii_164_bis_1_j_code_0164_needs_the_beneficiary_status():
    d = declaration(PartyFactory(name="Société commerciale SARL"))
    with pytest.raises(ExemptionError) as exc:
        declaration_register(declaration=d, on_date=dt.date(2024, 3, 4))
    assert exc.value.params == {"missing": "nonprofit_body"}
    assert "164 bis-1°-j" in exc.value.message


def test_cdii_164_bis_1_j_evidence_for_0164_is_a_beneficiary_status():
    with pytest.raises(ValidationError) as exc:
        franchise_condition_create(franchise_code="0164", kind=FranchiseCondition.Kind.UNDERTAKING,
                                   party=PartyFactory(), reference="X", issued_on=dt.date(2024, 1, 2))
    assert "vaut pour le code 2013" in str(exc.value)


def test_cdii_164_bis_1_j_minimum_never_raises_a_lower_tariff_rate():
    quote = quote_duties(tariff_code="9999.00.00.01", on_date=dt.date(2024, 3, 4), customs_value=D("10000"),
                         franchise_code="0164")
    di = quote.lines[0]
    assert (di.rate, di.amount, di.law_code) == (D("0"), D("0.00"), "BASE")
    assert "inférieur au taux du code franchise 0164" in di.detail
