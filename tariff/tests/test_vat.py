"""Import VAT (CGI art. 121, 123 as amended by LF 2022 and LF 2024) and codes franchise."""
import datetime as dt
from decimal import Decimal

import pytest

from tariff.laws import LF_2022
from tariff.selectors import finance_law
from tariff.services import TAX_DI, TAX_TIC, TAX_VAT, FranchiseNotApplicable, TaxExemption, quote_duties

from .factories import line_with_rate

pytestmark = pytest.mark.django_db


def quote(code, on, value="1000", **kwargs):
    return quote_duties(tariff_code=code, on_date=dt.date.fromisoformat(on), customs_value=Decimal(value), **kwargs)


def vat(q):
    return [line for line in q.lines if line.tax == "TVA"][0]


@pytest.mark.parametrize("on, rate", [("2023-06-01", "7"), ("2024-06-01", "8"), ("2025-06-01", "9"), ("2026-06-01", "10")])
def test_refined_sugar_vat_schedule(on, rate):
    line_with_rate("1701990000", "2.5", description="Sucre raffiné")
    assert vat(quote("1701.99.00.00", on)).rate == Decimal(rate)


@pytest.mark.parametrize("on, rate", [("2024-06-01", "16"), ("2025-06-01", "18"), ("2026-06-01", "20")])
def test_electricity_vat_schedule(on, rate):
    line_with_rate("2716000000", "2.5", description="Énergie électrique")
    assert vat(quote("2716.00.00.00", on)).rate == Decimal(rate)


def test_an_exemption_charges_the_tax_at_zero_the_vat_base_keeping_the_exempted_di_at_zero():
    # Smartphones 2024 as above, DI and VAT exempted (CDII art. 164-1°-p, CGI art. 123-22°-b: convention goods):
    # the TIC stays (10 × 50 = 500), the VAT base is 10,000 + 0 + 500; 1,750 DI and 20 % × 10,500 = 2,100 VAT
    # not charged.
    law = finance_law(LF_2022)
    q = quote("8517.13.00.00", "2024-03-01", value="10000", quantity="10", exemptions=(
        TaxExemption(TAX_DI, law, lambda amount: f"DI exonéré {amount}"),
        TaxExemption(TAX_VAT, None, lambda amount: f"TVA exonérée {amount}"),
    ))
    lines = {line.tax: line for line in q.lines}
    assert (lines[TAX_DI].rate, lines[TAX_DI].amount, lines[TAX_DI].law_code) == (0, Decimal("0.00"), "LF-76-21")
    assert lines[TAX_DI].detail == "DI exonéré 1750.00"
    assert lines[TAX_TIC].amount == Decimal("500.00")
    assert (lines[TAX_VAT].base, lines[TAX_VAT].amount, lines[TAX_VAT].detail) == (
        Decimal("10500.00"), Decimal("0.00"), "TVA exonérée 2100.00")
    assert lines[TAX_VAT].law_code == vat(quote("8517.13.00.00", "2024-03-01", quantity="10")).law_code  # the rate's
    assert q.exempted == {TAX_DI: Decimal("1750.00"), TAX_VAT: Decimal("2100.00")} and q.total == Decimal("500.00")


def test_vat_base_is_customs_value_plus_di_plus_tic():
    # Smartphones 2024: DI 17.5 % of 10,000 = 1,750; TIC 10 × 50 = 500; VAT 20 % × 12,250 = 2,450.
    q = quote("8517.13.00.00", "2024-03-01", value="10000", quantity="10")
    line = vat(q)
    assert line.base == Decimal("12250.00")
    assert line.amount == Decimal("2450.00")
    assert q.total == Decimal("4700.00")


def test_butter_is_exempt_from_2024():
    line_with_rate("0405100000", "2.5", description="Beurre")
    assert vat(quote("0405.10.00.00", "2023-06-01")).rate == Decimal("20")
    line = vat(quote("0405.10.00.00", "2024-06-01"))
    assert line.amount == Decimal("0.00") and "Exonéré" in line.detail


