"""Property tests of the pure rule functions (hypothesis): the limits hold for any amounts."""
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange import rules
from tariff.kit.money import quantize_money

amounts = st.decimals(min_value=D("0.01"), max_value=D("1000000000"), places=2, allow_nan=False, allow_infinity=False)


def accepts(fn, **kwargs) -> bool:
    try:
        fn(**kwargs)
        return True
    except rules.ExchangeRuleError:
        return False


@given(total=amounts, advances=amounts, aero=st.booleans())
def test_advance_accepted_exactly_up_to_the_regulatory_rate(total, advances, aero):
    rate = D("50") if aero else D("30")
    accepted = accepts(
        rules.advance_limit, advances_after=advances, total_import_value=total, contract_rate=rate,
        is_aeronautics_registered=aero, from_fx_account=False, currency="MAD",
    )
    assert accepted == (advances <= quantize_money(total * rate / 100))


@given(imputed=amounts, paid=amounts)
def test_cereal_shrinkage_accepted_exactly_up_to_1_percent_of_imputed(imputed, paid):
    accepted = accepts(
        rules.check_overrun, reason="shrinkage_cereals", imputed=imputed, amount=paid, observed_difference=None,
        importer_bears_risk=False, cereal_overruns_after=paid, currency="MAD",
        goods_category="cereals",
    )
    assert accepted == (paid <= quantize_money(imputed / 100))


@given(total=amounts)
def test_personal_exemption_threshold_is_20000_mad_inclusive(total):
    accepted = accepts(
        rules.check_personal_exemption, is_natural_outside_register=True, is_resident=True, year_total_mad_after=total
    )
    assert accepted == (total <= D("20000"))


@pytest.mark.parametrize(
    "advances, final_invoice, accepted",
    [
        (D("300000"), D("900000"), True),  # overshoot 30,000 = 3.3 % of the final invoice
        (D("280000"), D("800000"), True),  # overshoot 40,000 = exactly 5 %
        (D("280000"), D("799999"), False),  # 40,000.30 > 39,999.95
        (D("300000"), D("700000"), False),  # 90,000 = 12.9 %
    ],
)
def test_advance_overshoot_tolerance_is_5_percent_of_the_final_invoice(advances, final_invoice, accepted):
    assert accepts(
        rules.check_advance_overshoot, advances=advances, imputed=final_invoice, final_imputed=True,
        subscribed=D("1000000"), rate=D("30"),
        oc_authorisation_reference="", currency="MAD",
    ) == accepted


def test_refusal_numbers_are_french_through_django_localisation():
    # Issue 17: "60.0000 %", "25001.00" before; tariff.kit.numbers (django.utils.formats) now.
    with pytest.raises(rules.ContractAdvanceRateOverLimit) as info:
        rules.check_domiciliation(
            is_domiciled=False, concordance_confirmed=True, contract_advance_rate=D("60.0000"),
            is_aeronautics_registered=False, is_exporter_with_fx_account=False,
        )
    assert info.value.message.replace("\xa0", " ") == (
        "Le contrat prévoit 60 % d'acompte, au-delà du taux réglementaire de 30 %."
    )
    with pytest.raises(rules.OverrunOverLimit) as info:
        rules.check_overrun(
            reason="shrinkage_petroleum", imputed=D("1000000"), amount=D("25001"), observed_difference=D("25000"),
            importer_bears_risk=False, cereal_overruns_after=D("0"), currency="MAD", goods_category="petroleum",
            payment_currency="EUR",
        )
    assert info.value.message.replace("\xa0", " ") == (
        "Dépassement de 25 001,00 EUR au-delà de la différence constatée (25 000,00 EUR)."
    )


def test_advance_invoice_value_is_the_subscribed_value_until_the_final_imputation():
    # Issue 17, staggered shipments: a partial imputation is not the final invoice.
    value = rules.advance_invoice_value
    assert value(imputed=D("500000"), final_imputed=False, subscribed=D("1000000")) == D("1000000")
    assert value(imputed=D("1200000"), final_imputed=False, subscribed=D("1000000")) == D("1200000")
    assert value(imputed=D("600000"), final_imputed=True, subscribed=D("1000000")) == D("600000")
