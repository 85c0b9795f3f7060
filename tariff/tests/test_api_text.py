"""money_text / datetime_text give exactly what the DRF fields they stand for give (the bank
API's hot answers are plain dicts, issue 4)."""
import datetime as dt
import zoneinfo
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers

from tariff.kit.api.fields import datetime_text, money, money_text

MONEY = money()
DATETIME = serializers.DateTimeField()
CASABLANCA = zoneinfo.ZoneInfo("Africa/Casablanca")


@given(st.decimals(min_value=Decimal("-9999999999999999.99"), max_value=Decimal("9999999999999999.99"),
                   allow_nan=False, allow_infinity=False, places=2)
       | st.decimals(min_value=Decimal("-999999"), max_value=Decimal("999999"), allow_nan=False,
                     allow_infinity=False))
def test_money_text_is_the_money_field_representation(value):
    assert money_text(value) == MONEY.to_representation(value)


def test_money_text_of_none_and_of_non_decimals():
    assert money_text(None) is None
    assert money_text(Decimal("1E+3")) == "1000.00" == MONEY.to_representation(Decimal("1E+3"))
    assert money_text(12) == "12.00"


@given(st.datetimes(min_value=dt.datetime(1971, 1, 1), max_value=dt.datetime(2100, 1, 1),
                    timezones=st.sampled_from([dt.timezone.utc, CASABLANCA, dt.timezone(dt.timedelta(hours=-5))])))
def test_datetime_text_is_the_datetime_field_representation(value):
    assert datetime_text(value, CASABLANCA) == DATETIME.to_representation(value)


def test_datetime_text_in_utc_ends_with_z_like_drf():
    value = dt.datetime(2026, 3, 1, 12, 30, tzinfo=dt.timezone.utc)
    assert datetime_text(value, dt.timezone.utc) == "2026-03-01T12:30:00Z"
    assert datetime_text(None, CASABLANCA) is None
