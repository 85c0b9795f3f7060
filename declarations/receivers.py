"""Reaction to tariff events (tariff cannot import declarations)."""


def enqueue_recalculation(sender, law, user=None, **kwargs):
    from .tasks import recalculation_enqueue  # receivers are connected in AppConfig.ready, before tasks load

    recalculation_enqueue(law=law, user=user)
