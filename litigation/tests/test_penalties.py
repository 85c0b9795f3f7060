"""Penalties of the offence catalogue, with the numbers of circulars 6255/210 (LF 2022)
and 6522/210 (LF 2024), annexes I."""
import datetime as dt
from decimal import Decimal

import pytest

from litigation.rules import compute_penalty
from litigation.selectors import case_penalty, offence_for
from tariff.tests.helpers import plain

from .factories import case_with

pytestmark = pytest.mark.django_db

D = Decimal
FACTS_2024 = dt.date(2024, 3, 1)


def offence(article, paragraph="", on=FACTS_2024, variant=""):
    found = offence_for(article=article, paragraph=paragraph, on_date=on, variant=variant)
    assert found is not None, f"{article}-{paragraph} not in force on {on}"
    return found


# --- acceptance numbers of issue 5 ----------------------------------------------------------------

def test_281_1_second_class_delit_is_three_times_duties():
    # CDII art. 282 bis-2°-a (LF 2022): 3 × 40,000 = 120,000.
    line = compute_penalty(offence("281", "1°"), duties=D("40000"))
    assert (line.fine_min, line.fine_max) == (D("120000.00"), D("120000.00"))
    assert line.penalty_article == "282 bis-2°-a"
    assert (line.prison_min_months, line.prison_max_months) == (1, 12)
    assert line.confiscations == ("goods", "transport", "concealing")
    assert not line.doubled


def test_281_1_with_aggravating_circumstances_is_doubled():
    line = compute_penalty(offence("281", "1°"), duties=D("40000"), aggravating=True)
    assert line.fine_max == D("240000.00")
    assert line.doubled and "circonstances aggravantes" in line.doubling_reason


def test_281_sensitive_goods_double_the_fine():
    # CDII art. 282 bis-2° last paragraph: security, morality, public health, environment.
    line = compute_penalty(offence("281", "1°"), duties=D("40000"), sensitive_goods=True)
    assert line.fine_max == D("240000.00")
    assert "santé publique" in line.doubling_reason


def test_281_both_doubling_conditions_double_once_not_twice():
    line = compute_penalty(offence("281", "1°"), duties=D("40000"), aggravating=True, sensitive_goods=True)
    assert line.fine_max == D("240000.00")


@pytest.mark.parametrize("paragraph", ["8°", "9°"])
def test_281_8_and_9_are_twice_the_goods_value(paragraph):
    # CDII art. 282 bis-2°-b.
    line = compute_penalty(offence("281", paragraph), goods_value=D("75000"), duties=D("99999"))
    assert line.fine_max == D("150000.00")
    assert line.penalty_article == "282 bis-2°-b"


def test_285_first_class_contravention_is_twice_the_duties():
    # CDII art. 287 bis-1°-a: duties 10,000 → 20,000.
    for paragraph in ("", "2°"):
        line = compute_penalty(offence("285", paragraph), duties=D("10000"))
        assert line.fine_max == D("20000.00")
        assert line.penalty_article == "287 bis-1°-a"
        assert line.confiscations == ("goods", "transport")
        assert "212" in line.confiscation_note


def test_285_1_export_of_prohibited_goods_is_half_the_value():
    # CDII art. 287 bis-1°-b.
    line = compute_penalty(offence("285", "1°"), goods_value=D("90000"), duties=D("1000"))
    assert line.fine_max == D("45000.00")
    assert "moitié de la valeur" in line.detail


def test_285_15_documents_not_kept_is_the_goods_value():
    # CDII art. 287 bis-1°-c.
    line = compute_penalty(offence("285", "15°"), goods_value=D("90000"))
    assert line.fine_max == D("90000.00")


def test_66_bis_undeclared_300000_is_fined_150000():
    # CDII art. 297-7° and 297 bis: half the undeclared amount.
    line = compute_penalty(offence("297", "7°"), undeclared_amount=D("300000"))
    assert line.applicable
    assert line.fine_max == D("150000.00")


def test_66_bis_below_100000_is_not_an_offence():
    line = compute_penalty(offence("297", "7°"), undeclared_amount=D("99999.99"))
    assert not line.applicable
    assert "100 000,00 DH" in plain(line.reason) and "66 bis" in line.reason
    assert line.fine_max is None


def test_66_bis_exactly_100000_is_an_offence():
    line = compute_penalty(offence("297", "7°"), undeclared_amount=D("100000"))
    assert line.fine_max == D("50000.00")


def test_297_8_is_not_applicable_to_facts_of_2023_12_31():
    case = case_with("297", "8°", facts_date=dt.date(2023, 12, 31))
    [line] = case_penalty(case)
    assert not line.applicable
    assert "31/12/2023" in line.reason and "01/01/2024" in line.reason
    assert offence_for(article="297", paragraph="8°", on_date=dt.date(2023, 12, 31)) is None


def test_297_8_applies_to_facts_of_2024_01_02_with_10000_to_50000():
    case = case_with("297", "8°", facts_date=dt.date(2024, 1, 2))
    [line] = case_penalty(case)
    assert line.applicable
    assert (line.fine_min, line.fine_max) == (D("10000.00"), D("50000.00"))
    assert line.penalty_article == "297 bis"
    assert "LF 2024" in line.source


def test_299_fourth_class_is_500_to_2500():
    line = compute_penalty(offence("299"))
    assert (line.fine_min, line.fine_max) == (D("500.00"), D("2500.00"))
    assert line.penalty_article == "299 bis"


