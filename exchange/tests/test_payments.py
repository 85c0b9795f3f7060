"""Payment rules, one test per rule of the Office des Changes FAQ, with its numbers."""
from decimal import Decimal as D

import pytest

from exchange import rules, services
from exchange.models import Commitment, Payment
from tariff.kit.errors import DomainError

from .factories import TODAY, ImporterFactory, impute, pay

pytestmark = pytest.mark.django_db

ADVANCE, ANTICIPATED, SETTLEMENT, OVERRUN = "advance", "anticipated", "settlement", "overrun"


def assert_refused(code: str, fn, *args, **kwargs):
    with pytest.raises(DomainError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, (info.value.code, info.value.message)
    return info.value


# --- advances (acomptes) ---------------------------------------------------------------------

def test_advance_up_to_30_percent_of_total_import_value(commitment, agent_a):
    # FAQ: 30 % of 1,000,000 = 300,000 accepted, 300,001 refused.
    payment = pay(commitment, agent_a, ADVANCE, "300000")
    assert (payment.kind, payment.amount_in_commitment_currency, payment.bank) == (
        "advance", D("300000.00"), commitment.bank
    )


def test_advance_over_30_percent_refused(make_commitment, agent_a):
    commitment = make_commitment()
    error = assert_refused("advance_over_limit", pay, commitment, agent_a, ADVANCE, "300001")
    assert "300\xa0000,00\xa0MAD" in error.message and error.field == "amount"
    assert not Payment.objects.filter(commitment=commitment).exists()


def test_advances_are_cumulated_against_30_percent(commitment, agent_a):
    pay(commitment, agent_a, ADVANCE, "200000")
    assert_refused("advance_over_limit", pay, commitment, agent_a, ADVANCE, "100000.01")
    pay(commitment, agent_a, ADVANCE, "100000")


def test_advance_up_to_50_percent_for_registered_aeronautics(make_commitment, agent_a):
    aero = ImporterFactory(is_aeronautics_registered=True)
    commitment = make_commitment(importer=aero, contract_advance_rate=D("50"))
    assert_refused("advance_over_limit", pay, commitment, agent_a, ADVANCE, "500001")
    pay(commitment, agent_a, ADVANCE, "500000")


def test_advance_refused_when_contract_requires_balance_before_entry(make_commitment, agent_a):
    commitment = make_commitment(balance_before_entry=True, payment_method=Commitment.PaymentMethod.OTHER)
    assert_refused("advance_balance_before_entry", pay, commitment, agent_a, ADVANCE, "1000")


@pytest.mark.parametrize("method", [Commitment.PaymentMethod.CREDOC, Commitment.PaymentMethod.DOCUMENTARY_COLLECTION])
def test_advance_allowed_with_balance_before_entry_paid_by_credoc_or_collection(make_commitment, agent_a, method):
    commitment = make_commitment(balance_before_entry=True, payment_method=method)
    assert pay(commitment, agent_a, ADVANCE, "300000").pk


def test_advance_must_be_provided_by_the_contract(make_commitment, agent_a):
    commitment = make_commitment(contract_advance_rate=D("0"))
    assert_refused("advance_not_in_contract", pay, commitment, agent_a, ADVANCE, "1000")


def test_advance_within_the_contract_rate_when_lower_than_30_percent(make_commitment, agent_a):
    commitment = make_commitment(contract_advance_rate=D("20"))
    assert_refused("advance_over_contract_rate", pay, commitment, agent_a, ADVANCE, "200001")
    pay(commitment, agent_a, ADVANCE, "200000")


def test_exporter_fx_account_advance_up_to_contract_rate_and_debits_balance(make_commitment, agent_a):
    exporter = ImporterFactory(is_exporter_with_fx_account=True, fx_account_available_balance=D("700000"))
    commitment = make_commitment(importer=exporter, contract_advance_rate=D("60"))
    pay(commitment, agent_a, ADVANCE, "600000", funding="fx_account")
    exporter.refresh_from_db()
    assert exporter.fx_account_available_balance == D("100000.00")
    assert_refused("advance_over_contract_rate", pay, commitment, agent_a, ADVANCE, "0.01", funding="fx_account")


def test_exporter_fx_account_advance_within_available_balance(make_commitment, agent_a):
    exporter = ImporterFactory(is_exporter_with_fx_account=True, fx_account_available_balance=D("500000"))
    commitment = make_commitment(importer=exporter, contract_advance_rate=D("60"))
    assert_refused("fx_balance_insufficient", pay, commitment, agent_a, ADVANCE, "500000.01", funding="fx_account")
    pay(commitment, agent_a, ADVANCE, "500000", funding="fx_account")


def test_exporter_paying_normally_keeps_the_30_percent_limit(make_commitment, agent_a):
    exporter = ImporterFactory(is_exporter_with_fx_account=True, fx_account_available_balance=D("900000"))
    commitment = make_commitment(importer=exporter, contract_advance_rate=D("60"))
    assert_refused("advance_over_limit", pay, commitment, agent_a, ADVANCE, "300001")


def test_fx_account_funding_only_for_exporters(commitment, agent_a):
    assert_refused("fx_account_not_allowed", pay, commitment, agent_a, ADVANCE, "1000", funding="fx_account")


# --- advance overshoot: 5 % of the final invoice ---------------------------------------------

def test_advance_overshoot_within_5_percent_lets_the_bank_settle_the_balance(commitment, agent_a, staff):
    # 300,000 advanced (30 % of 1,000,000); final invoice 900,000: 30 % = 270,000, overshoot 30,000
    # = 3.3 % of 900,000 ≤ 5 % → the balance may be settled.
    pay(commitment, agent_a, ADVANCE, "300000")
    impute(commitment, staff, "900000", kind="final")
    pay(commitment, agent_a, SETTLEMENT, "600000")
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.SETTLED  # the final imputation imputed it totally


def test_advance_overshoot_of_exactly_5_percent_is_tolerated(commitment, agent_a, staff):
    # 280,000 advanced; final invoice 800,000: 30 % = 240,000, overshoot 40,000 = exactly 5 %.
    pay(commitment, agent_a, ADVANCE, "280000")
    impute(commitment, staff, "800000", kind="final")
    pay(commitment, agent_a, SETTLEMENT, "520000")


def test_advance_overshoot_just_above_5_percent_needs_authorisation(commitment, agent_a, staff):
    # Final invoice 799,999: 30 % = 239,999.70, overshoot 40,000.30 > 5 % (39,999.95).
    pay(commitment, agent_a, ADVANCE, "280000")
    impute(commitment, staff, "799999", kind="final")
    assert_refused("advance_overshoot_needs_authorisation", pay, commitment, agent_a, SETTLEMENT, "519999")


def test_advance_overshoot_above_5_percent_settled_with_office_des_changes_authorisation(commitment, agent_a, staff):
    # 300,000 advanced; final invoice 700,000: 30 % = 210,000, overshoot 90,000 = 12.9 % > 5 %.
    pay(commitment, agent_a, ADVANCE, "300000")
    impute(commitment, staff, "700000", kind="final")
    assert_refused("advance_overshoot_needs_authorisation", pay, commitment, agent_a, SETTLEMENT, "400000")
    services.commitment_record_oc_authorisation(commitment=commitment, user=agent_a, reference="OC-2025-0042")
    pay(commitment, agent_a, SETTLEMENT, "400000")


# --- anticipated settlement ------------------------------------------------------------------

def test_anticipated_settlement_up_to_200000_mad(make_commitment, agent_a):
    commitment = make_commitment(subscribed_amount=D("500000"))
    pay(commitment, agent_a, ANTICIPATED, "150000")
    assert_refused("anticipated_over_limit", pay, commitment, agent_a, ANTICIPATED, "50000.01")
    pay(commitment, agent_a, ANTICIPATED, "50000")


def test_anticipated_limit_is_the_mad_equivalent_at_the_customs_rate(make_commitment, agent_a):
    # EUR at 10.8 MAD (reference data): 18,518.51 EUR = 199,999.91 MAD accepted; 0.01 EUR more exceeds.
    commitment = make_commitment(currency="EUR", subscribed_amount=D("50000"))
    payment = pay(commitment, agent_a, ANTICIPATED, "18518.51")
    assert payment.amount_mad == D("199999.91")
    assert_refused("anticipated_over_limit", pay, commitment, agent_a, ANTICIPATED, "0.01")


def test_anticipated_settlement_up_to_1000000_mad_for_registered_aeronautics(make_commitment, agent_a):
    aero = ImporterFactory(is_aeronautics_registered=True)
    commitment = make_commitment(importer=aero, subscribed_amount=D("3000000"))
    pay(commitment, agent_a, ANTICIPATED, "1000000")
    assert_refused("anticipated_over_limit", pay, commitment, agent_a, ANTICIPATED, "0.01")


def test_anticipated_settlement_100_percent_for_categorised_operators(make_commitment, agent_a):
    categorised = ImporterFactory(is_oc_categorised=True)
    commitment = make_commitment(importer=categorised, subscribed_amount=D("5000000"))
    pay(commitment, agent_a, ANTICIPATED, "5000000")
    assert_refused("anticipated_over_limit", pay, commitment, agent_a, ANTICIPATED, "0.01")


def test_anticipated_settlement_100_percent_from_exporter_fx_account_when_contract_provides(make_commitment, agent_a):
    exporter = ImporterFactory(is_exporter_with_fx_account=True, fx_account_available_balance=D("3000000"))
    commitment = make_commitment(
        importer=exporter, subscribed_amount=D("2000000"), contract_provides_anticipated_payment=True
    )
    pay(commitment, agent_a, ANTICIPATED, "2000000", funding="fx_account")
    exporter.refresh_from_db()
    assert exporter.fx_account_available_balance == D("1000000.00")


def test_anticipated_from_fx_account_without_contract_clause_keeps_200000_mad(make_commitment, agent_a):
    exporter = ImporterFactory(is_exporter_with_fx_account=True, fx_account_available_balance=D("3000000"))
    commitment = make_commitment(importer=exporter, subscribed_amount=D("2000000"))
    assert_refused("anticipated_over_limit", pay, commitment, agent_a, ANTICIPATED, "200000.01", funding="fx_account")
    exporter.refresh_from_db()
    assert exporter.fx_account_available_balance == D("3000000.00")


def test_anticipated_settlement_of_second_hand_equipment_bought_at_auction(make_commitment, agent_a):
    commitment = make_commitment(subscribed_amount=D("400000"), second_hand_auction_value=D("350000"))
    pay(commitment, agent_a, ANTICIPATED, "350000")
    assert_refused("anticipated_over_limit", pay, commitment, agent_a, ANTICIPATED, "0.01")


# --- settlement after imputation --------------------------------------------------------------

def test_settlement_refused_before_imputation(commitment, agent_a):
    assert_refused("settlement_before_imputation", pay, commitment, agent_a, SETTLEMENT, "1000")


def test_settlement_within_imputed_amount_plus_freight_accessory_costs_and_insurance_abroad(
    make_commitment, agent_a, staff
):
    commitment = make_commitment(
        freight_amount=D("50000"), accessory_costs=D("5000"), insurance_amount=D("10000"), insured_abroad=True
    )
    impute(commitment, staff, "600000")
    assert_refused("settlement_over_imputed", pay, commitment, agent_a, SETTLEMENT, "665000.01")
    pay(commitment, agent_a, SETTLEMENT, "665000")


def test_insurance_is_added_only_when_insured_abroad(make_commitment, agent_a, staff):
    commitment = make_commitment(freight_amount=D("50000"), insurance_amount=D("10000"), insured_abroad=False)
    impute(commitment, staff, "600000")
    assert_refused("settlement_over_imputed", pay, commitment, agent_a, SETTLEMENT, "650000.01")
    pay(commitment, agent_a, SETTLEMENT, "650000")


def test_settlement_beyond_subscribed_amount_only_if_the_excess_was_imputed(commitment, agent_a, staff):
    impute(commitment, staff, "1000000")
    assert_refused("settlement_over_subscribed_not_imputed", pay, commitment, agent_a, SETTLEMENT, "1000000.01")
    impute(commitment, staff, "100000")  # customs imputes the excess
    pay(commitment, agent_a, SETTLEMENT, "1100000")
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.SETTLED


def test_advances_count_in_the_settlement_ceiling(commitment, agent_a, staff):
    pay(commitment, agent_a, ADVANCE, "300000")
    impute(commitment, staff, "1000000")
    assert_refused("settlement_over_subscribed_not_imputed", pay, commitment, agent_a, SETTLEMENT, "700000.01")
    pay(commitment, agent_a, SETTLEMENT, "700000")


# --- overruns (dépassements) ----------------------------------------------------------------

def test_overrun_needs_one_of_the_faq_reasons(commitment, agent_a, staff):
    impute(commitment, staff, "1000000")
    assert_refused("overrun_reason_not_allowed", pay, commitment, agent_a, OVERRUN, "100")
    assert_refused("overrun_reason_not_allowed", pay, commitment, agent_a, OVERRUN, "100", reason="price_increase")


def test_overrun_cereals_shrinkage_at_most_1_percent_of_imputed_amounts(make_commitment, agent_a, staff):
    commitment = make_commitment(goods_category="cereals")
    impute(commitment, staff, "1000000")
    pay(commitment, agent_a, OVERRUN, "6000", reason="shrinkage_cereals")
    assert_refused("overrun_over_limit", pay, commitment, agent_a, OVERRUN, "4000.01", reason="shrinkage_cereals")
    pay(commitment, agent_a, OVERRUN, "4000", reason="shrinkage_cereals")  # 10,000 = 1 % of 1,000,000


@pytest.mark.parametrize("reason, goods", [
    ("shrinkage_petroleum", "petroleum"), ("shrinkage_mining_chemical", "mining"),
    ("shrinkage_mining_chemical", "chemical"), ("polarisation_sugar_oil_ores", "sugar"),
    ("polarisation_sugar_oil_ores", "oil"), ("polarisation_sugar_oil_ores", "ores"),
])
def test_overrun_other_products_up_to_the_observed_difference(make_commitment, agent_a, staff, reason, goods):
    commitment = make_commitment(goods_category=goods)
    impute(commitment, staff, "1000000")
    assert_refused("observed_difference_required", pay, commitment, agent_a, OVERRUN, "25000", reason=reason)
    assert_refused(
        "overrun_over_limit", pay, commitment, agent_a, OVERRUN, "25000.01", reason=reason,
        observed_difference=D("25000"),
    )
    pay(commitment, agent_a, OVERRUN, "25000", reason=reason, observed_difference=D("25000"))


def test_overrun_for_loss_before_unloading_only_at_the_importers_risk(commitment, agent_a, staff):
    impute(commitment, staff, "1000000")
    kwargs = {"reason": "loss_before_unloading", "observed_difference": D("80000")}
    assert_refused("overrun_risk_not_on_importer", pay, commitment, agent_a, OVERRUN, "80000", **kwargs)
    pay(commitment, agent_a, OVERRUN, "80000", importer_bears_risk=True, **kwargs)


@pytest.mark.parametrize("reason, goods", [
    ("shrinkage_cereals", "other"), ("shrinkage_cereals", "petroleum"), ("shrinkage_petroleum", "cereals"),
    ("shrinkage_mining_chemical", "sugar"), ("polarisation_sugar_oil_ores", "cereals"),
    ("polarisation_sugar_oil_ores", "other"),
])
def test_overrun_reason_not_for_the_goods_of_the_commitment_is_refused(make_commitment, agent_a, staff, reason, goods):
    # FAQ: dépassements — shrinkage of petroleum, cereals, mining and chemical products; polarisation of
    # sugar, oil and ores. Issue 17: a cereals-shrinkage overrun on a machines ("other") commitment is refused.
    commitment = make_commitment(goods_category=goods)
    impute(commitment, staff, "1000000")
    error = assert_refused(
        "overrun_reason_not_for_goods", pay, commitment, agent_a, OVERRUN, "100", reason=reason,
        observed_difference=D("100"),
    )
    assert error.field == "reason" and commitment.get_goods_category_display() in error.message


def test_overrun_for_loss_before_unloading_applies_to_any_goods(make_commitment, agent_a, staff):
    commitment = make_commitment(goods_category="other")
    impute(commitment, staff, "1000000")
    pay(commitment, agent_a, OVERRUN, "100", reason="loss_before_unloading", observed_difference=D("100"),
        importer_bears_risk=True)


def test_overrun_refused_before_imputation(commitment, agent_a):
    assert_refused("settlement_before_imputation", pay, commitment, agent_a, OVERRUN, "100", reason="shrinkage_cereals")


def test_reason_only_for_overruns(commitment, agent_a):
    assert_refused("reason_only_for_overrun", pay, commitment, agent_a, ADVANCE, "100", reason="shrinkage_cereals")


# --- general ---------------------------------------------------------------------------------

def test_payment_refused_before_domiciliation(agent_a):
    from .factories import CommitmentFactory

    commitment = CommitmentFactory(bank=agent_a.bank_profile.bank)
    assert_refused("not_domiciled", pay, commitment, agent_a, ADVANCE, "1000")


def test_only_the_domiciliary_bank_pays(commitment, agent_b):
    assert_refused("not_commitment_bank", pay, commitment, agent_b, ADVANCE, "1000")


def test_payment_in_another_currency_is_converted_at_the_customs_rate(commitment, agent_a):
    payment = pay(commitment, agent_a, ADVANCE, "10000", currency="EUR")
    assert (payment.amount_in_commitment_currency, payment.amount_mad) == (D("108000.00"), D("108000.00"))
    assert_refused("advance_over_limit", pay, commitment, agent_a, ADVANCE, "17777.78", currency="EUR")


def test_commitment_in_foreign_currency_converts_through_mad(make_commitment, agent_a):
    from tariff.models import ExchangeRate

    ExchangeRate.objects.create(currency="USD", rate=D("9.9"), valid_from=TODAY)
    commitment = make_commitment(currency="USD", subscribed_amount=D("100000"))
    payment = pay(commitment, agent_a, ADVANCE, "1000", currency="EUR")  # 10,800 MAD = 1,090.91 USD
    assert payment.amount_in_commitment_currency == D("1090.91")


def test_no_customs_rate_for_the_currency_is_refused(commitment, agent_a):
    error = assert_refused("no_exchange_rate", pay, commitment, agent_a, ADVANCE, "100", currency="JPY")
    assert error.field == "currency"


def test_every_refusal_has_a_code_and_a_french_message():
    codes = [cls.code for cls in rules.ALL_ERRORS]
    assert len(codes) == len(set(codes))
    for cls in rules.ALL_ERRORS:
        assert cls.code != "exchange_rule" and cls.description(), cls
