"""Services for finance-law changes: which liquidated declarations a law touches,
the Celery-driven re-liquidation run, and the what-if simulation on a draft law."""
from __future__ import annotations

import datetime as dt
import gc
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from tariff.codes import format_tariff_code
from tariff.kit.errors import DomainError
from tariff.kit.spreadsheets import csv_text
from tariff.models import (
    BlanketDutyChange,
    DraftRateChange,
    DutyRate,
    ExciseRate,
    FinanceLaw,
    FranchiseRate,
    VatRate,
)
from tariff.selectors import blanket_change_lines, get_tariff_index, tariff_index_with_draft
from tariff.services import TAX_DI, TAX_TIC, TAX_VAT

from . import sql
from .models import Article, Declaration, LiquidationLine, RecalculationResult, RecalculationRun
from .services import reliquidate_declarations, reliquidation_plans

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
        # LF 2024 style "every X% line": articles currently liquidated at X% DI, on a line the change
        # can rewrite (the engine's own decision, tariff.rules.blanket_change_spares, as a filter).
        target = Q(liquidation_lines__tax=TAX_DI, liquidation_lines__rate=blanket.from_rate,
                   liquidation_lines__liquidation__is_current=True)
        target &= blanket_change_lines(blanket, path="tariff_line__")
        q |= _dated(target, blanket.valid_from, blanket.valid_to)
    return q


# A finance law re-liquidates liquidated declarations; paid and cleared ones it touches are
# listed too, to record that they were left alone (result "skipped").
CANDIDATE_STATUSES = (Declaration.Status.LIQUIDATED, Declaration.Status.PAID, Declaration.Status.CLEARED)


def recalculation_candidates(*, law: FinanceLaw) -> list[int]:
    """Declarations with an article the law touches, under a régime that liquidates duties
    (export and suspensive régimes owe none: a law never re-liquidates them)."""
    return list(
        Article.objects.filter(declaration__status__in=CANDIDATE_STATUSES,
                               declaration__procedure__liquidates_duties=True)
        .filter(law_articles_filter(law))
        .values_list("declaration_id", flat=True)
        .distinct()
        .order_by("declaration_id")
    )


# --- the run ----------------------------------------------------------------------------------

def recalculation_run_create(*, law: FinanceLaw, user=None) -> RecalculationRun:
    return RecalculationRun.objects.create(law=law, created_by=user)


def what_if_run_create(*, law: FinanceLaw, user=None) -> tuple[RecalculationRun, bool]:
    """A what-if simulation of ``law`` as a job (its Celery task is sent on commit by the
    caller's ``transaction.on_commit``). One at a time per law: while one is pending or
    running, it is returned instead of a second one (``created`` False)."""
    with transaction.atomic():
        FinanceLaw.objects.select_for_update().filter(pk=law.pk).first()  # one creation at a time per law
        active = RecalculationRun.objects.filter(
            law=law, kind=RecalculationRun.Kind.WHAT_IF,
            status__in=[RecalculationRun.Status.PENDING, RecalculationRun.Status.RUNNING]).first()
        if active:
            return active, False
        return RecalculationRun.objects.create(law=law, kind=RecalculationRun.Kind.WHAT_IF, created_by=user), True


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
    now = timezone.now()
    RecalculationRun.objects.filter(pk=run.pk).update(
        status=RecalculationRun.Status.RUNNING, candidates=len(done.union(ids)), processed=len(done),
        started_at=run.started_at or now, finished_at=None, last_progress_at=now)
    if not todo:
        _finish_if_done(run.pk)
    batch_size = batch_size or settings.RECALCULATION_BATCH_SIZE
    return [todo[start:start + batch_size] for start in range(0, len(todo), batch_size)]


def recalculation_run_process(*, run_id: int, batch_size: int | None = None) -> RecalculationRun:
    """The whole run in this process, batch after batch."""
    for ids in recalculation_run_start(run_id=run_id, batch_size=batch_size):
        recalculation_batch_process(run_id=run_id, declaration_ids=ids)
    return RecalculationRun.objects.get(pk=run_id)


def _finish_if_done(run_id: int) -> bool:
    """Close the run when every candidate has its result. The counters are taken again from the
    results themselves, so a batch sent twice (after a crash) can never leave them off."""
    if not RecalculationRun.objects.filter(pk=run_id, status=RecalculationRun.Status.RUNNING).exists():
        return False
    counts = dict(RecalculationResult.objects.filter(run_id=run_id).values_list("outcome").annotate(n=Count("id")))
    processed = sum(counts.values())
    return bool(RecalculationRun.objects.filter(
        pk=run_id, status=RecalculationRun.Status.RUNNING, candidates__lte=processed,
    ).update(status=RecalculationRun.Status.SUCCEEDED, finished_at=timezone.now(), processed=processed,
             changed=counts.get("changed", 0), unchanged=counts.get("unchanged", 0),
             failed=counts.get("failed", 0)))


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


