"""Keep the in-memory tariff index honest: any write to reference data (admin,
import-export, services, shell) replaces the reference-version token."""
from django.db.models.signals import post_delete, post_save

from . import models
from .selectors import bump_reference_version

REFERENCE_MODELS = (
    models.FinanceLaw, models.TariffLine, models.DutyRate, models.BlanketDutyChange, models.ExciseCategory,
    models.ExciseRate, models.VatCategory, models.VatRate, models.FranchiseCode, models.FranchiseRate,
    models.ExchangeRate,
)


def _bump(sender, **kwargs):
    if kwargs.get("raw"):
        return
    bump_reference_version()


for _model in REFERENCE_MODELS:
    post_save.connect(_bump, sender=_model, dispatch_uid=f"tariff.bump.{_model.__name__}.save")
    post_delete.connect(_bump, sender=_model, dispatch_uid=f"tariff.bump.{_model.__name__}.delete")
