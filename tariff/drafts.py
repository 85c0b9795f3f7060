"""Applying a draft finance law's rate changes — to the database when the law is
published, or to an in-memory copy of the index for the what-if simulation. One
planning function serves both so the simulation is exactly what publishing does."""
from __future__ import annotations

import copy
import datetime as dt

from .kit.errors import DomainError
from .models import DraftRateChange, DutyRate, ExciseRate, FinanceLaw, FranchiseRate, VatRate

ONE_DAY = dt.timedelta(days=1)


class DraftChangeConflict(DomainError):
    code = "draft_change_conflict"


def change_model_and_key(change: DraftRateChange) -> tuple[type, dict]:
    if change.kind == DraftRateChange.Kind.DI:
        return DutyRate, {"tariff_line_id": change.tariff_line_id}
    if change.kind == DraftRateChange.Kind.TIC:
        return ExciseRate, {"category_id": change.excise_category_id, "band_label": change.band_label}
    if change.kind == DraftRateChange.Kind.VAT:
        return VatRate, {"category_id": change.vat_category_id}
    return FranchiseRate, {"franchise_id": change.franchise_id}


def _matches(row, key: dict) -> bool:
    return all(getattr(row, k) == v for k, v in key.items())


def _new_row(change: DraftRateChange, law: FinanceLaw, template):
    model, key = change_model_and_key(change)
    common = {"law": law, "valid_from": change.valid_from, "valid_to": change.valid_to, **key}
    if model is DutyRate:
        return DutyRate(rate=change.rate, note=change.note or f"{law}", **common)
    if model is VatRate:
        return VatRate(rate=change.rate or 0, exempt=change.exempt, note=change.note or f"{law}", **common)
    if model is FranchiseRate:
        return FranchiseRate(rate=change.rate, exempt=change.exempt, note=change.note or f"{law}", **common)
    row = ExciseRate(note=change.note or f"{law}", **common)
    for name in ("band_values", "band_min", "band_min_inclusive", "band_max", "band_max_inclusive",
                 "specific_amount", "ad_valorem_rate", "minimum_amount", "sugar_threshold"):
        if template is not None:
            setattr(row, name, getattr(template, name))
    for name in ("specific_amount", "ad_valorem_rate", "minimum_amount", "sugar_threshold"):
        if getattr(change, name) is not None:
            setattr(row, name, getattr(change, name))
    return row


def plan_change(rows: list, change: DraftRateChange, law: FinanceLaw) -> tuple[list, list]:
    """(rows to shorten, rows to create) so that ``change`` takes effect from its date:
    the row in force then ends the day before; if the change is temporary, the old
    rate resumes after it. A row already starting on/after that date is a conflict."""
    _model, key = change_model_and_key(change)
    rows = [r for r in rows if _matches(r, key)]
    later = [r for r in rows if r.valid_from >= change.valid_from]
    if later:
        raise DraftChangeConflict(
            f"{change} : une ligne commence déjà le {later[0].valid_from:%d/%m/%Y} ; corrigez-la avant de publier.",
            field="draft_changes",
        )
    current = next((r for r in rows if r.is_valid_on(change.valid_from)), None)
    to_update, to_create = [], [_new_row(change, law, current)]
    if current is not None:
        shortened = copy.copy(current)
        shortened.valid_to = change.valid_from - ONE_DAY
        to_update.append(shortened)
        if change.valid_to and (current.valid_to is None or current.valid_to > change.valid_to):
            resumed = copy.copy(current)
            resumed.pk = resumed.id = None
            resumed.valid_from, resumed.valid_to = change.valid_to + ONE_DAY, current.valid_to
            to_create.append(resumed)
    return to_update, to_create


def apply_changes_to_database(law: FinanceLaw) -> int:
    changes = list(law.draft_changes.order_by("valid_from", "id"))
    for change in changes:
        model, key = change_model_and_key(change)
        rows = list(model.objects.select_for_update().filter(**key).order_by("valid_from"))
        to_update, to_create = plan_change(rows, change, law)
        for row in to_update:
            row.full_clean()
            row.save(update_fields=["valid_to"])
        for row in to_create:
            row.full_clean()
            row.save()
    return len(changes)


def apply_changes_to_index(index, law: FinanceLaw) -> None:
    """Mutates ``index`` (a private copy) as if ``law`` were published."""
    buckets = {
        DutyRate: (index.duty_rates, "tariff_line_id"),
        ExciseRate: (index.excise_rates, "category_id"),
        VatRate: (index.vat_rates, "category_id"),
        FranchiseRate: (index.franchise_rates, "franchise_id"),
    }
    vat_categories = {c.id: c for c in index.vat_categories}
    for change in law.draft_changes.order_by("valid_from", "id"):
        model, key = change_model_and_key(change)
        mapping, attr = buckets[model]
        bucket_key = key[attr]
        rows = list(mapping.get(bucket_key, ()))
        to_update, to_create = plan_change(rows, change, law)
        replaced = {id(r) for r in rows if any(u.pk == r.pk for u in to_update)}
        rows = [r for r in rows if id(r) not in replaced] + to_update + to_create
        for row in rows:
            if model is VatRate and row.category_id in vat_categories:
                row.category = vat_categories[row.category_id]
        mapping[bucket_key] = sorted(rows, key=lambda r: r.valid_from)
    index.memo.clear()  # rates resolved before the change no longer hold
