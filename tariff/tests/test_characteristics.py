"""The characteristics catalogue (tariff.characteristics) and what a line's TIC table needs on a
date (tariff.services.excise_characteristics_required), with the tables of circ. 6255/210 and
6522/210 annexe III as shipped in tariff/data."""
import datetime as dt

import pytest

from tariff import characteristics as ch
from tariff.kit.errors import DomainErrors
from tariff.models import ExciseCategory
from tariff.services import excise_characteristics_required

from .factories import line_with_rate

pytestmark = pytest.mark.django_db


def required(code, on, **attributes):
    return [r.characteristic.key for r in excise_characteristics_required(
        tariff_code=code, on_date=dt.date.fromisoformat(on), attributes=attributes)]


def test_every_characteristic_a_tic_category_reads_is_in_the_catalogue_with_its_table():
    for category in ExciseCategory.objects.all():
        needed = {"volume_l": ["volume_l"], "volume_ml": ["volume_ml"], "net_mass_kg": ["net_mass_kg"],
                  "pure_alcohol_l": ["volume_l", "alcohol_pct_vol"]}.get(category.quantity_source, [])
        for key in needed + ([category.band_attribute] if category.band_attribute else []):
            assert category.table in ch.CHARACTERISTICS[key].tables, (category.code, key)


def test_every_exemption_claim_is_in_the_catalogue():
    from declarations.exemptions import claims as exemption_claims

    claims = {value for name, value in vars(exemption_claims).items() if name.startswith("ATTR_")}
    assert claims and claims <= {c.key for c in ch.CLAIMS}


@pytest.mark.parametrize("value, message", [
    ("NaN", "doit être un nombre fini"), ("Infinity", "doit être un nombre fini"),
    ("-Infinity", "doit être un nombre fini"), (float("nan"), "doit être un nombre fini"),
    ("1e999", "nombre trop grand"), ("-5", "ne peut pas être négatif"), ("beaucoup", "doit être un nombre fini"),
    ("1e-9", "6 décimales au plus"), ({"a": 1}, "valeur simple attendue"),
])
def test_bad_numbers_are_refused_naming_the_french_label(value, message):
    with pytest.raises(ch.InvalidAttribute) as exc:
        ch.clean_attributes({"volume_ml": value})
    assert exc.value.field == "attributes.volume_ml"
    assert exc.value.message.startswith("« Volume (ml) »") and message in exc.value.message


def test_bounds_where_sensible():
    with pytest.raises(ch.InvalidAttribute) as exc:
        ch.clean_attributes({"alcohol_pct_vol": "100.5"})
    assert "au plus 100" in exc.value.message
    assert ch.clean_attributes({"alcohol_pct_vol": "100", "sugar_g_per_100": "12,5"}) == {
        "alcohol_pct_vol": "100", "sugar_g_per_100": "12.5"}


def test_every_violation_is_reported_at_once():
    with pytest.raises(DomainErrors) as exc:
        ch.clean_attributes({"couleur": "rouge", "energy_class": "Z", "has_screen": "peut-être"})
    assert [(e.code, e.field) for e in exc.value.errors] == [
        ("unknown_attribute", "attributes.couleur"), ("invalid_attribute", "attributes.energy_class"),
        ("invalid_attribute", "attributes.has_screen")]


def test_stored_shapes_are_kept():
    assert ch.clean_attributes({"volume_ml": 330, "contains_nicotine": "oui", "energy_class": "e",
                                "school_supply_item": "5", "vehicle_kind": "moped", "product_kind": "chocolate",
                                "screen_size_inches": "", "has_screen": None}) == {
        "volume_ml": "330", "contains_nicotine": True, "energy_class": "E", "school_supply_item": 5,
        "vehicle_kind": "moped", "product_kind": "chocolate"}


def test_e_liquids_need_volume_and_nicotine_from_the_first_h_rates():
    # 2404.12.00.00 is shipped (tariff_lines.csv) with its DI rates: no test line over it.
    assert required("2404.12.00.00", "2024-03-01") == ["volume_ml", "contains_nicotine"]


def test_cigarettes_need_the_retail_value_only_while_table_g_has_rates():
    line_with_rate("2402200000", "40", description="Cigarettes")
    assert required("2402.20.00.00", "2024-06-01") == ["retail_value"]
    assert required("2402.20.00.00", "2021-06-01") == []  # table G schedule starts 2022 (LF 76-21)


def test_appliances_need_the_energy_class_from_2022():
    line_with_rate("8418100000", "30", description="Réfrigérateurs")
    assert required("8418.10.00.00", "2023-05-01") == ["energy_class"]
    assert required("8418.10.00.00", "2021-05-01") == []


def test_a_line_of_several_tic_categories_first_needs_the_product_kind():
    line_with_rate("1806900000", "30", description="Autres préparations contenant du cacao")
    [kind] = excise_characteristics_required(tariff_code="1806.90.00.00", on_date=dt.date(2024, 6, 1))
    assert kind.characteristic.key == "product_kind"
    assert {label for _code, label in kind.choices} >= {"Chocolat", "Pâte à tartiner"}
    # Chocolate (table L, 2024): taxed above 47 g of sugar per 100 kg of net mass.
    assert required("1806.90.00.00", "2024-06-01", product_kind="chocolate") == ["net_mass_kg", "sugar_g_per_100"]


def test_spirits_need_volume_and_strength_and_tyres_the_net_mass():
    line_with_rate("2208300000", "40", description="Whiskies")
    line_with_rate("4011100000", "30", description="Pneumatiques")
    assert required("2208.30.00.00", "2024-03-01") == ["volume_l", "alcohol_pct_vol"]
    assert required("4011.10.00.00", "2024-03-01") == ["net_mass_kg"]
    assert excise_characteristics_required(tariff_code="4011.10.00.00", on_date=dt.date(2024, 3, 1),
                                           quantity_given=True) == []


def test_a_line_no_tic_table_covers_needs_nothing():
    assert required("2309.10.00.00", "2024-03-01") == []


def test_a_tic_category_band_must_be_a_catalogue_characteristic():
    from django.core.exceptions import ValidationError

    category = ExciseCategory.objects.get(code="J-appliances")
    category.band_attribute = "couleur"
    with pytest.raises(ValidationError) as exc:
        category.full_clean()
    assert "Caractéristique inconnue du catalogue : couleur." in exc.value.message_dict["band_attribute"]
