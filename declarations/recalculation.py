"""Services for finance-law changes: which liquidated declarations a law touches,
the Celery-driven re-liquidation run, and the what-if simulation on a draft law."""
from __future__ import annotations

import csv
import gc
import io
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from tariff.models import (
    BlanketDutyChange,
    DraftRateChange,
    DutyRate,
    ExciseRate,
    FinanceLaw,
    FranchiseRate,
    VatRate,
)
from tariff.selectors import get_tariff_index, tariff_index_with_draft
from tariff.services import TAX_DI, TAX_TIC, TAX_VAT

from .models import Article, Declaration, RecalculationResult, RecalculationRun
from .services import reliquidate_declarations

BATCH_SIZE = 200


# --- which declarations a law touches --------------------------------------------------------

def _dated(q: Q, valid_from, valid_to) -> Q:
    q &= Q(declaration__registered_on__gte=valid_from)
    if valid_to:
        q &= Q(declaration__registered_on__lte=valid_to)
    return q


def _prefix_q(prefixes: list[str]) -> Q:
    if not prefixes or "" in prefixes:
        return Q()
    q = Q()
    for prefix in prefixes:
        q |= Q(tariff_line__code__startswith=prefix)
    return q


def law_articles_filter(law: FinanceLaw) -> Q:
    """Articles whose duties the law's rows (published) or staged changes (draft) can change."""
    q = Q(pk__in=[])
    for row in DutyRate.objects.filter(law=law):
        q |= _dated(Q(tariff_line_id=row.tariff_line_id), row.valid_from, row.valid_to)
    for row in ExciseRate.objects.filter(law=law).select_related("category"):
        q |= _dated(_prefix_q(row.category.prefixes), row.valid_from, row.valid_to)
    for row in VatRate.objects.filter(law=law).select_related("category"):
        q |= _dated(_prefix_q(row.category.prefixes), row.valid_from, row.valid_to)
    for row in FranchiseRate.objects.filter(law=law).select_related("franchise"):
        q |= _dated(Q(franchise_code=row.franchise.code), row.valid_from, row.valid_to)
    for change in law.draft_changes.select_related("excise_category", "vat_category", "franchise"):
        if change.kind == DraftRateChange.Kind.DI:
            target = Q(tariff_line_id=change.tariff_line_id)
        elif change.kind == DraftRateChange.Kind.TIC:
            target = _prefix_q(change.excise_category.prefixes)
        elif change.kind == DraftRateChange.Kind.VAT:
            target = _prefix_q(change.vat_category.prefixes)
        else:
            target = Q(franchise_code=change.franchise.code)
        q |= _dated(target, change.valid_from, change.valid_to)
    for blanket in BlanketDutyChange.objects.filter(law=law):
        # LF 2024 style "every X% line": articles currently liquidated at X% DI.
        target = Q(liquidation_lines__tax=TAX_DI, liquidation_lines__rate=blanket.from_rate,
                   liquidation_lines__liquidation__is_current=True)
        for chapter in blanket.excluded_chapter_list:
            target &= ~Q(tariff_line__code__startswith=chapter)
        q |= _dated(target, blanket.valid_from, blanket.valid_to)
    return q


def recalculation_candidates(*, law: FinanceLaw) -> list[int]:
    """Liquidated, not yet paid declarations with an article the law touches."""
    return list(
        Article.objects.filter(declaration__status=Declaration.Status.LIQUIDATED)
        .filter(law_articles_filter(law))
        .values_list("declaration_id", flat=True)
        .distinct()
        .order_by("declaration_id")
    )


# --- the run ----------------------------------------------------------------------------------

def recalculation_run_create(*, law: FinanceLaw, user=None) -> RecalculationRun:
    return RecalculationRun.objects.create(law=law, created_by=user)


