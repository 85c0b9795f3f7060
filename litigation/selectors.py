"""Reads of the offence catalogue (always "as of" a date) and of the cases."""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from django.db.models import Prefetch, QuerySet

from .models import Case, CaseOffence, Offence

_LATIN = r"(bis|ter|quater|quinquies)"
_ARTICLE = re.compile(rf"^\s*(\d+)\s*{_LATIN}?\s*$", re.IGNORECASE)
_PARAGRAPH = re.compile(rf"^\s*(\d+)\s*(?:°|º|er|o)?\s*{_LATIN}?\s*$", re.IGNORECASE)

OffenceKey = tuple[str, str, str]


def normalize_article(value: str) -> str:
    """``279TER`` → ``279 ter``; anything else is only stripped."""
    text = (value or "").strip()
    match = _ARTICLE.match(text)
    if not match:
        return text
    number, latin = match.groups()
    return f"{number} {latin.lower()}" if latin else number


def normalize_paragraph(value: str) -> str:
    """``8`` / ``8°`` → ``8°``; ``6 bis`` / ``6°bis`` → ``6° bis``; anything else is only stripped."""
    text = (value or "").strip()
    match = _PARAGRAPH.match(text)
    if not match:
        return text
    number, latin = match.groups()
    return f"{number}° {latin.lower()}" if latin else f"{number}°"


def offence_versions(*, article: str, paragraph: str = "", variant: str = "") -> list[Offence]:
    return list(
        Offence.objects.filter(
            article=normalize_article(article), paragraph=normalize_paragraph(paragraph), variant=variant or ""
        ).order_by("valid_from")
    )


def offence_for(*, article: str, paragraph: str = "", on_date: dt.date, variant: str = "") -> Offence | None:
    """The version of the offence in force on ``on_date`` (the date of the facts), or None."""
    return (
        Offence.objects.as_of(on_date)
        .filter(article=normalize_article(article), paragraph=normalize_paragraph(paragraph), variant=variant or "")
        .first()
    )


def offence_list(*, on_date: dt.date | None = None) -> QuerySet[Offence]:
    qs = Offence.objects.all()
    if on_date is not None:
        qs = qs.as_of(on_date)
    return qs.order_by("article", "paragraph", "variant", "valid_from")


def offence_catalogue() -> dict[OffenceKey, list[Offence]]:
    """Every version of every offence, by (article, paragraph, variant) — one query for pages
    listing many cases."""
    catalogue: dict[OffenceKey, list[Offence]] = defaultdict(list)
    for row in Offence.objects.order_by("valid_from"):
        catalogue[(row.article, row.paragraph, row.variant)].append(row)
    return catalogue


def case_list() -> QuerySet[Case]:
    return Case.objects.prefetch_related(
        Prefetch("case_offences", queryset=CaseOffence.objects.select_related("offence"))
    ).order_by("-facts_date", "reference")


def case_detail_queryset() -> QuerySet[Case]:
    return case_list().prefetch_related("parties", "documents", "settlements")