def test_school_supplies_code_2013_exempts_vat_from_2024():
    line_with_rate("4820200000", "2.5", description="Cahiers")
    line = vat(quote("4820.20.00.00", "2024-09-01", franchise_code="2013"))
    assert line.amount == Decimal("0.00")
    assert line.law_code == "LF-55-23"


def test_codes_2006_and_2025_are_abolished_from_2024_pointing_to_2015():
    line_with_rate("3004900000", "2.5", description="Médicaments")
    assert vat(quote("3004.90.00.00", "2023-06-01", franchise_code="2006")).amount == Decimal("0.00")
    with pytest.raises(FranchiseNotApplicable) as exc:
        quote("3004.90.00.00", "2024-01-02", franchise_code="2025")
    assert "2015" in exc.value.message and exc.value.field == "franchise_code"
    assert vat(quote("3004.90.00.00", "2024-01-02", franchise_code="2015")).amount == Decimal("0.00")


def test_economic_car_code_2014_7_then_10_percent():
    line_with_rate("8703230000", "17.5", description="Voitures de tourisme")
    assert vat(quote("8703.23.00.00", "2023-06-01", franchise_code="2014")).rate == Decimal("7")
    assert vat(quote("8703.23.00.00", "2024-06-01", franchise_code="2014")).rate == Decimal("10")


def test_fish_feed_code_1086_gives_di_2_5_only_on_its_line_until_2026():
    line_with_rate("2309909082", "17.5", description="Aliments pour poissons")
    line_with_rate("2309909090", "17.5", description="Autres préparations")
    q = quote("2309.90.90.82", "2025-03-01", franchise_code="1086")
    assert q.lines[0].rate == Decimal("2.5") and q.lines[0].amount == Decimal("25.00")
    with pytest.raises(FranchiseNotApplicable):
        quote("2309.90.90.90", "2025-03-01", franchise_code="1086")
    with pytest.raises(FranchiseNotApplicable):
        quote("2309.90.90.82", "2027-01-01", franchise_code="1086")


def test_unknown_franchise_code_is_refused():
    with pytest.raises(FranchiseNotApplicable):
        quote("8507.60.07.00", "2024-06-01", franchise_code="9999")


def test_circ_6522_iv_3_pharmaceutical_raw_materials_and_packaging_vat_7_then_20_percent():
    # Code 2099 on the article: the tariff line alone does not say the goods go into medicines.
    # 10,000 MAD at DI 2.5 % = 250; VAT base 10,250 → 7 % = 717.50 in 2023, 20 % = 2,050 from 2024.
    line_with_rate("2941900000", "2.5", description="Antibiotiques (matière première)")
    before = vat(quote("2941.90.00.00", "2023-12-29", value="10000", franchise_code="2099"))
    assert (before.base, before.rate, before.amount, before.law_code) == (
        Decimal("10250.00"), Decimal("7"), Decimal("717.50"), "BASE")
    after = vat(quote("2941.90.00.00", "2024-01-02", value="10000", franchise_code="2099"))
    assert (after.rate, after.amount, after.law_code) == (Decimal("20"), Decimal("2050.00"), "LF-55-23")
    assert "2099" in after.detail
    assert vat(quote("2941.90.00.00", "2023-12-29", value="10000")).rate == Decimal("20")  # without the code


def test_cgi_123_59_solar_panel_inputs_vat_exempt_from_lf_2022():
    # Circ. 6255/210 §V: photovoltaic cells imported by a panel manufacturer, code 2059.
    line_with_rate("8541420000", "2.5", description="Cellules photovoltaïques non assemblées en modules")
    line_vat = vat(quote("8541.42.00.00", "2022-03-01", value="10000", franchise_code="2059"))
    assert (line_vat.rate, line_vat.amount, line_vat.law_code) == (Decimal("0"), Decimal("0.00"), "LF-76-21")
    assert line_vat.detail.startswith("Exonéré : code franchise 2059")
    with pytest.raises(FranchiseNotApplicable) as exc:
        quote("8541.42.00.00", "2021-12-31", value="10000", franchise_code="2059")
    assert "n'est pas en vigueur le 31/12/2021" in exc.value.message