def recalculation_run_start(*, run_id: int, batch_size: int | None = None) -> list[list[int]]:
    """Record the run's candidates, mark it running and return the batches still to do.

    Declarations already recorded for this run are left out, so a rerun after a crash
    finishes the job and a second run of the same law changes nothing. The batches are
    independent (each is one transaction over its own declarations): the Celery task
    fans them out to the workers, ``recalculation_run_process`` runs them in turn."""
    run = RecalculationRun.objects.select_related("law").get(pk=run_id)
    ids = recalculation_candidates(law=run.law)
    done = set(RecalculationResult.objects.filter(run=run).values_list("declaration_id", flat=True))
    todo = [i for i in ids if i not in done]
    RecalculationRun.objects.filter(pk=run.pk).update(
        status=RecalculationRun.Status.RUNNING, candidates=len(done.union(ids)), processed=len(done),
        started_at=run.started_at or timezone.now(), finished_at=None)
    if not todo:
        _finish_if_done(run.pk)
    batch_size = batch_size or BATCH_SIZE
    return [todo[start:start + batch_size] for start in range(0, len(todo), batch_size)]


def recalculation_run_process(*, run_id: int, batch_size: int | None = None) -> RecalculationRun:
    """The whole run in this process, batch after batch."""
    for ids in recalculation_run_start(run_id=run_id, batch_size=batch_size):
        recalculation_batch_process(run_id=run_id, declaration_ids=ids)
    return RecalculationRun.objects.get(pk=run_id)


def _finish_if_done(run_id: int) -> bool:
    return bool(RecalculationRun.objects.filter(
        pk=run_id, status=RecalculationRun.Status.RUNNING, processed__gte=F("candidates"),
    ).update(status=RecalculationRun.Status.SUCCEEDED, finished_at=timezone.now()))


