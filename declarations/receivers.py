"""Reaction to tariff events (tariff cannot import declarations); connected in ``AppConfig.ready``."""
from .tasks import recalculation_enqueue


def enqueue_recalculation(sender, law, user=None, **kwargs):
    recalculation_enqueue(law=law, user=user)
