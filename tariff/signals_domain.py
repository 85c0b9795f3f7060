"""Domain events other apps react to without tariff importing them (layering:
tariff is the base; declarations listens)."""
from django.dispatch import Signal

# Sent inside the publishing transaction with ``law``; receivers defer work with on_commit.
finance_law_published = Signal()