def _skipped(run, declarations) -> list[RecalculationResult]:
    # Paid or cleared (before or since the candidates were listed): recorded, not re-liquidated.
    return [RecalculationResult(run=run, declaration=d, outcome=RecalculationResult.Outcome.SKIPPED,
                                message=f"Statut « {d.get_status_display()} » : la liquidation payée n'est pas "
                                        "recalculée." if d.status in (Declaration.Status.PAID, Declaration.Status.CLEARED)
                                else f"Statut « {d.get_status_display()} » : plus à recalculer.")
            for d in declarations if d.status != Declaration.Status.LIQUIDATED]


@transaction.atomic
def _batch_process(*, run_id: int, declaration_ids: list[int]) -> None:
    """Re-liquidate (or simulate) one batch: every declaration in it is either fully processed
    with its result recorded, or untouched. The declarations are locked, so a batch sent twice
    (crash recovery) waits for the first and then finds their results recorded. The run's
    counters are updated in the same transaction (row lock on the run: concurrent batches add
    up exactly), and the batch that brings ``processed`` to ``candidates`` closes the run."""
    run = RecalculationRun.objects.select_related("law", "created_by").get(pk=run_id)
    locked = list(Declaration.objects.select_for_update().filter(id__in=declaration_ids).order_by("id"))
    already = set(RecalculationResult.objects.filter(run=run, declaration_id__in=declaration_ids)
                  .values_list("declaration_id", flat=True))
    locked = [d for d in locked if d.id not in already]
    declarations = [d for d in locked if d.status == Declaration.Status.LIQUIDATED]
    if run.kind == RecalculationRun.Kind.WHAT_IF:
        rows, counts, errors, articles, line_deltas = _simulate(run, declarations)
    else:
        rows, counts, errors, articles = _reliquidate(run, declarations)
        line_deltas = {}
    skipped = _skipped(run, locked)
    RecalculationResult.objects.bulk_create(rows + skipped)
    # Deferred foreign-key checks (liquidations, results, history rows) run here, before the
    # run's row is locked for the counters: at commit they would keep that lock, and the
    # batches of the other workers would wait for each other's checks.
    sql.check_deferred_constraints_now()
    RecalculationRun.objects.filter(pk=run.pk).update(
        processed=F("processed") + len(rows) + len(skipped), changed=F("changed") + counts["changed"],
        unchanged=F("unchanged") + counts["unchanged"], failed=F("failed") + counts["failed"],
        articles=F("articles") + articles, last_progress_at=timezone.now(),
    )
    if errors or line_deltas:  # read after the update above: the run's row is locked, nothing is lost
        run.refresh_from_db(fields=["errors", "line_deltas"])
        merged = dict(run.line_deltas)
        for code, delta in line_deltas.items():
            merged[code] = str(Decimal(merged.get(code, "0")) + delta)
        RecalculationRun.objects.filter(pk=run.pk).update(errors=run.errors + errors, line_deltas=merged)
    _finish_if_done(run.pk)


def _reliquidate(run, declarations):
    reason = f"Recalcul après publication de {run.law}"
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
    return rows, counts, errors, sum(o.articles for o in outcomes)


# --- what-if ----------------------------------------------------------------------------------

@lru_cache(maxsize=2)
def _simulation_index(run_id: int, law_id: int, base_version):
    """The index as if the run's draft law were published, built once per run and process
    (each batch of a run reads the same draft)."""
    law = FinanceLaw.objects.get(pk=law_id)
    return tariff_index_with_draft(law=law) if law.status == FinanceLaw.Status.DRAFT else get_tariff_index()


def _simulate(run, declarations):
    """What re-liquidating the batch under the run's law would give, nothing re-liquidated: the
    plans of ``reliquidation_plans`` compared with the current liquidations, and the difference
    by tariff line (new lines minus current lines of the declarations that change)."""
    base = get_tariff_index()
    plans = reliquidation_plans(declarations=declarations, index=_simulation_index(run.pk, run.law_id, base.version))
    rows, errors = [], []
    counts = {"changed": 0, "unchanged": 0, "failed": 0}
    line_deltas: dict[str, Decimal] = defaultdict(Decimal)
    changed = []
    for plan in plans:
        prev = plan.previous
        if plan.error:
            counts["failed"] += 1
            errors.append({"declaration": plan.declaration.reference, "message": plan.error.message})
            rows.append(RecalculationResult(run=run, declaration=plan.declaration, outcome="failed",
                                            before_total=prev.total, after_total=prev.total,
                                            message=plan.error.message[:500]))
            continue
        delta = plan.delta
        counts["changed" if plan.changed else "unchanged"] += 1
        rows.append(RecalculationResult(
            run=run, declaration=plan.declaration, outcome="changed" if plan.changed else "unchanged",
            before_total=prev.total, after_total=prev.total + delta["total"], delta_di=delta[TAX_DI],
            delta_tic=delta[TAX_TIC], delta_vat=delta[TAX_VAT], delta_total=delta["total"]))
        if plan.changed:
            changed.append(plan)
            for item in plan.computed:
                code = format_tariff_code(item.article.tariff_code)
                for line in item.lines:
                    line_deltas[code] += line.amount
    if changed:
        for code, amount in LiquidationLine.objects.filter(
                liquidation_id__in=[p.previous.pk for p in changed]).values_list("article__tariff_line__code", "amount"):
            line_deltas[format_tariff_code(code)] -= amount
    return rows, counts, errors, sum(p.articles for p in plans), {k: v for k, v in line_deltas.items() if v}


