"""Pure rules of the exemptions followed over time (tariff.exemption_rules), with the
circulars' numbers: circ. 6522/210 (LF 2024) §I.2, §III.2, §IV-1, §IV-5, §V and
circ. 6255/210 (LF 2022) §I.7, §V."""
import datetime as dt
from decimal import Decimal as D

import pytest

from tariff import exemption_rules as er

IMPORTED = dt.date(2024, 3, 15)
# The dates the laws apply from, as the circulars give them (the application reads them from the
# FinanceLaw rows, see test_law_dates.py): LF 76-21 (circ. 6255/210), LF 55-23 (circ. 6522/210).
LF_2022_FROM = dt.date(2022, 1, 1)
LF_2024_FROM = dt.date(2024, 1, 1)


# --- calendar months, any started month counting (CGI art. 104-II-2°, LF 2024) -------------------

@pytest.mark.parametrize("start, end, months", [
    (dt.date(2024, 3, 15), dt.date(2024, 3, 15), 0),
    (dt.date(2024, 3, 15), dt.date(2024, 3, 16), 1),
    (dt.date(2024, 3, 15), dt.date(2024, 4, 15), 1),
    (dt.date(2024, 3, 15), dt.date(2024, 4, 16), 2),
    (dt.date(2024, 3, 15), dt.date(2026, 4, 18), 26),  # 25 months and 3 days
    (dt.date(2024, 3, 15), dt.date(2029, 3, 15), 60),
    (dt.date(2024, 1, 31), dt.date(2024, 2, 29), 1),  # month end clamped (leap year)
    (dt.date(2024, 1, 31), dt.date(2024, 3, 1), 2),
    (dt.date(2023, 12, 31), dt.date(2024, 12, 31), 12),
])
def test_months_started_counts_calendar_months_and_any_started_month(start, end, months):
    assert er.months_started(start, end) == months


def test_add_months_clamps_to_the_last_day_of_the_month():
    assert er.add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert er.add_months(dt.date(2023, 1, 31), 1) == dt.date(2023, 2, 28)
    assert er.add_months(dt.date(2024, 3, 15), 60) == dt.date(2029, 3, 15)


def test_regularisation_120000_exempted_disposed_after_25_months_and_3_days_is_68000():
    # Circ. 6522/210 §IV-5-1: 26 started months → 120,000 × 34/60.
    disposed = er.add_months(IMPORTED, 25) + dt.timedelta(days=3)
    assert disposed == dt.date(2026, 4, 18)
    assert er.regularisation_due(exempted_vat=D("120000"), imported_on=IMPORTED, disposed_on=disposed) == D("68000.00")


def test_regularisation_is_zero_after_exactly_60_months_and_later():
    assert er.regularisation_due(exempted_vat=D("120000"), imported_on=IMPORTED,
                                 disposed_on=dt.date(2029, 3, 15)) == D("0.00")
    assert er.regularisation_due(exempted_vat=D("120000"), imported_on=IMPORTED,
                                 disposed_on=dt.date(2031, 1, 1)) == D("0.00")


def test_regularisation_of_a_disposal_the_day_after_import_counts_one_month():
    assert er.regularisation_due(exempted_vat=D("120000"), imported_on=IMPORTED,
                                 disposed_on=dt.date(2024, 3, 16)) == D("118000.00")  # 59/60


def test_regularisation_of_a_disposal_on_the_import_day_is_the_whole_exempted_vat():
    assert er.regularisation_due(exempted_vat=D("120000"), imported_on=IMPORTED, disposed_on=IMPORTED) == D("120000.00")


def test_regularisation_rounds_once_half_up_to_the_centime():
    # 1,000.01 × 59/60 = 983.343… → 983.34
    assert er.regularisation_due(exempted_vat=D("1000.01"), imported_on=IMPORTED,
                                 disposed_on=dt.date(2024, 3, 20)) == D("983.34")


