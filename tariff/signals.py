"""Keep the in-memory tariff index honest: any write to reference data (admin,
import-export, services, shell) replaces the reference-version token."""
from django.db.models.signals import post_delete, post_save

from . import models
from .kit.resources import rows_imported
from .selectors import bump_reference_version, law_in_force_from

REFERENCE_MODELS = (
    models.FinanceLaw, models.TariffLine, models.DutyRate, models.BlanketDutyChange, models.ExciseCategory,
    models.ExciseRate, models.VatCategory, models.VatRate, models.FranchiseCode, models.FranchiseRate,
    models.ExchangeRate,
)


def _bump(sender, **kwargs):
    if kwargs.get("raw"):
        return
    bump_reference_version()


def _forget_law_dates(sender, **kwargs):
    law_in_force_from.cache_clear()


for _model in REFERENCE_MODELS:
    post_save.connect(_bump, sender=_model, dispatch_uid=f"tariff.bump.{_model.__name__}.save")
    post_delete.connect(_bump, sender=_model, dispatch_uid=f"tariff.bump.{_model.__name__}.delete")
rows_imported.connect(_bump, dispatch_uid="tariff.bump.import")  # any reference table of any app
rows_imported.connect(_forget_law_dates, sender=models.FinanceLaw, dispatch_uid="tariff.law_dates.import")
post_save.connect(_forget_law_dates, sender=models.FinanceLaw, dispatch_uid="tariff.law_dates.save")
post_delete.connect(_forget_law_dates, sender=models.FinanceLaw, dispatch_uid="tariff.law_dates.delete")
