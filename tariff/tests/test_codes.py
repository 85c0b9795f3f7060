import pytest

from tariff.codes import InvalidTariffCode, format_tariff_code, normalize_tariff_code


@pytest.mark.parametrize("raw", ["8517.13.00.00", "8517130000", " 8517 13 00 00 "])
def test_both_written_forms_give_one_canonical_code(raw):
    assert normalize_tariff_code(raw) == "8517130000"


@pytest.mark.parametrize("raw", ["8517.13", "85171300001", "ABCD130000", ""])
def test_malformed_codes_are_refused_with_a_french_message(raw):
    with pytest.raises(InvalidTariffCode) as exc:
        normalize_tariff_code(raw)
    assert "10 chiffres" in exc.value.message
    assert exc.value.field == "tariff_code"


def test_dotted_display():
    assert format_tariff_code("8507600700") == "8507.60.07.00"
