"""Shared form fields: amounts typed the French way."""
from decimal import Decimal

import pytest
from django import forms
from django.utils import translation

from tariff.kit.forms import money_field


class AmountForm(forms.Form):
    amount = money_field("Montant")


@pytest.mark.parametrize("typed", ["1 234,56", "1\u00a0234,56", "1\u202f234,56", "1234,56", "1234.56"])
def test_money_field_takes_french_digit_groups(typed):
    with translation.override("fr"):
        form = AmountForm({"amount": typed})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == Decimal("1234.56")


@pytest.mark.parametrize("typed", ["-5", "douze", "1,234,56", "12345678901234567"])
def test_money_field_refuses_negative_or_malformed_amounts(typed):
    with translation.override("fr"):
        assert not AmountForm({"amount": typed}).is_valid()
