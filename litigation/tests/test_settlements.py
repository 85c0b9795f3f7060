"""Settlements (transaction, CDII art. 275 as amended by LF 2024)."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from litigation.models import Case, Settlement
from litigation.services import settlement_record
from tariff.kit.errors import DomainError, DomainErrors

from .factories import SettlementFactory, case_with

pytestmark = pytest.mark.django_db
D = Decimal
Status = Case.Status
DAY = dt.date(2024, 6, 1)


def contraband_case(**fields):
    """281-1° on 40,000 DH of duties: a 120,000 DH fine; 25,000 DH of duties on the seized goods."""
    defaults = dict(status=Status.UNDER_REVIEW, duties_compromised=D("40000"), goods_customs_value=D("100000"),
                    seized_goods_customs_value=D("60000"), duties_on_seized_goods=D("25000"))
    return case_with("281", "1°", **{**defaults, **fields})


def test_settlement_remitting_all_the_fines_is_accepted():
    case = contraband_case()
    settlement = settlement_record(case=case, settlement_date=DAY, fines_remitted=D("120000"))
    assert settlement.fines_due == D("120000.00")
    assert settlement.fines_payable == D("0.00")
    assert settlement.duties_due == D("25000.00")  # never remitted
    case.refresh_from_db()
    assert case.status == Status.SETTLED


def test_art_275_a_settlement_reducing_the_duties_is_refused():
    case = contraband_case()
    with pytest.raises(DomainError) as exc:
        settlement_record(case=case, settlement_date=DAY, fines_remitted=D("60000"), duties_remitted=D("1"))
    assert exc.value.code == "settlement_remits_duties"
    assert exc.value.field == "duties_remitted"
    assert not Settlement.objects.exists()
    case.refresh_from_db()
    assert case.status == Status.UNDER_REVIEW


def test_settlement_remitting_more_fines_than_due_is_refused():
    case = contraband_case()
    with pytest.raises(DomainError) as exc:
        settlement_record(case=case, settlement_date=DAY, fines_remitted=D("120000.01"))
    assert exc.value.code == "remits_more_than_due" and exc.value.field == "fines_remitted"
    assert not Settlement.objects.exists()


def test_fines_remission_is_capped_by_the_range_maximum():
    case = case_with("297", "8°", status=Status.UNDER_REVIEW)
    assert settlement_record(case=case, settlement_date=DAY, fines_remitted=D("50000")).fines_due == D("50000.00")


def test_confiscation_remission_is_capped_by_the_seized_value():
    case = contraband_case()
    with pytest.raises(DomainError) as exc:
        settlement_record(case=case, settlement_date=DAY, confiscations_remitted=D("60000.01"))
    assert exc.value.field == "confiscations_remitted"
    assert settlement_record(case=case, settlement_date=DAY, confiscations_remitted=D("60000")).pk


def test_other_sums_remission_is_capped_by_the_sums_due():
    case = contraband_case(other_sums_due=D("1000"))
    with pytest.raises(DomainError) as exc:
        settlement_record(case=case, settlement_date=DAY, other_sums_remitted=D("1500"))
    assert exc.value.field == "other_sums_remitted"


def test_all_violations_are_reported_at_once():
    case = contraband_case(status=Status.REPORTED)
    with pytest.raises(DomainErrors) as exc:
        settlement_record(case=case, settlement_date=DAY, fines_remitted=D("999999"), duties_remitted=D("5"))
    assert {e.code for e in exc.value.errors} == {"settlement_remits_duties", "invalid_status",
                                                 "remits_more_than_due"}
    assert set(exc.value.as_dict()) >= {"duties_remitted", "status", "fines_remitted"}


def test_settlement_needs_a_case_under_review():
    case = contraband_case(status=Status.REPORTED)
    with pytest.raises(DomainError) as exc:
        settlement_record(case=case, settlement_date=DAY)
    assert exc.value.code == "invalid_status"


def test_settlement_cannot_precede_the_facts():
    case = contraband_case()
    with pytest.raises(DomainError) as exc:
        settlement_record(case=case, settlement_date=dt.date(2024, 1, 1))
    assert exc.value.field == "settlement_date"


def test_art_275_duties_not_remitted_are_on_the_seized_goods_from_lf_2024():
    # CDII art. 275 (LF 2024): duties assessed on the goods actually seized.
    case = contraband_case()
    assert settlement_record(case=case, settlement_date=DAY).duties_due == D("25000.00")


def test_art_275_in_86_bis_and_166_ter_frauds_duties_stay_due_on_all_goods():
    # circ. 6522/210 §I.6: the seized-goods flexibility does not extend to art. 86 bis / 166 ter.
    case = contraband_case(post_clearance_fraud=True)
    assert settlement_record(case=case, settlement_date=DAY).duties_due == D("40000.00")


def test_art_275_the_database_refuses_a_settlement_remitting_duties():
    settlement = SettlementFactory.build(case=contraband_case(), duties_remitted=D("10"))
    with pytest.raises(IntegrityError), transaction.atomic():
        settlement.save()


def test_art_275_the_model_refuses_a_settlement_remitting_duties_with_the_services_code():
    from django.core.exceptions import ValidationError

    settlement = SettlementFactory.build(case=contraband_case(), duties_remitted=D("10"))
    with pytest.raises(ValidationError) as exc:
        settlement.full_clean()
    assert "settlement_remits_duties" in str(exc.value)


def test_settlement_history_is_kept():
    settlement = settlement_record(case=contraband_case(), settlement_date=DAY, fines_remitted=D("100"))
    assert settlement.history.count() == 1
    assert settlement.case.history.count() == 2


# --- the fine retained within the legal range (issue 22) -------------------------------------------

def declaration_form_case(**fields):
    """297-8° (LF 2024: 10,000 to 50,000 DH) on facts of 2024, 8,000 DH of duties on the seized goods."""
    defaults = dict(status=Status.UNDER_REVIEW, facts_date=dt.date(2024, 3, 1), duties_on_seized_goods=D("8000"))
    return case_with("297", "8°", **{**defaults, **fields})


def test_297_8_retained_at_20000_with_half_remitted_leaves_10000_plus_the_duties():
    case = declaration_form_case()
    settlement = settlement_record(case=case, settlement_date=DAY, fine_retained=D("20000"),
                                   fines_remitted=D("10000"))
    assert (settlement.fines_due, settlement.fine_retained) == (D("50000.00"), D("20000.00"))
    assert settlement.fines_payable == D("10000.00")
    assert settlement.duties_due == D("8000.00")  # CDII art. 275: never remitted
    assert settlement.amount_due == D("18000.00")


@pytest.mark.parametrize("retained", [D("9999.99"), D("50000.01"), D("60000")])
def test_297_8_retained_fine_outside_10000_50000_is_refused(retained):
    case = declaration_form_case()
    with pytest.raises(DomainError) as exc:
        settlement_record(case=case, settlement_date=DAY, fine_retained=retained, fines_remitted=D("0"))
    assert exc.value.code == "retained_fine_out_of_range" and exc.value.field == "fine_retained"
    assert "10 000,00" in exc.value.message.replace("\u202f", " ").replace("\xa0", " ")
    assert not Settlement.objects.exists()


def test_the_remission_is_measured_against_the_retained_fine():
    case = declaration_form_case()
    with pytest.raises(DomainError) as exc:
        settlement_record(case=case, settlement_date=DAY, fine_retained=D("20000"), fines_remitted=D("20000.01"))
    assert exc.value.code == "remits_more_than_due" and "retenue" in exc.value.message


def test_without_a_retained_fine_the_remission_is_on_the_maximum():
    settlement = settlement_record(case=declaration_form_case(), settlement_date=DAY, fines_remitted=D("25000"))
    assert settlement.fine_retained is None and settlement.fines_payable == D("25000.00")
    assert settlement.amount_due == D("33000.00")


def test_settlement_api_takes_the_retained_fine(broker_client):
    case = declaration_form_case()
    response = broker_client.post(f"/api/v1/litigation/cases/{case.pk}/settlements/", {
        "settlement_date": "2024-06-01", "fine_retained": "20000", "fines_remitted": "10000"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["fine_retained"], body["fines_payable"], body["amount_due"]) == ("20000.00", "10000.00", "18000.00")
    refused = broker_client.post(f"/api/v1/litigation/cases/{declaration_form_case(reference='X2').pk}/settlements/", {
        "settlement_date": "2024-06-01", "fine_retained": "5000"}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "retained_fine_out_of_range"
