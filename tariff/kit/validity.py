"""Effective-dated rows (after tamato's ``ValidityMixin``): inclusive ``valid_from``,
optional inclusive ``valid_to`` (open end), always queried "as of" a date."""
from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q


class ValidityQuerySet(models.QuerySet):
    def as_of(self, on_date: dt.date):
        return self.filter(valid_from__lte=on_date).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on_date))


class ValidityMixin(models.Model):
    valid_from = models.DateField("en vigueur à partir du")
    valid_to = models.DateField("en vigueur jusqu'au (inclus)", null=True, blank=True)

    objects = ValidityQuerySet.as_manager()

    class Meta:
        abstract = True

    def is_valid_on(self, on_date: dt.date) -> bool:
        return self.valid_from <= on_date and (self.valid_to is None or on_date <= self.valid_to)


def valid_on(rows, on_date: dt.date):
    """Filter already-loaded rows (in-memory index) to those in force on ``on_date``."""
    return [r for r in rows if r.valid_from <= on_date and (r.valid_to is None or on_date <= r.valid_to)]


def validity_check_constraint(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")), name=name
    )
