"""Reads of the tariff reference data, always "as of" a date.

The reference tables are small and read on every quote and liquidation, so they are
served from an in-memory index per process. The index is tagged with the token in
``ReferenceDataVersion``; every reference-data write replaces that token
(``bump_reference_version``), and each read compares tokens (one indexed query), so
every process sees a change at once.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from django.db.models import Q
from django.db.models.functions import Substr

from . import sql
from .codes import normalize_tariff_code
from .drafts import apply_changes_to_index
from .kit.errors import DomainError
from .kit.numbers import format_percent, format_quantity
from .kit.text import search_key
from .kit.validity import valid_on
from .models import (
    BlanketDutyChange,
    DutyRate,
    ExchangeRate,
    ExciseCategory,
    ExciseRate,
    FinanceLaw,
    FranchiseCode,
    FranchiseRate,
    ReferenceDataVersion,
    TariffLine,
    VatCategory,
    VatRate,
)
from .rules import decide_duty_rate


def bump_reference_version() -> int:
    token = secrets.randbits(62)
    ReferenceDataVersion.objects.update_or_create(id=1, defaults={"version": token})
    return token


def lock_reference_version() -> int:
    """Inside a transaction: wait for any other writer of reference data to commit, and hold them
    off until this one does; the version read then is the committed one (two import confirms in a
    row: the second sees the first's rows and checks its own again)."""
    row, _created = ReferenceDataVersion.objects.select_for_update().get_or_create(id=1)
    return row.version


def current_reference_version() -> int:
    """The reference-version token (0 before any write), read on every quote (``tariff.sql``)."""
    return sql.reference_version()


@dataclass
class TariffIndex:
    version: int
    laws: dict[int, FinanceLaw] = field(default_factory=dict)
    lines: dict[str, TariffLine] = field(default_factory=dict)
    duty_rates: dict[int, list[DutyRate]] = field(default_factory=lambda: defaultdict(list))
    blanket_changes: list[BlanketDutyChange] = field(default_factory=list)
    excise_categories: list[ExciseCategory] = field(default_factory=list)
    excise_prefixes: dict[int, list[str]] = field(default_factory=dict)
    excise_by_prefix: dict[str, list[ExciseCategory]] = field(default_factory=lambda: defaultdict(list))
    excise_rates: dict[int, list[ExciseRate]] = field(default_factory=lambda: defaultdict(list))
    vat_categories: list[VatCategory] = field(default_factory=list)
    vat_prefixes: dict[int, list[str]] = field(default_factory=dict)
    vat_by_prefix: dict[str, list[VatCategory]] = field(default_factory=lambda: defaultdict(list))
    vat_rates: dict[int, list[VatRate]] = field(default_factory=lambda: defaultdict(list))
    franchises: dict[str, FranchiseCode] = field(default_factory=dict)
    franchise_prefixes: dict[int, list[str]] = field(default_factory=dict)
    franchise_rates: dict[int, list[FranchiseRate]] = field(default_factory=lambda: defaultdict(list))
    exchange_rates: dict[str, list[ExchangeRate]] = field(default_factory=lambda: defaultdict(list))
    # Derived lookups memoized by the services (e.g. the rates of a line on a date); the index
    # is immutable once built, and a new reference version builds a new index.
    memo: dict = field(default_factory=dict, repr=False)

    # --- lookups -------------------------------------------------------------------------
    def law(self, code: str) -> FinanceLaw | None:
        """The published law of that code (``tariff.laws``)."""
        return next((law for law in self.laws.values() if law.code == code), None)

    def line(self, code: str) -> TariffLine | None:
        return self.lines.get(code)

    def duty_rate_on(self, line: TariffLine, on_date: dt.date) -> DutyRate | None:
        rows = valid_on(self.duty_rates.get(line.id, ()), on_date)
        return rows[0] if rows else None

    def blanket_changes_on(self, on_date: dt.date) -> list[BlanketDutyChange]:
        return valid_on(self.blanket_changes, on_date)

    def excise_categories_for(self, code: str) -> list[ExciseCategory]:
        found: dict[int, ExciseCategory] = {}
        for length in range(1, len(code) + 1):
            for category in self.excise_by_prefix.get(code[:length], ()):
                found[category.id] = category
        return [c for c in self.excise_categories if c.id in found]

    def excise_rates_on(self, category: ExciseCategory, on_date: dt.date) -> list[ExciseRate]:
        return valid_on(self.excise_rates.get(category.id, ()), on_date)

    def vat_rate_on(self, code: str, on_date: dt.date) -> VatRate | None:
        """Most specific VAT category (longest matching prefix) with a rate in force."""
        for length in range(len(code), -1, -1):
            for cat in self.vat_by_prefix.get(code[:length], ()):
                rows = valid_on(self.vat_rates.get(cat.id, ()), on_date)
                if rows:
                    return rows[0]
        return None

    def franchise(self, code: str) -> FranchiseCode | None:
        return self.franchises.get(code)

    def franchise_rate_on(self, franchise: FranchiseCode, on_date: dt.date) -> FranchiseRate | None:
        rows = valid_on(self.franchise_rates.get(franchise.id, ()), on_date)
        return rows[0] if rows else None

    def franchise_covers(self, franchise: FranchiseCode, code: str) -> bool:
        prefixes = self.franchise_prefixes[franchise.id]
        return not prefixes or any(code.startswith(p) for p in prefixes)

    def exchange_rate_on(self, currency: str, on_date: dt.date) -> ExchangeRate | None:
        rows = valid_on(self.exchange_rates.get(currency, ()), on_date)
        return rows[0] if rows else None


def _build_index(version: int, *, extra_law_ids: tuple[int, ...] = ()) -> TariffIndex:
    idx = TariffIndex(version=version)
    idx.laws = {
        law.id: law
        for law in FinanceLaw.objects.filter(Q(status=FinanceLaw.Status.PUBLISHED) | Q(id__in=extra_law_ids))
    }
    published = set(idx.laws)
    idx.lines = {line.code: line for line in TariffLine.objects.all()}
    for row in DutyRate.objects.filter(law_id__in=published).order_by("valid_from"):
        idx.duty_rates[row.tariff_line_id].append(row)
    idx.blanket_changes = list(BlanketDutyChange.objects.filter(law_id__in=published).order_by("valid_from"))
    idx.excise_categories = list(ExciseCategory.objects.all())
    idx.excise_prefixes = {c.id: c.prefixes for c in idx.excise_categories}
    for category in idx.excise_categories:
        for prefix in idx.excise_prefixes[category.id]:
            idx.excise_by_prefix[prefix].append(category)
    for row in ExciseRate.objects.filter(law_id__in=published).order_by("valid_from"):
        idx.excise_rates[row.category_id].append(row)
    idx.vat_categories = list(VatCategory.objects.all())
    idx.vat_prefixes = {c.id: c.prefixes for c in idx.vat_categories}
    for category in idx.vat_categories:
        for prefix in idx.vat_prefixes[category.id] or [""]:
            idx.vat_by_prefix[prefix].append(category)
    vat_by_id = {c.id: c for c in idx.vat_categories}
    for row in VatRate.objects.filter(law_id__in=published).order_by("valid_from"):
        row.category = vat_by_id[row.category_id]
        idx.vat_rates[row.category_id].append(row)
    idx.franchises = {f.code: f for f in FranchiseCode.objects.all()}
    idx.franchise_prefixes = {f.id: f.prefixes for f in idx.franchises.values()}
    for row in FranchiseRate.objects.filter(law_id__in=published).order_by("valid_from"):
        idx.franchise_rates[row.franchise_id].append(row)
    for row in ExchangeRate.objects.order_by("valid_from"):
        idx.exchange_rates[row.currency].append(row)
    # Attach laws so callers never trigger a lazy query.
    for rows in (*idx.duty_rates.values(), *idx.excise_rates.values(), *idx.vat_rates.values(),
                 *idx.franchise_rates.values(), idx.blanket_changes):
        for row in rows:
            row.law = idx.laws[row.law_id]
    return idx


_local = threading.local()


def get_tariff_index() -> TariffIndex:
    version = current_reference_version()
    cached: TariffIndex | None = getattr(_local, "index", None)
    if cached is None or cached.version != version:
        cached = _build_index(version)
        _local.index = cached
    return cached


def tariff_index_with_draft(*, law: FinanceLaw) -> TariffIndex:
    """A private index as if the draft ``law`` were published (what-if simulation)."""

    index = _build_index(version=-1, extra_law_ids=(law.id,))
    apply_changes_to_index(index, law)
    return index


def blanket_change_lines(change: BlanketDutyChange, *, path: str = "") -> Q:
    """The tariff lines the blanket ``change`` can rewrite, as a filter: the negation of
    ``rules.blanket_change_spares`` (the engine's decision) in SQL. ``path``: the lookup from the
    filtered model to its ``TariffLine`` (``"tariff_line__"`` for articles)."""
    lines = Q()
    for chapter in change.excluded_chapter_list:
        lines &= ~Q(**{f"{path}code__startswith": chapter})
    if change.exclude_lines_at_40_before_lfr_2020:
        lines &= Q(**{f"{path}di_40_before_lfr_2020": False})
    return lines


# --- the laws the code names (tariff.laws) -----------------------------------------------------

class MissingFinanceLaw(DomainError):
    code = "reference_missing"

    def __init__(self, code: str):
        super().__init__(f"Loi de finances {code} absente des données de référence (ou non publiée) : chargez les "
                         "lois de finances (manage.py load_reference_data).", field="law", code=self.code)


def finance_law(code: str, *, index: TariffIndex | None = None) -> FinanceLaw:
    """The published ``FinanceLaw`` row of ``code`` (a ``tariff.laws`` constant), from the tariff
    index: the law a computed line is traced to. Refused when the row is missing."""
    law = (index or get_tariff_index()).law(code)
    if law is None:
        raise MissingFinanceLaw(code)
    return law


@lru_cache(maxsize=16)
def law_in_force_from(code: str) -> dt.date:
    """The date the published law ``code`` (a ``tariff.laws`` constant) applies from: its row's
    ``effective_date``, the one home of that date (rules take it as a parameter). Cached per
    process — a law's date never changes once published; any write to a ``FinanceLaw`` row
    clears the cache (``tariff.signals``), as does ``law_in_force_from.cache_clear()``.
    Refused when the row is missing (a missing law is never cached)."""
    found = FinanceLaw.objects.filter(code=code, status=FinanceLaw.Status.PUBLISHED).values_list(
        "effective_date", flat=True).first()
    if found is None:
        raise MissingFinanceLaw(code)
    return found


# --- plain queries for pages and the API ----------------------------------------------------

def tariff_line_get(*, code: str) -> TariffLine | None:
    return TariffLine.objects.filter(code=normalize_tariff_code(code)).first()


_CODE_PART = re.compile(r"^[\d.]+$")


def split_tariff_query(query: str) -> tuple[str, list[str]]:
    """What a search for tariff lines asks: a code prefix (digits, typed with or without dots
    or spaces: ``85``, ``8517``, ``85.17``, ``8517 13 00``) and words of the description, as
    searched (``tariff.kit.text.search_key``: ``TÉLÉPHONES`` → ``telephones``)."""
    digits, words = [], []
    for part in (query or "").split():
        if _CODE_PART.match(part) and any(c.isdigit() for c in part):
            digits.append(part.replace(".", ""))
        else:
            words.extend(search_key(part).split())
    return "".join(digits)[:10], words


def tariff_lines_matching(queryset, query: str):
    """``queryset`` narrowed to the lines whose code starts with the query's digits and whose
    description holds each of its words, accents and case aside (the trigram index serves
    ``search_text LIKE '%…%'`` on PostgreSQL)."""
    prefix, words = split_tariff_query(query)
    if prefix:
        queryset = queryset.filter(code__startswith=prefix)
    for word in words:
        queryset = queryset.filter(search_text__contains=word)
    return queryset


def tariff_chapters() -> list[str]:
    """The chapters (two first digits) the tariff has lines in."""
    return list(TariffLine.objects.annotate(chapter=Substr("code", 1, 2)).order_by("chapter")
                .values_list("chapter", flat=True).distinct())


def tariff_line_search(*, query: str = "", limit: int = 50):
    return tariff_lines_matching(TariffLine.objects.all(), query).order_by("code")[:limit]


def duty_rate_history(*, line: TariffLine):
    return line.duty_rates.select_related("law").order_by("valid_from")


def finance_law_list():
    return FinanceLaw.objects.order_by("effective_date", "code")


def rates_in_force(*, line: TariffLine, on_date: dt.date) -> list[dict]:
    """Every rate that applies to ``line`` on ``on_date``: DI (after blanket changes),
    each TIC band of the categories covering the line, and the import VAT."""

    index = get_tariff_index()
    rows: list[dict] = []
    explicit = index.duty_rate_on(line, on_date)
    if explicit is not None:
        decision = decide_duty_rate(line=line, explicit=explicit, blanket_changes=index.blanket_changes_on(on_date))
        rows.append({
            "tax": "DI", "label": "Droit d'importation", "rate": decision.rate, "rate_unit": "%",
            "source": decision.law.code, "valid_from": explicit.valid_from, "valid_to": explicit.valid_to,
            "detail": decision.detail,
        })
    for category in index.excise_categories_for(line.code):
        for band in index.excise_rates_on(category, on_date):
            detail = []
            if band.ad_valorem_rate is not None:
                detail.append(f"ad valorem {format_percent(band.ad_valorem_rate)}")
            if band.minimum_amount is not None:
                detail.append(f"minimum {format_quantity(band.minimum_amount, 'DH')}")
            if band.sugar_threshold is not None:
                detail.append(f"taxé au-delà de {format_quantity(band.sugar_threshold, 'g/100')}")
            label = f"TIC {category.table} — {category.label}" + (f" [{band.band_label}]" if band.band_label else "")
            rows.append({
                "tax": "TIC", "label": label, "rate": band.specific_amount, "rate_unit": f"DH/{category.unit_label}",
                "source": band.law.code, "valid_from": band.valid_from, "valid_to": band.valid_to,
                "detail": ", ".join(detail),
            })
    vat = index.vat_rate_on(line.code, on_date)
    if vat is not None:
        rows.append({
            "tax": "TVA", "label": vat.category.label, "rate": None if vat.exempt else vat.rate,
            "rate_unit": "exonéré" if vat.exempt else "%", "source": vat.law.code, "valid_from": vat.valid_from,
            "valid_to": vat.valid_to, "detail": vat.note,
        })
    return rows
