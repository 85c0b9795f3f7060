"""Pure rules of the beneficiary conditions of codes 0164 (CDII art. 164 bis-1°-j, circ. 6522/210
§I.3) and 2059 (CGI art. 123-59°, circ. 6255/210 §V)."""
from tariff import exemption_rules as er


def test_cdii_164_bis_1_j_listed_non_profit_body_meets_the_condition_on_any_date():
    assert er.minimum_duty_missing_condition(held={er.NONPROFIT_BENEFICIARY}, fm6ss_listed=False) is None


def test_cdii_164_bis_1_j_fm6ss_meets_it_only_once_lf_2024_applies():
    assert er.minimum_duty_missing_condition(held={er.FM6SS_BENEFICIARY}, fm6ss_listed=True) is None
    assert er.minimum_duty_missing_condition(held={er.FM6SS_BENEFICIARY}, fm6ss_listed=False) == (
        er.FM6SS_NOT_YET_LISTED)


def test_cdii_164_bis_1_j_without_a_status_the_non_profit_status_is_missing():
    assert er.minimum_duty_missing_condition(held={er.UNDERTAKING}, fm6ss_listed=True) == er.NONPROFIT_BENEFICIARY


def test_cgi_123_59_only_panel_manufacturers():
    assert er.solar_panel_inputs_missing_condition(held={er.PV_MANUFACTURER}) is None
    assert er.solar_panel_inputs_missing_condition(held=set()) == er.PV_MANUFACTURER