@pytest.mark.parametrize(
    "paragraph, low, high",
    [("1°", "3000", "30000"), ("2°", "80000", "100000"), ("3°", "3000", "30000"), ("4°", "30000", "60000"),
     ("5°", "200000", "400000"), ("6°", "80000", "100000")],
)
def test_297_bis_third_class_ranges(paragraph, low, high):
    line = compute_penalty(offence("297", paragraph))
    assert (line.fine_min, line.fine_max) == (D(low), D(high))


# --- other rules of the catalogue ------------------------------------------------------------------

def test_282_5_vehicle_identifier_tampering_is_not_applicable_before_2024():
    assert offence_for(article="282", paragraph="5°", on_date=dt.date(2023, 12, 31)) is None
    case = case_with("282", "5°", facts_date=dt.date(2023, 12, 31), duties_compromised=D("10000"))
    [line] = case_penalty(case)
    assert not line.applicable


def test_282_5_from_2024_is_contraband_punished_like_281_1():
    line = compute_penalty(offence("282", "5°", on=dt.date(2024, 1, 1)), duties=D("10000"))
    assert line.offence_class == "delit_2"
    assert line.fine_max == D("30000.00")


def test_280_applies_in_2021_and_is_replaced_by_282_bis_from_2022():
    old = offence_for(article="280", paragraph="", on_date=dt.date(2021, 12, 31))
    assert old is not None and old.valid_to == dt.date(2021, 12, 31)
    assert "282 bis" in old.label_fr
    assert offence_for(article="280", paragraph="", on_date=dt.date(2022, 1, 1)) is None
    assert offence("281", "1°", on=dt.date(2022, 1, 1)).penalty_article.startswith("282 bis")


@pytest.mark.parametrize("article, successor", [("280", "282 bis"), ("284", "287 bis"), ("293", "294 bis"),
                                                ("298", "299 bis")])
def test_abolished_penalty_articles_carry_no_invented_amounts(article, successor):
    old = offence(article, on=dt.date(2021, 6, 30))
    assert old.fine_basis == "" and old.fine_min is None and old.fine_multiplier is None
    assert successor in old.label_fr and "non reprises" in old.note
    line = compute_penalty(old, duties=D("10000"))
    assert line.applicable and line.fine_max is None and "non reprises" in line.detail


def test_279_ter_first_class_delit_is_twice_the_value_doubled_with_aggravating_circumstances():
    # CDII art. 279 quater (LF 2022): 1 to 3 years, 2 × value, doubled, three confiscations.
    first = offence("279 ter", "1°")
    plain = compute_penalty(first, goods_value=D("50000"))
    doubled = compute_penalty(first, goods_value=D("50000"), aggravating=True)
    assert plain.fine_max == D("100000.00")
    assert doubled.fine_max == D("200000.00") and doubled.doubled
    assert (plain.prison_min_months, plain.prison_max_months) == (12, 36)
    assert plain.confiscations == ("goods", "transport", "concealing")


def test_279_ter_is_not_doubled_for_sensitive_goods_alone():
    line = compute_penalty(offence("279 ter", "1°"), goods_value=D("50000"), sensitive_goods=True)
    assert line.fine_max == D("100000.00") and not line.doubled


@pytest.mark.parametrize("paragraph", ["1°", "2°", "3°", "4°"])
def test_294_1_to_4_are_one_and_a_half_times_the_duties(paragraph):
    line = compute_penalty(offence("294", paragraph), duties=D("10000"))
    assert line.fine_max == D("15000.00")


@pytest.mark.parametrize("paragraph", ["5°", "6°", "6° ter", "8°"])
def test_294_fixed_range_3000_to_30000(paragraph):
    line = compute_penalty(offence("294", paragraph))
    assert (line.fine_min, line.fine_max) == (D("3000.00"), D("30000.00"))


def test_294_6_bis_import_and_export_of_prohibited_goods():
    imported = compute_penalty(offence("294", "6° bis", variant="import"), duties=D("10000"), goods_value=D("8000"))
    exported = compute_penalty(offence("294", "6° bis", variant="export"), duties=D("10000"), goods_value=D("8000"))
    assert imported.fine_max == D("15000.00")
    assert exported.fine_max == D("4000.00")


def test_294_11_is_the_amount_of_the_export_advantages():
    line = compute_penalty(offence("294", "11°"), export_advantages=D("12345.67"))
    assert line.fine_max == D("12345.67")
    assert "avantages attachés à l'exportation" in line.detail


def test_missing_base_is_reported_not_guessed():
    line = compute_penalty(offence("281", "1°"))
    assert line.applicable and line.fine_max is None
    assert "Assiette manquante" in line.detail


def test_several_offences_on_one_case_are_listed_separately():
    from .factories import CaseOffenceFactory, charge_version

    case = case_with("281", "1°", duties_compromised=D("40000"), goods_customs_value=D("100000"))
    CaseOffenceFactory(case=case, offence=charge_version("297", "8°"))
    CaseOffenceFactory(case=case, offence=charge_version("285", "15°"), goods_customs_value=D("20000"))
    lines = case_penalty(case)
    assert [(l.citation, l.fine_min, l.fine_max) for l in lines] == [
        ("281-1°", D("120000.00"), D("120000.00")),
        ("297-8°", D("10000.00"), D("50000.00")),
        ("285-15°", D("20000.00"), D("20000.00")),  # its own base overrides the case's
    ]


def test_fine_detail_cites_the_base_and_the_article():
    line = compute_penalty(offence("281", "1°"), duties=D("40000"), aggravating=True)
    assert plain(line.detail) == (
        "Amende égale à 3 fois les droits et taxes (40 000,00 DH) = 120 000,00 DH, "
        "portée au double = 240 000,00 DH (art. 282 bis-2°-a)."
    )
