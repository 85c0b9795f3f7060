"""French numbers in messages through Django's localisation (issue 17)."""
from decimal import Decimal as D

import pytest
from django.utils import translation

from tariff.kit.numbers import format_amount, format_number, format_percent, format_plain, format_quantity, format_rate
from tariff.tests.helpers import plain


@pytest.mark.parametrize("value, expected", [
    (D("300000"), "300 000,00 MAD"), (D("1234567.5"), "1 234 567,50 MAD"), (D("25001"), "25 001,00 MAD"),
    (D("0.005"), "0,01 MAD"), (D("-1500"), "-1 500,00 MAD"),
])
def test_amounts_are_french_to_the_centime(value, expected):
    assert plain(format_amount(value, "MAD")) == expected


@pytest.mark.parametrize("value, expected", [(D("30.0000"), "30 %"), (D("60.0000"), "60 %"), (D("12.5"), "12,5 %")])
def test_rates_are_french_without_trailing_zeros(value, expected):
    assert plain(format_percent(value)) == expected


def test_quantities_keep_their_unit_and_drop_trailing_zeros():
    assert plain(format_quantity(D("400.000"), "kg")) == "400 kg"
    assert plain(format_quantity(D("500000.250"), "kg")) == "500 000,25 kg"


def test_french_whatever_the_active_language():
    with translation.override("en"):
        assert plain(format_number(D("1234.5"), decimal_places=2)) == "1 234,50"


def test_rates_and_plain_figures_drop_trailing_zeros_and_an_absent_value_is_a_dash():
    # One formatter for the project: the rates of the reference rows, the fines of the code, file sizes.
    assert [plain(format_rate(v)) for v in (D("17.5000"), D("10.000000"), D("10.812300"), None)] == [
        "17,5", "10", "10,8123", "—"]
    assert plain(format_plain(D("10000.00"))) == "10 000" and format_amount(None) == "—"
