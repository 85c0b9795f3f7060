"""TIC tables (dahir 1-77-340 art. 9) with the circulars' numbers."""
import datetime as dt
from decimal import Decimal

import pytest

from tariff.rules import MissingAttribute
from tariff.services import quote_duties

from .factories import line_with_rate

pytestmark = pytest.mark.django_db


def tic(code, on, *, quantity=None, value="1000", **attributes):
    quote = quote_duties(
        tariff_code=code, on_date=dt.date.fromisoformat(on), customs_value=Decimal(value), quantity=quantity,
        attributes=attributes,
    )
    lines = [line for line in quote.lines if line.tax == "TIC"]
    return lines[0] if lines else None


@pytest.fixture
def cigarettes(db):
    return line_with_rate("2402200000", "40", description="Cigarettes contenant du tabac")


def test_cigarettes_2024_minimum_applies_when_mix_is_lower(cigarettes):
    # 275 + 64 % × 500 = 595 < minimum 826.7 per 1000 cigarettes.
    line = tic("2402.20.00.00", "2024-06-01", quantity="1000", retail_value="500")
    assert line.amount == Decimal("826.70")
    assert line.law_code == "LF-76-21"


def test_cigarettes_2024_specific_plus_ad_valorem_when_higher(cigarettes):
    assert tic("2402.20.00.00", "2024-06-01", quantity="1000", retail_value="1000").amount == Decimal("915.00")


@pytest.mark.parametrize(
    "on, expected",
    [
        ("2022-03-01", "770.00"),  # 100 + 67 % × 1000 = 770 ≥ 710.2
        ("2023-03-01", "835.00"),  # 175 + 660
        ("2025-03-01", "1010.00"),  # 400 + 610
        ("2026-03-01", "1115.00"),  # 550 + 565
    ],
)
def test_cigarette_schedule_2022_to_2026(cigarettes, on, expected):
    assert tic("2402.20.00.00", on, quantity="1000", retail_value="1000").amount == Decimal(expected)


def test_cigarette_minimum_scales_with_quantity(cigarettes):
    # 2026 minimum 953 per 1000 → 2,000 cigarettes: 1,906.
    assert tic("2402.20.00.00", "2026-03-01", quantity="2000", retail_value="100").amount == Decimal("1906.00")


def test_cigarettes_need_the_retail_value(cigarettes):
    with pytest.raises(MissingAttribute) as exc:
        tic("2402.20.00.00", "2024-06-01", quantity="1000")
    assert exc.value.field == "attributes.retail_value" and "Prix de vente public" in exc.value.message


@pytest.fixture
def fridge(db):
    return line_with_rate("8418100000", "30", description="Réfrigérateurs combinés")


def test_refrigerator_energy_class_e_3_units_2023_pays_600(fridge):
    line = tic("8418.10.00.00", "2023-05-01", quantity="3", energy_class="E")
    assert line.amount == Decimal("600.00")


@pytest.mark.parametrize("cls, expected", [("A", "0.00"), ("b", "0.00"), ("C", "300.00"), ("G", "1500.00")])
def test_energy_class_bands(fridge, cls, expected):
    assert tic("8418.10.00.00", "2023-05-01", quantity="3", energy_class=cls).amount == Decimal(expected)


def test_appliance_tic_did_not_exist_before_2022(fridge):
    assert tic("8418.10.00.00", "2021-06-01", quantity="3", energy_class="G") is None


def test_energy_class_is_required(fridge):
    with pytest.raises(MissingAttribute) as exc:
        tic("8418.10.00.00", "2023-05-01", quantity="3")
    assert exc.value.field == "attributes.energy_class" and "Classe énergétique" in exc.value.message


@pytest.fixture
def chocolate(db):
    return line_with_rate("1806320000", "30", description="Chocolat en tablettes")


def test_chocolate_46_5_g_sugar_not_taxed_in_2024_above_46_in_2025(chocolate):
    # Table L: chocolate taxed above 47 g (2024, 300 DH/100 kg) then above 46 g (2025, 450 DH/100 kg).
    assert tic("1806.32.00.00", "2024-06-01", quantity="200", product_kind="chocolate",
               sugar_g_per_100="46.5").amount == Decimal("0.00")
    assert tic("1806.32.00.00", "2025-06-01", quantity="200", product_kind="chocolate",
               sugar_g_per_100="46.5").amount == Decimal("900.00")


