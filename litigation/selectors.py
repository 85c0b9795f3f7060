"""Reads of the offence catalogue (always "as of" a date) and of the cases."""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from declarations.offence_fines import OffenceFine
from tariff.kit.validity import valid_on
from tariff.laws import LF_2024
from tariff.selectors import law_in_force_from

from .models import Case, CaseOffence, Offence
from .rules import ZERO, Exposure, PenaltyLine, compute_penalty, exposure_of, not_in_force_line

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


def offence_fine(*, article: str, paragraph: str, on_date: dt.date) -> OffenceFine | None:
    """The offence as the catalogue has it on ``on_date``, for the declaration checks
    (registered in ``declarations.offence_fines`` by ``LitigationConfig.ready``)."""
    offence = offence_for(article=article, paragraph=paragraph, on_date=on_date)
    if offence is None:
        return None
    return OffenceFine(citation=offence.citation, offence_class=str(offence.get_offence_class_display()),
                       fine_min=offence.fine_min, fine_max=offence.fine_max, valid_from=offence.valid_from)


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
    return case_list().select_related("declaration").prefetch_related("parties", "documents", "settlements")


# --- open cases, for the dashboard --------------------------------------------------------------

OPEN_CASE_STATUSES = (Case.Status.REPORTED, Case.Status.UNDER_REVIEW, Case.Status.REFERRED_TO_COURT)


@dataclass(frozen=True)
class CaseAtStake:
    """One open case: its exposure, the duties and taxes at stake and the fines it risks."""

    case: Case
    exposure: Exposure
    duties: Decimal

    @property
    def total(self) -> Decimal:
        """Duties and taxes at stake plus the maximum of the fines."""
        return self.duties + self.exposure.fine_max_total


@dataclass(frozen=True)
class OpenCasesExposure:
    """What the open cases (reported, under review, referred to court) put at stake, in DH."""

    count: int = 0
    duties_total: Decimal = ZERO
    fine_min_total: Decimal = ZERO
    fine_max_total: Decimal = ZERO
    incomplete_count: int = 0
    largest: list[CaseAtStake] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return self.duties_total + self.fine_max_total


def open_cases_exposure(*, on_date: dt.date, limit: int = 10) -> OpenCasesExposure:
    """Totals over every open case and the ``limit`` cases with the most at stake.

    Per case (``case_exposure`` as of ``on_date``): the fines of the offences in
    force on the date of the facts (minimum – maximum), and the duties and taxes at stake —
    those compromised, and never less than what a settlement cannot remit (art. 275).
    Three queries whatever the number of cases (cases, their offences, the catalogue)."""
    catalogue = offence_catalogue()
    cases = case_list().filter(status__in=OPEN_CASE_STATUSES)
    rows = []
    for case in cases:
        exposure = case_exposure(case, on_date=on_date, catalogue=catalogue)
        duties = max(case.duties_compromised or ZERO, exposure.duties_not_remittable)
        rows.append(CaseAtStake(case=case, exposure=exposure, duties=duties))
    rows.sort(key=lambda row: (-row.total, row.case.reference))
    return OpenCasesExposure(
        count=len(rows),
        duties_total=sum((row.duties for row in rows), ZERO),
        fine_min_total=sum((row.exposure.fine_min_total for row in rows), ZERO),
        fine_max_total=sum((row.exposure.fine_max_total for row in rows), ZERO),
        incomplete_count=sum(1 for row in rows if row.exposure.incomplete),
        largest=rows[:limit],
    )


# --- penalty --------------------------------------------------------------------------------

def pick_own_or_case(own, fallback):
    """An offence's own base amount when set, else the case's."""
    return own if own is not None else fallback


def case_penalty(case: Case, *, catalogue: dict | None = None) -> list[PenaltyLine]:
    """One line per offence on the case, computed from the version in force on the date of
    the facts; an offence with no such version gets a line flagged not applicable."""
    lines = []
    for charged in case.case_offences.all():
        offence = charged.offence
        key = (offence.article, offence.paragraph, offence.variant)
        if catalogue is not None:
            versions = catalogue.get(key, [])
        else:
            versions = offence_versions(article=key[0], paragraph=key[1], variant=key[2])
        in_force = valid_on(versions, case.facts_date)
        if not in_force:
            lines.append(not_in_force_line(offence, on_date=case.facts_date, versions=versions))
            continue
        lines.append(
            compute_penalty(
                in_force[0],
                goods_value=pick_own_or_case(charged.goods_customs_value, case.goods_customs_value),
                duties=pick_own_or_case(charged.duties_compromised, case.duties_compromised),
                undeclared_amount=pick_own_or_case(charged.undeclared_amount, case.undeclared_amount),
                export_advantages=pick_own_or_case(charged.export_advantages, case.export_advantages),
                aggravating=case.aggravating_circumstances,
                sensitive_goods=case.sensitive_goods,
            )
        )
    return lines


def case_exposure(case: Case, *, on_date: dt.date | None = None, catalogue: dict | None = None) -> Exposure:
    """The case's penalty lines and totals; ``on_date`` (default today) decides which text of
    art. 275 assesses the duties a settlement cannot remit (the LF 2024 text from that law's date)."""
    return exposure_of(
        case, case_penalty(case, catalogue=catalogue), on_date=on_date or timezone.localdate(),
        lf_2024_from=law_in_force_from(LF_2024),
    )
