"""Headroom per rule (``selectors.commitment_headroom``) with the FAQ's numbers, and the proof that
it is the payment service's own limit: paying the room is accepted, one centime more is refused."""
from decimal import Decimal as D

import pytest

from exchange import selectors, services
from exchange.models import Commitment
from tariff.kit.errors import DomainError

from .factories import TODAY, ImporterFactory, bank_user_for, broker, impute, pay

pytestmark = pytest.mark.django_db

ADVANCE, ANTICIPATED, SETTLEMENT = "advance", "anticipated", "settlement"


def headroom(commitment, *, from_fx_account=False):
    return selectors.commitment_headroom(commitment=commitment, on_date=TODAY, from_fx_account=from_fx_account)


def refused_code(fn, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as info:
        fn(*args, **kwargs)
    return info.value.code


# --- advances --------------------------------------------------------------------------------

def test_advance_limit_is_30_percent_of_the_total_import_value(commitment):
    room = headroom(commitment)
    assert (room.currency, room.advance_limit, room.advance_room, room.advance_ratio) == (
        "MAD", D("300000.00"), D("300000.00"), D("0")
    )


def test_advance_room_shrinks_with_the_advances_paid(commitment, agent_a):
    pay(commitment, agent_a, ADVANCE, "100000")
    room = headroom(commitment)
    assert (room.advance_room, room.advance_ratio, room.used_ratio) == (D("200000.00"), D("0.3333"), D("0.3333"))


def test_advance_room_is_exactly_what_the_payment_service_accepts(commitment, agent_a):
    pay(commitment, agent_a, ADVANCE, "120000")
    room = headroom(commitment).advance_room
    assert room == D("180000.00")
    assert refused_code(pay, commitment, agent_a, ADVANCE, room + D("0.01")) == "advance_over_limit"
    pay(commitment, agent_a, ADVANCE, room)
    after = headroom(commitment)
    assert (after.advance_room, after.advance_ratio, after.used_ratio) == (D("0.00"), D("1.0000"), D("1.0000"))


def test_advance_limit_is_50_percent_for_registered_aeronautics(make_commitment):
    aero = ImporterFactory(is_aeronautics_registered=True)
    commitment = make_commitment(importer=aero, contract_advance_rate=D("50"))
    assert headroom(commitment).advance_limit == D("500000.00")


def test_advance_limit_is_the_contract_rate_when_lower(make_commitment):
    assert headroom(make_commitment(contract_advance_rate=D("20"))).advance_limit == D("200000.00")


def test_no_advance_room_when_the_contract_provides_none(make_commitment):
    room = headroom(make_commitment(contract_advance_rate=D("0")))
    assert (room.advance_limit, room.advance_room, room.advance_ratio) == (D("0"), D("0"), D("0"))


def test_no_advance_room_when_the_balance_is_due_before_entry_outside_credoc(make_commitment):
    other = make_commitment(balance_before_entry=True, payment_method=Commitment.PaymentMethod.OTHER)
    credoc = make_commitment(balance_before_entry=True, payment_method=Commitment.PaymentMethod.CREDOC)
    assert headroom(other).advance_limit == D("0")
    assert headroom(credoc).advance_limit == D("300000.00")


def test_exporter_with_fx_account_reaches_the_contract_rate_from_that_account_only(make_commitment, agent_a):
    """The room shown and the payment read the same ceilings for the same funding
    (``exchange.limits.limits``): from the FX account up to the contract's 60 %, an ordinary
    payment of the same exporter within the regulatory 30 %."""
    exporter = ImporterFactory(is_exporter_with_fx_account=True, fx_account_available_balance=D("700000"))
    commitment = make_commitment(importer=exporter, contract_advance_rate=D("60"))
    assert headroom(commitment, from_fx_account=True).advance_limit == D("600000.00")
    assert headroom(commitment).advance_room == D("300000.00")
    assert refused_code(pay, commitment, agent_a, ADVANCE, "300000.01") == "advance_over_limit"
    pay(commitment, agent_a, ADVANCE, "300000.00")
    assert headroom(commitment).advance_room == D("0.00")
    assert headroom(commitment, from_fx_account=True).advance_room == D("300000.00")


def test_carried_advances_count_in_the_new_commitment(commitment, agent_a, staff):
    pay(commitment, agent_a, ADVANCE, "100000")
    new = services.commitment_create(
        user=staff, number="EI-REMPLACE", importer=commitment.importer, bank=commitment.bank, currency="MAD",
        subscribed_amount=D("1000000"), goods_description="Machines", contract_advance_rate=D("30"),
        replaces=commitment,
    )
    new = services.commitment_domiciliate(commitment=new, user=agent_a, contract_concordance_confirmed=True)
    services.commitment_carry_over_advances(source=commitment, target=new, user=agent_a, on_date=TODAY)
    assert headroom(new).advance_room == D("200000.00")


# --- anticipated settlement ------------------------------------------------------------------

def test_anticipated_limit_is_200000_mad(commitment, agent_a):
    room = headroom(commitment)
    assert (room.anticipated_limit, room.anticipated_room) == (D("200000.00"), D("200000.00"))
    pay(commitment, agent_a, ANTICIPATED, "150000")
    room = headroom(commitment)
    assert (room.anticipated_room, room.anticipated_ratio) == (D("50000.00"), D("0.7500"))
    assert refused_code(pay, commitment, agent_a, ANTICIPATED, "50000.01") == "anticipated_over_limit"
    pay(commitment, agent_a, ANTICIPATED, room.anticipated_room)
    assert headroom(commitment).anticipated_room == D("0.00")


def test_anticipated_limit_is_1000000_mad_for_registered_aeronautics(make_commitment):
    aero = ImporterFactory(is_aeronautics_registered=True)
    commitment = make_commitment(importer=aero, subscribed_amount=D("2000000"), contract_advance_rate=D("50"))
    assert headroom(commitment).anticipated_limit == D("1000000.00")


def test_anticipated_limit_is_100_percent_for_categorised_operators(make_commitment, agent_a):
    commitment = make_commitment(importer=ImporterFactory(is_oc_categorised=True))
    pay(commitment, agent_a, ADVANCE, "300000")
    room = headroom(commitment)
    assert (room.anticipated_limit, room.anticipated_room) == (D("1000000.00"), D("700000.00"))


def test_anticipated_limit_up_to_the_value_of_second_hand_equipment_bought_at_auction(make_commitment, agent_a):
    commitment = make_commitment(second_hand_auction_value=D("450000"))
    room = headroom(commitment)
    assert (room.anticipated_limit, room.anticipated_room) == (D("450000"), D("450000"))
    pay(commitment, agent_a, ANTICIPATED, "450000")
    assert refused_code(pay, commitment, agent_a, ANTICIPATED, "0.01") == "anticipated_over_limit"
    assert headroom(commitment).anticipated_ratio == D("1.0000")


def test_anticipated_limit_of_a_euro_commitment_is_converted_at_the_customs_rate(make_commitment):
    # 200,000 MAD at the example rate of circular 6336/400 (1 EUR = 10.80 MAD)
    commitment = make_commitment(currency="EUR", subscribed_amount=D("100000"))
    assert headroom(commitment).anticipated_limit == D("18518.52")


def test_anticipated_limit_without_a_customs_rate_is_unknown_but_its_ratio_is_given(make_commitment):
    commitment = make_commitment(currency="JPY", subscribed_amount=D("100000"))
    room = headroom(commitment)
    assert (room.anticipated_limit, room.anticipated_room, room.anticipated_ratio) == (None, None, D("0"))


# --- settlement ------------------------------------------------------------------------------

def test_no_settlement_room_before_imputation(commitment):
    room = headroom(commitment)
    assert (room.settlement_limit, room.settlement_room, room.settlement_ratio) == (D("0"), D("0"), D("0"))


def test_settlement_room_is_the_imputed_amount_plus_costs_abroad_less_what_was_paid(make_commitment, agent_a, staff):
    commitment = make_commitment(
        freight_amount=D("10000"), accessory_costs=D("5000"), insurance_amount=D("2000"), insured_abroad=True
    )
    pay(commitment, agent_a, ADVANCE, "100000")
    impute(commitment, staff, "600000")
    room = headroom(commitment)
    assert (room.settlement_limit, room.settlement_room) == (D("617000.00"), D("517000.00"))
    assert refused_code(pay, commitment, agent_a, SETTLEMENT, "517000.01") == "settlement_over_imputed"
    pay(commitment, agent_a, SETTLEMENT, room.settlement_room)
    after = headroom(commitment)
    assert (after.settlement_room, after.settlement_ratio) == (D("0.00"), D("1.0000"))


def test_insurance_counts_only_when_insured_abroad(make_commitment, staff):
    commitment = make_commitment(insurance_amount=D("2000"), insured_abroad=False)
    impute(commitment, staff, "600000")
    assert headroom(commitment).settlement_limit == D("600000.00")


def test_used_ratio_is_the_highest_share_among_the_limits(commitment, agent_a):
    pay(commitment, agent_a, ADVANCE, "150000")  # 50 % of the advance limit
    pay(commitment, agent_a, ANTICIPATED, "180000")  # 90 % of 200,000 MAD
    room = headroom(commitment)
    assert (room.advance_ratio, room.anticipated_ratio, room.used_ratio) == (D("0.5000"), D("0.9000"), D("0.9000"))


# --- totals of many commitments and the near-limit list ---------------------------------------

def test_totals_of_many_commitments_equal_the_one_by_one_totals(commitment, make_commitment, agent_a, staff):
    other = make_commitment()
    pay(commitment, agent_a, ADVANCE, "100000")
    pay(commitment, agent_a, ANTICIPATED, "20000")
    impute(commitment, staff, "400000")
    pay(commitment, agent_a, SETTLEMENT, "50000")
    many = selectors.commitment_totals_many(commitments=[commitment, other])
    assert many == {
        commitment.pk: selectors.commitment_totals(commitment=commitment),
        other.pk: selectors.commitment_totals(commitment=other),
    }


def test_commitments_near_limits_highest_first_from_the_threshold(make_commitment, agent_a, staff):
    full = make_commitment(number="EI-PLEIN")
    pay(full, agent_a, ADVANCE, "300000")  # 100 %
    near = make_commitment(number="EI-PROCHE")
    pay(near, agent_a, ANTICIPATED, "190000")  # 95 %
    below = make_commitment(number="EI-LOIN")
    pay(below, agent_a, ADVANCE, "260000")  # 86.7 %
    make_commitment(number="EI-VIERGE")
    rows = selectors.commitments_near_limits(user=staff)
    assert [(c.number, room.used_ratio) for c, room in rows] == [("EI-PLEIN", D("1.0000")), ("EI-PROCHE", D("0.9500"))]
    assert [c.number for c, _ in selectors.commitments_near_limits(user=staff, threshold=D("0.85"), limit=2)] == [
        "EI-PLEIN", "EI-PROCHE"
    ]


def test_commitments_near_limits_leave_out_closed_and_invisible_ones(make_commitment, agent_a, agent_b, bank_a):
    full = make_commitment(number="EI-CLOS")
    pay(full, agent_a, ADVANCE, "300000")
    Commitment.objects.filter(pk=full.pk).update(status=Commitment.Status.CLOSED)
    visible = make_commitment(number="EI-A")
    pay(visible, agent_a, ADVANCE, "300000")
    assert [c.number for c, _ in selectors.commitments_near_limits(user=agent_a)] == ["EI-A"]
    assert selectors.commitments_near_limits(user=agent_b) == []  # bank B sees none of bank A's
    stranger = bank_user_for(bank_a, "agent-a2")
    assert [c.number for c, _ in selectors.commitments_near_limits(user=stranger)] == ["EI-A"]
    nobody = broker("sans-role")
    nobody.groups.clear()
    assert selectors.commitments_near_limits(user=nobody) == []
