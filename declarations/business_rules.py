"""Named business rules of the declarations app's models (after tamato's
``<app>/business_rules.py``): each class's docstring is its message; the models list them
in ``business_rules``. The legal thresholds are in ``tariff.exemption_rules``, the dates a law
applies from on its ``FinanceLaw`` row (``tariff.selectors.law_in_force_from``)."""
from __future__ import annotations

from tariff.exemption_rules import convention_meets_threshold, investment_threshold
from tariff.kit.business_rules import BusinessRule
from tariff.kit.money import LOCAL_CURRENCY
from tariff.kit.numbers import format_amount
from tariff.laws import LF_2022
from tariff.selectors import law_in_force_from


class ConventionMeetsThreshold(BusinessRule):
    """Le programme d'investissement de la convention doit atteindre le seuil de l'article 164-1°-p du CDII
    (50 000 000 MAD depuis le 01/01/2022, 100 000 000 MAD auparavant)."""

    # CDII art. 164-1°-p (LF 2022, circ. 6255/210 §I.7).
    code = "EXO1"

    def validate(self, obj) -> None:
        if obj.amount is None or obj.signed_on is None:
            return
        lf_2022_from = law_in_force_from(LF_2022)
        if not convention_meets_threshold(amount=obj.amount, signed_on=obj.signed_on, lf_2022_from=lf_2022_from):
            threshold = investment_threshold(obj.signed_on, lf_2022_from=lf_2022_from)
            raise self.violation(
                f"{self.message()} Convention signée le {obj.signed_on:%d/%m/%Y} : {format_amount(obj.amount, LOCAL_CURRENCY)} < "
                f"{format_amount(threshold, LOCAL_CURRENCY)}.")
