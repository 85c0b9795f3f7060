from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tariff.kit.money import Money, allocate, quantize_money, to_decimal


def test_quantize_money_rounds_half_up_to_the_centime():
    assert quantize_money("0.005") == Decimal("0.01")
    assert quantize_money("2.345") == Decimal("2.35")
    assert quantize_money("-2.345") == Decimal("-2.35")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        to_decimal(0.1)


def test_money_refuses_to_add_different_currencies():
    with pytest.raises(ValueError):
        Money(Decimal("1"), "EUR") + Money(Decimal("1"), "MAD")


def test_allocate_circular_6336_example():
    # Circ. 6336/400: C = 1,105,000 / 100,000 = 11.05 → 663,000 and 442,000 MAD.
    assert allocate(Decimal("1105000"), [Decimal("60000"), Decimal("40000")]) == [
        Decimal("663000.00"),
        Decimal("442000.00"),
    ]


def test_allocate_three_way_split_leaves_no_centime():
    parts = allocate(Decimal("100.00"), [1, 1, 1])
    assert parts == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert sum(parts) == Decimal("100.00")


@given(
    total=st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False),
    weights=st.lists(st.decimals(min_value=0, max_value=10**9, places=3), min_size=1, max_size=30).filter(
        lambda ws: sum(ws) > 0
    ),
)
def test_allocate_parts_always_sum_exactly_to_the_total(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == quantize_money(total)
    assert all(p >= 0 for p in parts)
    assert len(parts) == len(weights)


@given(
    total=st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=20).filter(any),
)
def test_allocate_parts_stay_within_a_centime_of_their_exact_share(total, weights):
    parts = allocate(total, weights)
    assert sum(parts) == total
    for part, weight in zip(parts, weights):
        assert abs(part - total * weight / sum(weights)) < Decimal("0.01")
