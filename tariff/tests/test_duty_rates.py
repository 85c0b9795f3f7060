"""DI rates of the circulars' examples, from the shipped reference data (seeds 001, 003)."""
import datetime as dt
from decimal import Decimal

import pytest

from tariff.models import BlanketDutyChange, TariffLine
from tariff.rules import blanket_change_spares
from tariff.selectors import blanket_change_lines
from tariff.services import NoRateInForce, quote_duties

from .factories import line_with_rate

pytestmark = pytest.mark.django_db


# What the TIC of some of these lines needs (e-liquids, phones, lamps, cigarettes).
TIC_INPUTS = {"volume_ml": "100", "contains_nicotine": True, "retail_value": "1000"}


def di(code, on, value="1000"):
    quote = quote_duties(
        tariff_code=code, on_date=dt.date.fromisoformat(on), customs_value=Decimal(value), quantity="1000",
        attributes=TIC_INPUTS,
    )
    line = quote.lines[0]
    assert line.tax == "DI"
    return line


@pytest.mark.parametrize(
    "on, rate, law",
    [("2021-12-31", "40", "BASE"), ("2022-01-01", "17.5", "LF-76-21"), ("2024-01-01", "2.5", "LF-55-23")],
)
def test_lithium_cells_8507_60_07_00_across_two_finance_laws(on, rate, law):
    line = di("8507.60.07.00", on)
    assert line.rate == Decimal(rate)
    assert line.law_code == law


def test_green_tea_3_to_20_kg_goes_from_2_5_to_30_on_1_january_2024():
    assert di("0902.20.00.10", "2023-12-31").rate == Decimal("2.5")
    assert di("0902.20.00.10", "2024-01-01").rate == Decimal("30")
    assert di("0902.20.00.90", "2024-01-01").rate == Decimal("2.5")  # ≥ 20 kg stays 2.5


def test_e_cigarettes_chapter_24_keep_40_in_2024():
    line = di("2404.12.00.00", "2024-01-01")
    assert line.rate == Decimal("40")
    assert line.amount == Decimal("400.00")


def test_blanket_40_to_30_applies_to_a_line_raised_to_40_by_lf_2022():
    # 1602.32.10.00: 10 → 40 by LF 2022, then the LF 2024 rule 40 → 30 (not before LFR 35-20).
    assert di("1602.32.10.00", "2021-12-31").rate == Decimal("10")
    assert di("1602.32.10.00", "2023-12-31").rate == Decimal("40")
    line = di("1602.32.10.00", "2024-01-01")
    assert line.rate == Decimal("30")
    assert line.law_code == "LF-55-23"
    assert "40" in line.detail and "30" in line.detail


def test_blanket_rule_spares_chapter_24_lines_at_40():
    line_with_rate("2402201000", "40", description="Cigarettes contenant du tabac")
    assert di("2402.20.10.00", "2024-01-01").rate == Decimal("40")


def test_blanket_rule_spares_lines_flagged_at_40_before_lfr_2020():
    line_with_rate("9999000001", "40", flagged=True)
    line_with_rate("9999000002", "40", flagged=False)
    assert di("9999.00.00.01", "2024-01-01").rate == Decimal("40")
    assert di("9999.00.00.02", "2024-01-01").rate == Decimal("30")


def test_the_blanket_filter_and_the_engine_spare_the_same_lines_of_the_shipped_tariff():
    # LF 2024 art. 4-I (circ. 6522/210 §II.1): the recalculation's candidate filter (blanket_change_lines)
    # and the engine's decision (blanket_change_spares) agree on every line — the shipped ones, plus a
    # chapter-24 line and a flagged line (the shipped tariff flags none).
    line_with_rate("2402201000", "40", description="Cigarettes contenant du tabac")
    line_with_rate("9999000001", "40", flagged=True)
    [change] = BlanketDutyChange.objects.filter(law__code="LF-55-23")
    lines = list(TariffLine.objects.all())
    rewritable = set(TariffLine.objects.filter(blanket_change_lines(change)).values_list("code", flat=True))
    assert rewritable == {line.code for line in lines if not blanket_change_spares(change, line)}
    assert {"2402201000", "2404120000", "9999000001"}.isdisjoint(rewritable) and "1602321000" in rewritable
    assert len(rewritable) == len(lines) - 4  # 2402.20.10.00, 2404.12.00.00, 2404.19.00.10, 9999.00.00.01


def test_blanket_rule_does_not_touch_other_rates():
    line_with_rate("9999000003", "17.5")
    assert di("9999.00.00.03", "2024-01-01").rate == Decimal("17.5")


def test_pet_food_2_5_in_2023_then_17_5_in_2024():
    assert di("2309.10.00.00", "2023-12-20").rate == Decimal("2.5")
    assert di("2309.10.00.00", "2024-01-05").rate == Decimal("17.5")


@pytest.mark.parametrize(
    "code, rate",
    [
        ("1602.32.10.00", "40"),  # chicken patties 10 → 40
        ("3003.90.94.00", "2.5"),  # diabetes medicines 40 → 2.5
        ("3402.90.17.10", "10"),
        ("3915.90.04.00", "2.5"),  # PET waste 17.5 → 2.5
        ("8211.92.00.81", "17.5"),  # knife blades 40 → 17.5
        ("8211.92.00.89", "17.5"),
        ("8507.60.07.00", "17.5"),  # lithium cells 40 → 17.5
        ("8539.21.90.00", "17.5"),  # incandescent lamps 2.5 → 17.5
    ],
)
def test_lf_2022_rates(code, rate):
    line = di(code, "2022-06-01")
    assert line.rate == Decimal(rate)
    assert line.law_code == "LF-76-21"


@pytest.mark.parametrize(
    "code, before, after",
    [
        ("0902.10.00.00", "32.5", "30"),
        ("1604.14.00.92", "40", "17.5"),
        ("1901.10.10.00", "10", "2.5"),
        ("4016.93.00.10", "17.5", "2.5"),
        ("8421.99.21.20", "17.5", "2.5"),
        ("8421.99.91.10", "17.5", "2.5"),
        ("7318.15.30.00", "40", "2.5"),
        ("8507.60.07.00", "17.5", "2.5"),
        ("8701.24.91.00", "40", "2.5"),
        ("8701.24.99.00", "40", "2.5"),
        ("2309.10.00.00", "2.5", "17.5"),
        ("2404.19.00.10", "2.5", "40"),
        ("8516.50.00.00", "2.5", "30"),  # microwave ovens
        ("8517.13.00.00", "2.5", "17.5"),  # smartphones
        ("8544.70.00.10", "2.5", "10"),  # optical fibre cables
        ("8544.70.00.90", "2.5", "10"),
    ],
)
def test_lf_2024_rates(code, before, after):
    assert di(code, "2023-12-31").rate == Decimal(before)
    line = di(code, "2024-01-01")
    assert line.rate == Decimal(after)
    assert line.law_code == "LF-55-23"


def test_flat_rolled_steel_is_17_5_from_2024_and_has_no_known_rate_before():
    assert di("7208.10.10.00", "2024-01-01").rate == Decimal("17.5")
    with pytest.raises(NoRateInForce) as exc:
        di("7208.10.10.00", "2023-12-31")
    assert exc.value.field == "date"


def test_di_amount_is_rounded_half_up_per_line():
    line = di("8507.60.07.00", "2022-06-01", value="100.03")  # 17.5 % × 100.03 = 17.50525
    assert line.amount == Decimal("17.51")