def test_regularisation_schedule_decreases_by_one_sixtieth_per_started_month():
    rows = er.regularisation_schedule(exempted_vat=D("120000"), imported_on=IMPORTED)
    assert len(rows) == 61
    assert (rows[0].month, rows[0].amount) == (0, D("120000.00"))
    assert (rows[1].disposed_from, rows[1].disposed_to, rows[1].amount) == (
        dt.date(2024, 3, 16), dt.date(2024, 4, 15), D("118000.00"))
    # The 25 months + 3 days disposal (18/04/2026) falls in the 26th started month.
    assert (rows[26].disposed_from, rows[26].disposed_to, rows[26].amount) == (
        dt.date(2026, 4, 16), dt.date(2026, 5, 15), D("68000.00"))
    assert (rows[60].disposed_to, rows[60].amount) == (dt.date(2029, 3, 15), D("0.00"))
    assert all(a.amount - b.amount == D("2000.00") for a, b in zip(rows, rows[1:]))


def test_cgi_102_and_92_i_6_conservation_and_guarantee_from_lf_2024_not_for_conventions():
    # LF 2024 art. 6 (circ. 6522/210 §IV-5); CGI art. 92-I-6° excludes goods of conventions with the State.
    assert not er.conservation_required(dt.date(2023, 12, 31), lf_2024_from=LF_2024_FROM)
    assert er.conservation_required(dt.date(2024, 1, 1), lf_2024_from=LF_2024_FROM)
    assert er.conservation_end(IMPORTED) == dt.date(2029, 3, 15)
    assert not er.guarantee_required(imported_on=dt.date(2023, 12, 31), under_convention=False,
                                     lf_2024_from=LF_2024_FROM)
    assert er.guarantee_required(imported_on=dt.date(2024, 1, 1), under_convention=False, lf_2024_from=LF_2024_FROM)
    assert not er.guarantee_required(imported_on=dt.date(2024, 1, 1), under_convention=True,
                                     lf_2024_from=LF_2024_FROM)


def test_guarantee_shortfall_is_what_the_guarantees_lack():
    assert er.guarantee_shortfall(exempted_vat=D("120000"), guaranteed=D("100000")) == D("20000.00")
    assert er.guarantee_shortfall(exempted_vat=D("120000"), guaranteed=D("150000")) == D("0")


# --- investment conventions (CDII art. 164-1°-p, circ. 6255/210 §I.7) -----------------------------

def test_art_164_1_p_investment_threshold_is_100_million_before_lf_2022_and_50_million_from_it():
    assert er.investment_threshold(dt.date(2021, 12, 31), lf_2022_from=LF_2022_FROM) == D("100000000")
    assert er.investment_threshold(dt.date(2022, 1, 1), lf_2022_from=LF_2022_FROM) == D("50000000")
    assert er.convention_meets_threshold(amount=D("50000000"), signed_on=dt.date(2022, 1, 1), lf_2022_from=LF_2022_FROM)
    assert not er.convention_meets_threshold(amount=D("60000000"), signed_on=dt.date(2021, 6, 30),
                                             lf_2022_from=LF_2022_FROM)
    assert not er.convention_meets_threshold(amount=D("49999999.99"), signed_on=dt.date(2024, 5, 1),
                                             lf_2022_from=LF_2022_FROM)


# --- quotas (LF 2024 art. 5 bis, circ. 6522/210 §V) -------------------------------------------------

def test_quota_split_within_the_balance_takes_everything_at_the_franchise_rate():
    split = er.decide_quota_split(requested=D("5000"), balance=D("15000000"))
    assert (split.in_quota, split.out_of_quota, split.is_split) == (D("5000"), D("0"), False)
    assert split.balance_after == D("14995000")


def test_quota_split_beyond_the_balance_gives_the_rest_at_the_normal_rate():
    split = er.decide_quota_split(requested=D("5000"), balance=D("2000"))
    assert (split.in_quota, split.out_of_quota, split.balance_after) == (D("2000"), D("3000"), D("0"))


