"""A TIC table applies to the goods but no quotité is loaded for the date (table G before the
LF 2022 schedule, tables A and L before LF 2024): the quote says so in its warnings and leaves
the TIC out; liquidation refuses (a zero TIC would under-assess the duties). A table a law
instituted later (J, K by LF 2022; I by LF 2021; the new L products by LF 2024) is not due
before that law's date: no TIC and nothing to say."""
import datetime as dt
from decimal import Decimal

import pytest

from tariff.services import MISSING_EXCISE_WARN, NoExciseRateInForce, quote_duties

from .factories import line_with_rate

pytestmark = pytest.mark.django_db


def quote(code, on, *, value="1000", quantity=None, warn=True, **attributes):
    return quote_duties(tariff_code=code, on_date=dt.date.fromisoformat(on), customs_value=Decimal(value),
                        quantity=quantity, attributes=attributes,
                        **({"missing_excise": MISSING_EXCISE_WARN} if warn else {}))


def taxes(q):
    return {line.tax: line.amount for line in q.lines}


def test_tic_table_g_cigarettes_before_the_lf_2022_schedule_is_a_warning_not_a_zero():
    # Circ. 6255/210 §III.5: the schedule starts on 1 January 2022; the earlier quotités are not loaded.
    line_with_rate("2402200000", "40", description="Cigarettes contenant du tabac")
    q = quote("2402.20.00.00", "2021-06-01", quantity="1000", retail_value="500")
    assert taxes(q) == {"DI": Decimal("400.00"), "TVA": Decimal("280.00")}  # no TIC line; VAT 20 % × 1,400
    [warning] = q.warnings
    assert (warning.code, warning.tax) == ("no_excise_rate_in_force", "TIC")
    assert "tableau G" in warning.message and "01/06/2021" in warning.message and "non calculée" in warning.message
    # From 2022-01-01: 100 + 67 % × 500 = 435 < minimum 710.2 per 1,000 cigarettes, and no warning.
    q = quote("2402.20.00.00", "2022-01-03", quantity="1000", retail_value="500")
    assert (q.amount_of("TIC"), q.warnings) == (Decimal("710.20"), [])


def test_tic_missing_quotite_is_refused_where_duties_are_assessed():
    line_with_rate("2402200000", "40", description="Cigarettes contenant du tabac")
    with pytest.raises(NoExciseRateInForce) as exc:
        quote("2402.20.00.00", "2021-06-01", quantity="1000", retail_value="500", warn=False)
    assert exc.value.code == "no_excise_rate_in_force" and exc.value.field == "date"
    assert "tableau G" in exc.value.message and "refusée" in exc.value.message


def test_tic_tables_a_and_l_before_lf_2024_are_warnings():
    # Circ. 6522/210 §III.1 and §III.4: flavoured waters (table A) and chocolate (table L) were taxed
    # before 2024 at quotités the circular does not give.
    line_with_rate("2202100000", "17.5", description="Eaux aromatisées")
    line_with_rate("1806320000", "17.5", description="Chocolat")
    water = quote("2202.10.00.00", "2023-06-01", volume_l="100", product_kind="flavoured_water", sugar_g_per_100="6")
    assert "tableau A" in water.warnings[0].message and "TIC" not in taxes(water)
    chocolate = quote("1806.32.00.00", "2023-06-01", quantity="200", product_kind="chocolate", sugar_g_per_100="50")
    assert "tableau L" in chocolate.warnings[0].message
    # 2024: 200 kg of chocolate at 50 g > 47 g → 2 × 300 = 600 DH, no warning.
    chocolate = quote("1806.32.00.00", "2024-06-01", quantity="200", product_kind="chocolate", sugar_g_per_100="50")
    assert (chocolate.amount_of("TIC"), chocolate.warnings) == (Decimal("600.00"), [])


def test_tic_new_table_l_products_of_lf_2024_are_not_due_before_it():
    # Circ. 6522/210 §III.4: chewing-gum is one of the products LF 2024 brings into table L.
    line_with_rate("1704100000", "17.5", description="Gommes à mâcher")
    before = quote("1704.10.00.00", "2023-06-01", quantity="100", sugar_g_per_100="70")
    assert ("TIC" in taxes(before), before.warnings) == (False, [])
    # 2024: 100 kg at 70 g > 66 g → 600 DH per 100 kg.
    assert quote("1704.10.00.00", "2024-06-01", quantity="100", sugar_g_per_100="70").amount_of("TIC") == Decimal(
        "600.00")


def test_tic_tables_j_and_k_instituted_by_lf_2022_are_not_due_before_it():
    # Circ. 6255/210 §III.2-3: « instauration » of the TIC on appliances (J) and electronics (K).
    line_with_rate("8418100000", "2.5", description="Réfrigérateurs")
    fridge = quote("8418.10.00.00", "2021-06-01", quantity="3", energy_class="G")
    phones = quote("8517.13.00.00", "2021-06-01", quantity="10", warn=False)  # no refusal either
    assert (fridge.warnings, phones.warnings, "TIC" in taxes(fridge), "TIC" in taxes(phones)) == ([], [], False, False)


def test_tic_table_i_tyres_instituted_by_lf_2021_is_not_due_before_it():
    # Circ. 6522/210 §III.3: the TIC on tyres was introduced by LF 65-20 (2021) at 3 DH/kg.
    line_with_rate("4011100000", "2.5", description="Pneumatiques")
    assert quote("4011.10.00.00", "2020-06-01", quantity="4", net_mass_kg="40", warn=False).warnings == []
    assert quote("4011.10.00.00", "2021-06-01", quantity="4", net_mass_kg="40").amount_of("TIC") == Decimal("120.00")
