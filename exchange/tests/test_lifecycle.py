"""Commitment life cycle: domiciliation, imputation, carry-over, modification, bank change,
natural persons' exemption — one test per rule of the Office des Changes FAQ."""
import datetime as dt
from decimal import Decimal as D

import pytest

from exchange import services
from exchange.models import AdvanceCarryOver, BankChange, Commitment, Modification, Payment, PersonalImport
from tariff.kit.errors import DomainError

from .factories import TODAY, CommitmentFactory, ImporterFactory, NaturalPersonFactory, bank_user_for, impute, pay

pytestmark = pytest.mark.django_db


def assert_refused(code: str, fn, *args, **kwargs):
    with pytest.raises(DomainError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, (info.value.code, info.value.message)
    return info.value


# --- domiciliation ---------------------------------------------------------------------------

def test_domiciliation_requires_the_bank_to_confirm_contract_concordance(agent_a, importer):
    commitment = CommitmentFactory(bank=agent_a.bank_profile.bank, importer=importer)
    assert_refused(
        "concordance_not_confirmed", services.commitment_domiciliate,
        commitment=commitment, user=agent_a, contract_concordance_confirmed=False,
    )
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.SUBSCRIBED

    services.commitment_domiciliate(commitment=commitment, user=agent_a, contract_concordance_confirmed=True)
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.DOMICILED
    assert commitment.domiciliation_confirmed_by == agent_a and commitment.domiciliation_confirmed_at
    assert_refused(
        "already_domiciled", services.commitment_domiciliate,
        commitment=commitment, user=agent_a, contract_concordance_confirmed=True,
    )


def test_domiciliation_only_by_the_chosen_bank(agent_a, agent_b):
    commitment = CommitmentFactory(bank=agent_a.bank_profile.bank)
    assert_refused(
        "not_commitment_bank", services.commitment_domiciliate,
        commitment=commitment, user=agent_b, contract_concordance_confirmed=True,
    )


def test_domiciliation_refuses_a_contract_advance_rate_above_the_regulation(agent_a):
    commitment = CommitmentFactory(bank=agent_a.bank_profile.bank, contract_advance_rate=D("40"))
    assert_refused(
        "contract_advance_rate_over_limit", services.commitment_domiciliate,
        commitment=commitment, user=agent_a, contract_concordance_confirmed=True,
    )
    aero = CommitmentFactory(
        bank=agent_a.bank_profile.bank, contract_advance_rate=D("40"),
        importer=ImporterFactory(is_aeronautics_registered=True),
    )
    services.commitment_domiciliate(commitment=aero, user=agent_a, contract_concordance_confirmed=True)


# --- imputation and status -------------------------------------------------------------------

def test_imputations_move_the_status_to_partially_then_totally_imputed_then_settled(commitment, agent_a, staff):
    impute(commitment, staff, "400000", declaration_reference="DUM 301-2025-000123")
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.PARTIALLY_IMPUTED
    impute(commitment, staff, "600000")
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.TOTALLY_IMPUTED
    pay(commitment, agent_a, "settlement", "1000000")
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.SETTLED


def test_imputation_in_another_currency_is_converted(commitment, staff):
    imputation = impute(commitment, staff, "10000", currency="EUR")
    assert (imputation.amount_in_commitment_currency, imputation.amount_mad) == (D("108000.00"), D("108000.00"))


def test_imputation_refused_before_domiciliation(staff):
    commitment = CommitmentFactory()
    assert_refused("not_domiciled", impute, commitment, staff, "1000")


# --- carry-over of advances ------------------------------------------------------------------

def _replacement(source, staff, number):
    return services.commitment_create(
        user=staff, number=number, importer=source.importer, bank=source.bank, currency="MAD",
        subscribed_amount=D("1000000"), goods_description="Remplacement", contract_advance_rate=D("30"),
        replaces=source,
    )


def test_carry_over_of_advances_to_the_replacing_commitment_only_once(commitment, agent_a, staff):
    pay(commitment, agent_a, "advance", "250000")
    replacing = _replacement(commitment, staff, "EI-REMPL-1")
    services.commitment_domiciliate(commitment=replacing, user=agent_a, contract_concordance_confirmed=True)

    carry = services.commitment_carry_over_advances(source=commitment, target=replacing, user=agent_a, on_date=TODAY)
    assert carry.amount == D("250000.00")
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.CLOSED
    from exchange.selectors import commitment_totals

    assert commitment_totals(commitment=replacing).advances == D("250000.00")
    assert commitment_totals(commitment=commitment).advances == D("0.00")

    # Second time, same source: refused.
    assert_refused(
        "carry_over_already_done", services.commitment_carry_over_advances,
        source=commitment, target=replacing, user=agent_a,
    )
    # Nor can the carried advances move again onto a third commitment.
    third = _replacement(replacing, staff, "EI-REMPL-2")
    services.commitment_domiciliate(commitment=third, user=agent_a, contract_concordance_confirmed=True)
    assert_refused(
        "carry_over_already_done", services.commitment_carry_over_advances,
        source=replacing, target=third, user=agent_a,
    )
    assert AdvanceCarryOver.objects.count() == 1


def test_carry_over_only_to_a_commitment_replacing_the_initial_one(commitment, make_commitment, agent_a):
    pay(commitment, agent_a, "advance", "1000")
    unrelated = make_commitment(importer=commitment.importer)
    assert_refused(
        "carry_over_not_replacing", services.commitment_carry_over_advances,
        source=commitment, target=unrelated, user=agent_a,
    )


def test_carried_advances_count_against_the_new_commitments_limit(commitment, agent_a, staff):
    pay(commitment, agent_a, "advance", "300000")
    replacing = _replacement(commitment, staff, "EI-REMPL-3")
    services.commitment_domiciliate(commitment=replacing, user=agent_a, contract_concordance_confirmed=True)
    services.commitment_carry_over_advances(source=commitment, target=replacing, user=agent_a)
    assert_refused("advance_over_limit", pay, replacing, agent_a, "advance", "0.01")
    assert_refused("commitment_closed", pay, commitment, agent_a, "advance", "0.01")


def test_a_commitment_is_replaced_once_by_the_same_importer(commitment, staff):
    _replacement(commitment, staff, "EI-REMPL-4")
    assert_refused("replacement_invalid", _replacement, commitment, staff, "EI-REMPL-5")


# --- modification ----------------------------------------------------------------------------

def test_modification_by_the_importer_takes_effect_when_the_bank_validates(commitment, agent_a, staff):
    modification = services.commitment_modify(
        commitment=commitment, user=staff, changes={"subscribed_amount": "1200000", "goods_description": "Tours CNC"}
    )
    commitment.refresh_from_db()
    assert commitment.subscribed_amount == D("1000000.00")  # not before the bank validates
    assert modification.previous == {
        "subscribed_amount": "1000000.00", "goods_description": "Machines et pièces détachées"
    }

    services.modification_validate(modification=modification, user=agent_a)
    commitment.refresh_from_db()
    assert (commitment.subscribed_amount, commitment.goods_description) == (D("1200000.00"), "Tours CNC")
    modification.refresh_from_db()
    assert (modification.status, modification.validated_by) == (Modification.Status.VALIDATED, agent_a)
    assert_refused("modification_not_pending", services.modification_validate, modification=modification, user=agent_a)


def test_modification_refused_after_total_imputation(commitment, staff):
    impute(commitment, staff, "1000000")
    assert_refused(
        "modification_after_total_imputation", services.commitment_modify,
        commitment=commitment, user=staff, changes={"goods_description": "Autre"},
    )


def test_no_lowering_of_the_subscribed_value_once_settled(commitment, agent_a, staff):
    pay(commitment, agent_a, "advance", "100000")
    assert_refused(
        "modification_lowers_settled_value", services.commitment_modify,
        commitment=commitment, user=staff, changes={"subscribed_amount": "900000"},
    )
    services.commitment_modify(commitment=commitment, user=staff, changes={"subscribed_amount": "1100000"})


def test_lowering_the_subscribed_value_before_any_settlement(commitment, agent_a, staff):
    modification = services.commitment_modify(
        commitment=commitment, user=staff, changes={"subscribed_amount": "900000", "total_import_value": "900000"}
    )
    services.modification_validate(modification=modification, user=agent_a)
    commitment.refresh_from_db()
    assert commitment.subscribed_amount == D("900000.00")


def test_modification_rules_are_checked_again_when_the_bank_validates(commitment, agent_a, staff):
    modification = services.commitment_modify(
        commitment=commitment, user=staff, changes={"subscribed_amount": "800000"}
    )
    pay(commitment, agent_a, "advance", "1000")
    assert_refused(
        "modification_lowers_settled_value", services.modification_validate, modification=modification, user=agent_a
    )
    modification.refresh_from_db()
    assert modification.status == Modification.Status.REQUESTED


def test_modification_rejected_by_the_bank(commitment, agent_a, agent_b, staff):
    modification = services.commitment_modify(commitment=commitment, user=staff, changes={"freight_amount": "1500"})
    assert_refused("not_commitment_bank", services.modification_reject, modification=modification, user=agent_b)
    services.modification_reject(modification=modification, user=agent_a, reason="Contrat non produit")
    commitment.refresh_from_db()
    assert commitment.freight_amount == D("0.00")


def test_modification_of_unknown_or_unchanged_data_is_refused(commitment, staff):
    assert_refused(
        "modification_invalid", services.commitment_modify, commitment=commitment, user=staff, changes={"bank": 1}
    )
    assert_refused(
        "modification_empty", services.commitment_modify,
        commitment=commitment, user=staff, changes={"subscribed_amount": "1000000"},
    )


# --- change of domiciliary bank --------------------------------------------------------------

def test_bank_change_refused_under_a_documentary_credit(make_commitment, bank_b, staff):
    commitment = make_commitment(payment_method=Commitment.PaymentMethod.CREDOC)
    assert_refused(
        "bank_change_under_credoc", services.commitment_request_bank_change,
        commitment=commitment, to_bank=bank_b, user=staff,
    )


def test_bank_change_refused_under_another_engagement_of_the_first_bank(make_commitment, bank_b, staff):
    commitment = make_commitment(bank_engagement=True)
    assert_refused(
        "bank_change_under_bank_engagement", services.commitment_request_bank_change,
        commitment=commitment, to_bank=bank_b, user=staff,
    )


def test_bank_change_after_the_first_bank_records_its_settlements(commitment, agent_a, agent_b, bank_b, staff):
    pay(commitment, agent_a, "advance", "120000")
    change = services.commitment_request_bank_change(commitment=commitment, to_bank=bank_b, user=staff)
    assert_refused(
        "bank_change_already_pending", services.commitment_request_bank_change,
        commitment=commitment, to_bank=bank_b, user=staff,
    )
    assert_refused("settlements_not_recorded", services.bank_change_accept, bank_change=change, user=agent_b)
    assert_refused("not_commitment_bank", services.bank_change_record_settlements, bank_change=change, user=agent_b)

    pay(commitment, agent_a, "advance", "30000")  # still its bank: it may record settlements until it declares
    services.bank_change_record_settlements(bank_change=change, user=agent_a)
    change.refresh_from_db()
    assert change.settled_amount_recorded == D("150000.00")
    assert_refused("bank_change_pending", pay, commitment, agent_a, "advance", "1000")
    assert_refused("not_commitment_bank", services.bank_change_accept, bank_change=change, user=agent_a)

    services.bank_change_accept(bank_change=change, user=agent_b)
    commitment.refresh_from_db()
    assert commitment.bank == bank_b and commitment.domiciliation_confirmed_by == agent_b
    change.refresh_from_db()
    assert change.status == BankChange.Status.ACCEPTED
    # The new bank now pays, on the same running totals (150,000 already advanced).
    assert_refused("advance_over_limit", pay, commitment, agent_b, "advance", "150000.01")
    pay(commitment, agent_b, "advance", "150000")
    assert_refused("not_commitment_bank", pay, commitment, agent_a, "advance", "1")


def test_bank_change_rejected_by_the_new_bank(commitment, agent_a, agent_b, bank_b, staff):
    change = services.commitment_request_bank_change(commitment=commitment, to_bank=bank_b, user=staff)
    services.bank_change_record_settlements(bank_change=change, user=agent_a)
    services.bank_change_reject(bank_change=change, user=agent_b, reason="Dossier incomplet")
    commitment.refresh_from_db()
    assert commitment.bank_id == agent_a.bank_profile.bank_id
    pay(commitment, agent_a, "advance", "1000")  # the first bank pays again
    assert_refused("bank_change_not_pending", services.bank_change_accept, bank_change=change, user=agent_b)


def test_bank_change_to_the_same_bank_is_refused(commitment, bank_a, staff):
    assert_refused(
        "bank_change_same_bank", services.commitment_request_bank_change,
        commitment=commitment, to_bank=bank_a, user=staff,
    )


# --- natural persons' exemption (20,000 MAD per person per calendar year) ---------------------

def _personal(importer, staff, amount, on_date=TODAY, currency="MAD"):
    return services.personal_import_check(
        importer=importer, user=staff, amount=D(amount), currency=currency, on_date=on_date, reference="DUM/Messagerie"
    )


def test_natural_person_exempt_up_to_20000_mad_per_calendar_year(staff):
    person = NaturalPersonFactory()
    assert_refused("personal_exemption_exceeded", _personal, person, staff, "20001")
    _personal(person, staff, "15000")
    assert_refused("personal_exemption_exceeded", _personal, person, staff, "5001")
    _personal(person, staff, "5000")  # 20,000 exactly
    assert_refused("personal_exemption_exceeded", _personal, person, staff, "0.01")
    _personal(person, staff, "20000", on_date=dt.date(2026, 1, 2))  # a new calendar year
    assert PersonalImport.objects.filter(importer=person).count() == 3


def test_personal_exemption_counts_foreign_currency_at_the_customs_rate(staff):
    person = NaturalPersonFactory()
    record = _personal(person, staff, "1851.85", currency="EUR")  # 19,999.98 MAD
    assert record.amount_mad == D("19999.98")
    assert_refused("personal_exemption_exceeded", _personal, person, staff, "0.03")


@pytest.mark.parametrize(
    "attrs",
    [
        {"kind": "company"},
        {"trade_register_number": "RC-12345"},
        {"is_resident": False},
    ],
)
def test_personal_exemption_only_for_resident_natural_persons_outside_the_trade_register(staff, attrs):
    person = NaturalPersonFactory(**attrs)
    assert_refused("personal_exemption_not_applicable", _personal, person, staff, "100")


# --- history ---------------------------------------------------------------------------------

def test_every_state_change_is_recorded_in_history(commitment, agent_a, staff):
    impute(commitment, staff, "1000000")
    payment = pay(commitment, agent_a, "settlement", "1000000")
    rows = list(commitment.history.order_by("history_date", "history_id").values_list("status", "history_user"))
    assert rows[1:] == [("domiciled", agent_a.pk), ("totally_imputed", staff.pk), ("settled", agent_a.pk)]
    assert rows[0][0] == "subscribed"
    assert payment.history.count() == 1 and payment.history.first().created_by == agent_a
    assert Payment.history.filter(commitment_id=commitment.pk).count() == 1


def test_bank_user_is_linked_to_one_bank(bank_a):
    user = bank_user_for(bank_a, "second-agent")
    assert user.bank_profile.bank == bank_a
