"""Named business rules of the litigation models (run in ``clean()``, see
tariff.kit.business_rules): admin forms, CSV imports and services all go through them."""
from __future__ import annotations

from tariff.kit.business_rules import BusinessRule
from tariff.kit.money import LOCAL_CURRENCY

BASES_WITH_MULTIPLIER = ("goods_value", "duties")


class FineParametersMatchBasis(BusinessRule):
    """Les paramètres de l'amende doivent correspondre à son assiette : un coefficient pour une
    amende proportionnelle (valeur ou droits et taxes), un minimum et un maximum pour une
    amende fixe."""

    code = "OFF1"

    def validate(self, obj) -> None:
        basis = obj.fine_basis
        if basis in BASES_WITH_MULTIPLIER and obj.fine_multiplier is None:
            raise self.violation()
        if basis == "fixed_range" and (obj.fine_min is None or obj.fine_max is None):
            raise self.violation()
        if not basis and any(v is not None for v in (obj.fine_multiplier, obj.fine_min, obj.fine_max)):
            raise self.violation("Une amende sans assiette ne peut pas avoir de coefficient ni de montants.")


class FineRangeOrdered(BusinessRule):
    """Le minimum de l'amende ne peut pas dépasser son maximum."""

    code = "OFF2"

    def validate(self, obj) -> None:
        if obj.fine_min is not None and obj.fine_max is not None and obj.fine_min > obj.fine_max:
            raise self.violation()


class PrisonRangeOrdered(BusinessRule):
    """La durée minimale d'emprisonnement ne peut pas dépasser la durée maximale."""

    code = "OFF3"

    def validate(self, obj) -> None:
        low, high = obj.prison_min_months, obj.prison_max_months
        if (low is None) != (high is None):
            raise self.violation("Indiquer les deux bornes de l'emprisonnement, ou aucune.")
        if low is not None and low > high:
            raise self.violation()


class AmountsInDirhams(BusinessRule):
    """Les montants du contentieux sont exprimés en dirhams (MAD) : amendes et valeur en douane
    (CDII art. 219)."""

    code = "LIT1"

    def validate(self, obj) -> None:
        if obj.currency and obj.currency != LOCAL_CURRENCY:
            raise self.violation()


class SettlementNeverRemitsDuties(BusinessRule):
    """Une transaction ne peut en aucun cas porter sur les droits et taxes normalement exigibles
    sur les marchandises saisies (CDII art. 275)."""

    code = "settlement_remits_duties"  # the one home of art. 275: the model check and settlement_check

    @staticmethod
    def refuses(duties_remitted) -> bool:
        return bool(duties_remitted)

    def validate(self, obj) -> None:
        if self.refuses(obj.duties_remitted):
            raise self.violation()
