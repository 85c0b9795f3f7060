"""The fines a declaration's shortcomings incur, read from the offence catalogue.

The catalogue (``litigation.Offence``, loaded from ``litigation/data/offences.csv``) is the one
home of the offences, their class, their fine and the date they apply from. Dependencies point
tariff ← declarations ← litigation, so declarations never imports it: litigation registers its
catalogue lookup here when it loads (``LitigationConfig.ready``), and the declaration checks ask
``offence_fine`` — the amounts they show are the catalogue's row in force on the date."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ImproperlyConfigured

# CDII art. 297-8° (LF 2024, circ. 6522/210 annexe I): documents required by the legislation not annexed
# to the detailed declaration.
MISSING_DOCUMENTS_OFFENCE = ("297", "8°")


@dataclass(frozen=True)
class OffenceFine:
    """What the catalogue says of one offence on one date."""

    citation: str  # "297-8°"
    offence_class: str  # "Contravention douanière de 3e classe"
    fine_min: Decimal | None
    fine_max: Decimal | None
    valid_from: dt.date


FineLookup = Callable[..., "OffenceFine | None"]  # (article=, paragraph=, on_date=) → the row in force or None

_lookups: list[FineLookup] = []


def register_offence_fine_lookup(lookup: FineLookup) -> None:
    """Called once by the app that keeps the offence catalogue (litigation)."""
    _lookups[:] = [lookup]


def offence_fine(*, article: str, paragraph: str, on_date: dt.date) -> OffenceFine | None:
    """The offence ``article``-``paragraph`` as the catalogue has it on ``on_date``; ``None``
    when no version is in force that day (e.g. 297-8° before the LF 2024)."""
    if not _lookups:
        raise ImproperlyConfigured("Aucun catalogue des infractions n'est chargé (application litigation absente).")
    return _lookups[0](article=article, paragraph=paragraph, on_date=on_date)
