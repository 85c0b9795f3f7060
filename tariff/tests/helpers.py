"""Helpers shared by the tests of every app."""
from __future__ import annotations


def plain(text: str) -> str:
    """``text`` with the no-break spaces of French number formatting (U+00A0 from Django's ``fr`` grouping
    and between a number and its unit, U+202F) made plain, to compare with figures as the circulars print
    them (``10 000 DH``)."""
    return text.replace("\xa0", " ").replace("\u202f", " ")
