"""Property test through the real payment service (issue 8): whatever sequence of advances and
anticipated settlements a bank attempts on a domiciled commitment — random kinds, amounts and
currencies — the accepted ones never exceed 30 % of the total import value (advances) nor the
200,000 MAD equivalent (anticipated settlements), and every refusal is a rule's ExchangeRuleError.
A plain model of the two limits says which attempts must be accepted: the service agrees.

Each Hypothesis example creates its own commitment inside a savepoint rolled back at its end,
so every example starts from a clean ledger.
"""
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange import rules, services
from exchange.limits import convert_amount
from exchange.models import Payment
from tariff.kit.money import percent_of, quantize_money

from .factories import TODAY, BankFactory, bank_user_for, domiciled_commitment

pytestmark = pytest.mark.django_db

ADVANCE, ANTICIPATED = Payment.Kind.ADVANCE, Payment.Kind.ANTICIPATED
ZERO = Decimal("0.00")

attempts = st.lists(
    st.tuples(
        st.sampled_from([ADVANCE, ANTICIPATED]),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal("400000"), places=2),
        st.sampled_from(["MAD", "EUR"]),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    total_value=st.decimals(min_value=Decimal("1000"), max_value=Decimal("3000000"), places=2),
    currency=st.sampled_from(["MAD", "EUR"]),
    sequence=attempts,
)
def test_accepted_advances_and_anticipated_settlements_never_exceed_their_limits(db, total_value, currency, sequence):
    with transaction.atomic():
        agent = bank_user_for(BankFactory(), None)
        commitment = domiciled_commitment(
            bank_user=agent, currency=currency, subscribed_amount=total_value, total_import_value=total_value,
            contract_advance_rate=Decimal("30"),
        )
        # Office des Changes FAQ: acomptes ≤ 30 % of the total import value; anticipation ≤ 200,000 MAD.
        advance_limit = quantize_money(percent_of(total_value, rules.ADVANCE_RATE))
        advances = anticipated = anticipated_mad = ZERO  # what the model accepted
        for kind, amount, paid_in in sequence:
            in_commitment_currency = convert_amount(
                amount=amount, from_currency=paid_in, to_currency=currency, on_date=TODAY)
            in_mad = convert_amount(amount=amount, from_currency=paid_in, to_currency="MAD", on_date=TODAY)
            if kind == ADVANCE:
                expected = advances + in_commitment_currency <= advance_limit
            else:
                expected = (advances + anticipated + in_commitment_currency <= total_value
                            and anticipated_mad + in_mad <= rules.ANTICIPATED_LIMIT_MAD)
            try:
                services.commitment_pay(commitment=commitment, user=agent, kind=kind, amount=amount,
                                        currency=paid_in, on_date=TODAY)
                accepted = True
            except rules.ExchangeRuleError as refusal:
                accepted = False
                assert refusal.code in ("advance_over_limit", "advance_over_contract_rate", "anticipated_over_limit")
            assert accepted == expected, (kind, amount, paid_in, advances, anticipated, anticipated_mad)
            if accepted and kind == ADVANCE:
                advances += in_commitment_currency
            elif accepted:
                anticipated += in_commitment_currency
                anticipated_mad += in_mad

        payments = list(Payment.objects.filter(commitment=commitment))
        stored_advances = sum((p.amount_in_commitment_currency for p in payments if p.kind == ADVANCE), ZERO)
        stored_anticipated_mad = sum((p.amount_mad for p in payments if p.kind == ANTICIPATED), ZERO)
        assert stored_advances <= advance_limit
        assert stored_anticipated_mad <= rules.ANTICIPATED_LIMIT_MAD
        assert (stored_advances, stored_anticipated_mad) == (advances, anticipated_mad)
        transaction.set_rollback(True)
