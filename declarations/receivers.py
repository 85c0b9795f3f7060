"""Reaction to tariff events (tariff cannot import declarations)."""
from django.db import transaction


def enqueue_recalculation(sender, law, user=None, **kwargs):
    from .recalculation import recalculation_run_create
    from .tasks import recalculate_after_finance_law

    run = recalculation_run_create(law=law, user=user)
    transaction.on_commit(lambda: recalculate_after_finance_law.delay(run.pk))
