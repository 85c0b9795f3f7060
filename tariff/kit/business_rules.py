"""Named business rules (after uktrade/tamato's ``common/business_rules.py``).

A rule is a small class whose docstring is its message; a model lists its rules in
``business_rules``; ``check_business_rules`` runs them all and reports every
violation at once as a Django ``ValidationError`` (so admin forms and
django-import-export row validation show them).
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q


class BusinessRuleViolation(Exception):
    def __init__(self, rule: "BusinessRule", message: str | None = None):
        self.rule = rule
        super().__init__(message or rule.message())


class BusinessRule:
    """Base class; subclasses implement ``validate(obj)`` and raise ``self.violation()``."""

    code = "rule"

    @classmethod
    def message(cls) -> str:
        return " ".join((cls.__doc__ or cls.__name__).split())

    def violation(self, message: str | None = None) -> BusinessRuleViolation:
        return BusinessRuleViolation(self, message)

    def validate(self, obj) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class ValidityEndAfterStart(BusinessRule):
    """La date de fin de validité doit être postérieure ou égale à la date de début."""

    code = "VAL1"

    def validate(self, obj) -> None:
        if obj.valid_to and obj.valid_from and obj.valid_to < obj.valid_from:
            raise self.violation()


class NoOverlappingValidity(BusinessRule):
    """Deux lignes du même élément ne peuvent pas avoir des périodes de validité qui se chevauchent."""

    code = "VAL2"

    def validate(self, obj) -> None:
        if not obj.valid_from:
            return
        attnames = [type(obj)._meta.get_field(f).attname for f in obj.validity_key]
        key = {a: getattr(obj, a) for a in attnames}
        if any(v is None for v in key.values()):
            return
        qs = type(obj).objects.filter(**key)
        if obj.pk:
            qs = qs.exclude(pk=obj.pk)
        qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=obj.valid_from))
        if obj.valid_to:
            qs = qs.filter(valid_from__lte=obj.valid_to)
        clash = qs.order_by("valid_from").first()
        if clash:
            end = f"{clash.valid_to:%d/%m/%Y}" if clash.valid_to else "…"
            raise self.violation(
                f"{self.message()} Chevauchement avec la ligne du {clash.valid_from:%d/%m/%Y} au {end}."
            )


def check_business_rules(obj) -> None:
    messages = []
    for rule_class in getattr(obj, "business_rules", ()):
        try:
            rule_class().validate(obj)
        except BusinessRuleViolation as exc:
            messages.append(f"[{exc.rule.code}] {exc}")
    if messages:
        raise ValidationError(messages)