def test_quota_exhausted_or_partial_refused_is_refused_with_the_balance():
    with pytest.raises(er.QuotaRefused) as exc:
        er.decide_quota_split(requested=D("5000"), balance=D("0"))
    assert exc.value.reason == "exhausted"
    with pytest.raises(er.QuotaRefused) as exc:
        er.decide_quota_split(requested=D("5000"), balance=D("2000"), allow_partial=False)
    assert (exc.value.reason, exc.value.split.balance_before) == ("exceeded", D("2000"))


# --- conditional franchise codes (circ. 6522/210 §IV-1) ---------------------------------------------

def test_dgi_certificate_is_valid_only_for_its_year_of_issue():
    issued = dt.date(2024, 9, 2)
    assert er.dgi_certificate_expiry(issued) == dt.date(2024, 12, 31)
    assert er.dgi_certificate_valid_on(issued_on=issued, on_date=dt.date(2024, 12, 31))
    assert not er.dgi_certificate_valid_on(issued_on=issued, on_date=dt.date(2025, 1, 1))
    assert not er.dgi_certificate_valid_on(issued_on=issued, on_date=dt.date(2024, 9, 1))


def test_code_2013_conditions_supplies_undertaking_materials_certificate_others_request():
    missing = er.school_supplies_missing_condition
    assert missing(listed_item=True, is_material=False, held=set()) == er.UNDERTAKING
    assert missing(listed_item=True, is_material=False, held={er.UNDERTAKING}) is None
    assert missing(listed_item=True, is_material=False, held={er.DGI_CERTIFICATE}) is None
    assert missing(listed_item=False, is_material=True, held={er.UNDERTAKING}) == er.DGI_CERTIFICATE
    assert missing(listed_item=False, is_material=True, held={er.DGI_CERTIFICATE}) is None
    assert missing(listed_item=False, is_material=False, held={er.UNDERTAKING}) == er.EXEMPTION_REQUEST
    assert missing(listed_item=False, is_material=False, held={er.EXEMPTION_REQUEST}) is None


def test_code_0040_needs_the_fm6ss_status_and_equipment():
    assert er.fm6ss_missing_condition(is_equipment=True, held=set()) == er.FM6SS_BENEFICIARY
    assert er.fm6ss_missing_condition(is_equipment=False, held={er.FM6SS_BENEFICIARY}) == "equipment"
    assert er.fm6ss_missing_condition(is_equipment=True, held={er.FM6SS_BENEFICIARY}) is None


# --- alcohol (LF 2024 art. 5-IV, circ. 6522/210 §III.2) ---------------------------------------------

def test_transitional_clause_refused_for_alcoholic_beverages_imported_from_2024():
    assert not er.transitional_clause_refused(is_alcoholic_beverage=True, on_date=dt.date(2023, 12, 31),
                                              lf_2024_from=LF_2024_FROM)
    assert er.transitional_clause_refused(is_alcoholic_beverage=True, on_date=dt.date(2024, 1, 1),
                                          lf_2024_from=LF_2024_FROM)
    assert not er.transitional_clause_refused(is_alcoholic_beverage=False, on_date=dt.date(2024, 6, 1),
                                              lf_2024_from=LF_2024_FROM)


# --- warehouse (CDII art. 130-4°, circ. 6522/210 §I.2) ----------------------------------------------

def test_warehouse_disposal_conditions_report_every_unmet_one():
    assert er.warehouse_disposal_refusals(duties_paid_or_guaranteed=False, reason_listed=True,
                                          costs_borne_by_operator=True) == []
    codes = [c for c, _m in er.warehouse_disposal_refusals(
        duties_paid_or_guaranteed=True, reason_listed=False, costs_borne_by_operator=False)]
    assert codes == ["duties_paid_or_guaranteed", "reason_not_listed", "cost_to_treasury"]