def test_sugar_exactly_at_threshold_is_not_taxed(chocolate):
    assert tic("1806.32.00.00", "2024-06-01", quantity="200", product_kind="chocolate",
               sugar_g_per_100="47").amount == Decimal("0.00")


def test_product_kind_is_asked_when_a_position_covers_several_categories():
    line_with_rate("1806900000", "30", description="Autres préparations contenant du cacao")
    with pytest.raises(MissingAttribute) as exc:
        tic("1806.90.00.00", "2024-06-01", quantity="200", sugar_g_per_100="50")
    assert exc.value.field == "attributes.product_kind" and "Nature du produit" in exc.value.message
    assert "Chocolat" in exc.value.message


def test_smartphone_pays_50_dh_per_unit_from_2022():
    line = tic("8517.13.00.00", "2024-03-01", quantity="10")
    assert line.amount == Decimal("500.00")


@pytest.mark.parametrize("on, nicotine, expected", [
    ("2021-06-01", True, "50.00"), ("2022-01-01", True, "100.00"), ("2022-01-01", False, "50.00"),
])
def test_e_liquids_per_10_ml(on, nicotine, expected):
    # 100 ml: 5 → 10 DH per 10 ml with nicotine, 3 → 5 without (LF 2022).
    assert tic("2404.12.00.00", on, volume_ml="100", contains_nicotine=nicotine).amount == Decimal(expected)


def test_tyres_3_then_4_dh_per_kg():
    line_with_rate("4011100000", "30", description="Pneumatiques neufs pour voitures")
    assert tic("4011.10.00.00", "2023-06-01", quantity="4", net_mass_kg="40").amount == Decimal("120.00")
    assert tic("4011.10.00.00", "2024-06-01", quantity="4", net_mass_kg="40").amount == Decimal("160.00")


def test_spirits_per_hl_of_pure_alcohol_tenths_of_degree_taxable():
    line_with_rate("2208300000", "30", description="Whiskies")
    # 70 l at 40.05 % vol → 40.0° → 28 l pure alcohol = 0.28 hl × 25,500 = 7,140.
    assert tic("2208.30.00.00", "2024-02-01", volume_l="70", alcohol_pct_vol="40.05").amount == Decimal("7140.00")
    assert tic("2208.30.00.00", "2023-02-01", volume_l="70", alcohol_pct_vol="40").amount == Decimal("5040.00")


def test_beer_1550_per_hl_from_2024():
    line_with_rate("2203000000", "30", description="Bières de malt")
    assert tic("2203.00.00.00", "2024-02-01", volume_l="250").amount == Decimal("3875.00")


@pytest.mark.parametrize("sugar, expected", [("0", "20.00"), ("5", "30.00"), ("7", "40.00"), ("10", "45.00")])
def test_flavoured_water_sugar_bands_per_hl(sugar, expected):
    line_with_rate("2202100000", "30", description="Eaux aromatisées")
    assert tic("2202.10.00.00", "2024-02-01", volume_l="100", product_kind="flavoured_water",
               sugar_g_per_100=sugar).amount == Decimal(expected)


@pytest.mark.parametrize("size, expected", [("32", "0.00"), ("43", "100.00")])
def test_television_screen_bands(size, expected):
    line_with_rate("8528720000", "30", description="Téléviseurs")
    assert tic("8528.72.00.00", "2024-02-01", quantity="1", screen_size_inches=size).amount == Decimal(expected)


def test_vehicle_battery_50_dh_except_motorcycles():
    line_with_rate("8507100000", "30", description="Accumulateurs au plomb")
    assert tic("8507.10.00.00", "2024-02-01", quantity="2").amount == Decimal("100.00")
    assert tic("8507.10.00.00", "2024-02-01", quantity="2", vehicle_kind="motorcycle").amount == Decimal("0.00")


def test_excise_detail_shows_numbers_the_french_way(cigarettes):
    """The liquidation line explains the TIC in French numbers (tariff.kit.numbers): decimal
    comma, grouped thousands, no trailing zeros."""
    mixed = tic("2402.20.00.00", "2024-06-01", quantity="1000", retail_value="1500.5")
    assert mixed.detail.endswith("1 × 275\xa0DH + 64\xa0% × 1\xa0500,5\xa0DH")
    minimum = tic("2402.20.00.00", "2026-03-01", quantity="2000", retail_value="100")
    assert minimum.detail.endswith("minimum de perception 953\xa0DH × 2")