@dataclass
class WhatIfImpact:
    """The summary of a what-if run: declarations that would change, the difference by tax,
    the tariff lines with the largest difference."""
    run: RecalculationRun
    declarations: int = 0
    articles: int = 0
    delta: dict[str, Decimal] = field(default_factory=dict)
    top_lines: list[dict] = field(default_factory=list)


def what_if_impact(*, run: RecalculationRun, top: int = 10) -> WhatIfImpact:
    totals = RecalculationResult.objects.filter(run=run, outcome=RecalculationResult.Outcome.CHANGED).aggregate(
        n=Count("id"), di=Sum("delta_di"), tic=Sum("delta_tic"), vat=Sum("delta_vat"), total=Sum("delta_total"))
    zero = Decimal("0.00")
    lines = sorted(((code, Decimal(delta)) for code, delta in run.line_deltas.items()), key=lambda kv: -abs(kv[1]))
    return WhatIfImpact(
        run=run, declarations=totals["n"], articles=run.articles,
        delta={TAX_DI: totals["di"] or zero, TAX_TIC: totals["tic"] or zero, TAX_VAT: totals["vat"] or zero,
               "total": totals["total"] or zero},
        top_lines=[{"tariff_code": code, "delta": delta} for code, delta in lines[:top]])


def finance_law_what_if(*, law: FinanceLaw, user=None, top: int = 10) -> WhatIfImpact:
    """A what-if run of ``law`` in this process, batch after batch (shell, tests, benchmarks);
    the pages and the API start it as a job (``tasks.what_if_enqueue``)."""
    run = RecalculationRun.objects.create(law=law, kind=RecalculationRun.Kind.WHAT_IF, created_by=user)
    return what_if_impact(run=recalculation_run_process(run_id=run.pk), top=top)


def what_if_csv(run: RecalculationRun) -> str:
    """The per-declaration differences of a finished what-if run (cells neutralised)."""
    rows = (RecalculationResult.objects.filter(run=run, outcome=RecalculationResult.Outcome.CHANGED)
            .order_by("declaration_id").values_list("declaration__reference", "declaration__registered_on",
                                                    "before_total", "after_total", "delta_di", "delta_tic",
                                                    "delta_vat", "delta_total"))
    return csv_text(["declaration", "registered_on", "before", "after", "delta_di", "delta_tic", "delta_tva",
                     "delta_total"], rows)


# --- crashed workers ----------------------------------------------------------------------------

def stalled_runs(*, older_than_seconds: int | None = None) -> list[RecalculationRun]:
    """Runs pending or running with no progress for ``older_than_seconds`` (default
    ``settings.RECALCULATION_STALLED_SECONDS``): their worker died with batches unacknowledged."""
    limit = timezone.now() - dt.timedelta(seconds=older_than_seconds or settings.RECALCULATION_STALLED_SECONDS)
    active = [RecalculationRun.Status.PENDING, RecalculationRun.Status.RUNNING]
    return list(RecalculationRun.objects.filter(status__in=active).filter(
        Q(last_progress_at__lt=limit) | Q(last_progress_at__isnull=True, created_at__lt=limit)))


def recalculation_run_resume(*, run: RecalculationRun) -> RecalculationRun:
    """Mark a run to be taken up again (after a crash, or an editor's "reprendre"); the caller
    sends its start task (``tasks.run_resume``), which lists what has no result yet. Batches
    still queued from before are harmless: each declaration is done once (row locks and the
    recorded results)."""
    if run.status == RecalculationRun.Status.SUCCEEDED:
        raise DomainError("Ce recalcul est terminé : rien à reprendre.", field="status", code="run_finished")
    RecalculationRun.objects.filter(pk=run.pk).update(
        resumed=F("resumed") + 1, last_progress_at=timezone.now(),
        status=RecalculationRun.Status.RUNNING if run.status == RecalculationRun.Status.FAILED else run.status)
    run.refresh_from_db()
    return run