@contextmanager
def _cyclic_gc_paused():
    """A batch allocates a few hundred thousand short-lived objects (rows, quotes, lines) and
    no reference cycle worth collecting: the cyclic collector's repeated passes over them cost
    about a fifth of the batch (measured). Paused for the batch, resumed after; reference
    counting still frees everything as it goes."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def recalculation_batch_process(*, run_id: int, declaration_ids: list[int]) -> None:
    with _cyclic_gc_paused():
        _batch_process(run_id=run_id, declaration_ids=declaration_ids)


@transaction.atomic
def _batch_process(*, run_id: int, declaration_ids: list[int]) -> None:
    """Re-liquidate one batch: every declaration in it is either fully re-liquidated with
    its result recorded, or untouched. The run's counters are updated in the same
    transaction (row lock on the run: concurrent batches add up exactly), and the batch
    that brings ``processed`` to ``candidates`` marks the run succeeded."""
    run = RecalculationRun.objects.select_related("law", "created_by").get(pk=run_id)
    reason = f"Recalcul après publication de {run.law}"
    locked = list(Declaration.objects.select_for_update().filter(id__in=declaration_ids).order_by("id"))
    already = set(RecalculationResult.objects.filter(run=run, declaration_id__in=declaration_ids)
                  .values_list("declaration_id", flat=True))
    locked = [d for d in locked if d.id not in already]
    declarations = [d for d in locked if d.status == Declaration.Status.LIQUIDATED]
    # Paid or cleared since the candidates were listed: recorded, not re-liquidated.
    skipped = [RecalculationResult(run=run, declaration=d, outcome=RecalculationResult.Outcome.SKIPPED,
                                   message=f"Statut « {d.get_status_display()} » : plus à recalculer.")
               for d in locked if d.status != Declaration.Status.LIQUIDATED]
    outcomes = reliquidate_declarations(declarations=declarations, reason=reason, user=run.created_by,
                                        index=get_tariff_index())
    rows, errors = [], []
    counts = {"changed": 0, "unchanged": 0, "failed": 0}
    for o in outcomes:
        if o.error:
            counts["failed"] += 1
            errors.append({"declaration": o.declaration.reference, "message": o.error.message})
            rows.append(RecalculationResult(run=run, declaration=o.declaration, outcome="failed",
                                            before_total=o.previous.total, after_total=o.previous.total,
                                            message=o.error.message[:500]))
            continue
        outcome = "changed" if o.current else "unchanged"
        counts[outcome] += 1
        rows.append(RecalculationResult(
            run=run, declaration=o.declaration, outcome=outcome, liquidation=o.current,
            before_total=o.previous.total, after_total=(o.current or o.previous).total,
            delta_di=o.delta[TAX_DI], delta_tic=o.delta[TAX_TIC], delta_vat=o.delta[TAX_VAT],
            delta_total=o.delta["total"]))
    RecalculationResult.objects.bulk_create(rows + skipped)
    if connection.vendor == "postgresql":
        # Deferred foreign-key checks (liquidations, results, history rows) run here, before the
        # run's row is locked for the counters: at commit they would keep that lock, and the
        # batches of the other workers would wait for each other's checks.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    RecalculationRun.objects.filter(pk=run.pk).update(
        processed=F("processed") + len(rows) + len(skipped), changed=F("changed") + counts["changed"],
        unchanged=F("unchanged") + counts["unchanged"], failed=F("failed") + counts["failed"],
        articles=F("articles") + sum(o.articles for o in outcomes),
    )
    if errors:  # read after the update above: the run's row is locked, no other batch's errors are lost
        run.refresh_from_db(fields=["errors"])
        RecalculationRun.objects.filter(pk=run.pk).update(errors=run.errors + errors)
    _finish_if_done(run.pk)


# --- what-if ----------------------------------------------------------------------------------

@dataclass
class WhatIfImpact:
    law: FinanceLaw
    declarations: int = 0
    articles: int = 0
    delta: dict[str, Decimal] = field(default_factory=lambda: {TAX_DI: Decimal("0"), TAX_TIC: Decimal("0"),
                                                               TAX_VAT: Decimal("0"), "total": Decimal("0")})
    rows: list[dict] = field(default_factory=list)  # one per changed declaration
    top_lines: list[dict] = field(default_factory=list)  # tariff lines with the largest delta


def finance_law_what_if(*, law: FinanceLaw, top: int = 10) -> WhatIfImpact:
    """The recalculation a draft (or published) law would cause, nothing written."""
    index = tariff_index_with_draft(law=law) if law.status == FinanceLaw.Status.DRAFT else get_tariff_index()
    impact = WhatIfImpact(law=law)
    ids = recalculation_candidates(law=law)
    by_line: dict[str, Decimal] = defaultdict(Decimal)
    for start in range(0, len(ids), BATCH_SIZE):
        with transaction.atomic():
            declarations = list(Declaration.objects.filter(id__in=ids[start:start + BATCH_SIZE]).order_by("id"))
            outcomes = reliquidate_declarations(declarations=declarations, reason="simulation", index=index)
            old = {}
            for o in outcomes:
                if o.current is None:
                    continue
                old[o.current.pk] = o
                impact.declarations += 1
                impact.articles += o.articles
                for key in impact.delta:
                    impact.delta[key] += o.delta[key]
                impact.rows.append({"declaration": o.declaration.reference, "registered_on": o.declaration.registered_on,
                                    "before": o.previous.total, "after": o.current.total, **{
                                        f"delta_{k.lower()}": v for k, v in o.delta.items()}})
            _line_deltas(outcomes, by_line)
            transaction.set_rollback(True)  # simulation: nothing is kept
    impact.top_lines = [{"tariff_code": code, "delta": delta} for code, delta in
                        sorted(by_line.items(), key=lambda kv: -abs(kv[1]))[:top]]
    return impact


def _line_deltas(outcomes, by_line: dict) -> None:
    from tariff.codes import format_tariff_code

    from .models import LiquidationLine

    changed = [o for o in outcomes if o.current is not None]
    if not changed:
        return
    for liq_ids, sign in (([o.current.pk for o in changed], 1), ([o.previous.pk for o in changed], -1)):
        for code, amount in LiquidationLine.objects.filter(liquidation_id__in=liq_ids).values_list(
                "article__tariff_line__code", "amount"):
            by_line[format_tariff_code(code)] += sign * amount


def what_if_csv(impact: WhatIfImpact) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["declaration", "registered_on", "before", "after", "delta_di", "delta_tic", "delta_tva",
                     "delta_total"])
    for row in impact.rows:
        writer.writerow([row["declaration"], row["registered_on"], row["before"], row["after"], row["delta_di"],
                         row["delta_tic"], row["delta_tva"], row["delta_total"]])
    return out.getvalue()
