"""Benchmark: recalculation after a finance law (issue 6).

Generates N liquidated declarations of M articles on the configured database (half
of them on a line the law changes), publishes a law changing that line's DI rate,
and times: the recalculation run end to end (candidates query + batched
re-liquidation with new liquidations kept beside the old ones), (a) a naive loop
re-computing each affected article and saving its lines one by one, and (b) one raw
SQL UPDATE of the same amounts in place (the physical limit; no history kept).

    DATABASE_URL=postgres://customs:customs@127.0.0.1:5432/customs_bench \
        .venv/bin/python tests/benchmarks/recalculation.py --declarations 20000 --articles 50   # 1,000,000 articles
"""
import argparse
import datetime as dt
import time
from decimal import Decimal
from pathlib import Path

from _setup import bootstrap

CHANGED, STABLE = "2309100000", "0902200090"  # pet food (changed by the test law), green tea ≥ 20 kg
ON = dt.date(2025, 3, 1)


def generate(n_decl: int, n_art: int, stamp: str):
    from django.db import transaction

    from declarations.models import Article, Declaration, Liquidation, LiquidationLine, Party, ProcedureCode
    from tariff.models import TariffLine
    from tariff.services import quote_duties

    party, _ = Party.objects.get_or_create(name="Bench SARL")
    procedure = ProcedureCode.objects.get(code="010")
    lines = {code: TariffLine.objects.get(code=code) for code in (CHANGED, STABLE)}
    value = Decimal("1080.00")
    quotes = {code: quote_duties(tariff_code=code, on_date=ON, customs_value=value, quantity=Decimal("10"),
                                 attributes={"net_mass_kg": "10"}) for code in lines}
    for start in range(0, n_decl, 1000):
        with transaction.atomic():
            chunk = range(start, min(n_decl, start + 1000))
            decls = Declaration.objects.bulk_create([
                Declaration(reference=f"RB-{stamp}-{i}", customs_office="309", procedure=procedure, party=party,
                            invoice_currency="EUR", invoice_total=Decimal("100") * n_art, freight_amount=0,
                            insurance_amount=0, registered_on=ON, status=Declaration.Status.LIQUIDATED)
                for i in chunk])
            arts = Article.objects.bulk_create([
                Article(declaration=d, number=k + 1, tariff_line=lines[CHANGED if d.reference.endswith(("0", "2", "4", "6", "8")) else STABLE],
                        origin_country="FR", description="x", invoiced_value=Decimal("100"), quantity=Decimal("10"),
                        net_mass_kg=Decimal("10"), customs_value=value)
                for d in decls for k in range(n_art)], batch_size=5000)
            liqs = Liquidation.objects.bulk_create([
                Liquidation(declaration=d, sequence=1, on_date=ON, total_di=sum(quotes[CHANGED if d.reference.endswith(("0", "2", "4", "6", "8")) else STABLE].amount_of(t) for t in ("DI",)) * n_art)
                for d in decls])
            by_decl = {liq.declaration_id: liq for liq in liqs}
            LiquidationLine.objects.bulk_create([
                LiquidationLine(liquidation=by_decl[a.declaration_id], article=a, tax=line.tax, base=line.base,
                                base_unit=line.base_unit, rate=line.rate, rate_unit=line.rate_unit, amount=line.amount,
                                law_id=line.law_id)
                for a in arts for line in quotes[a.tariff_line.code].lines], batch_size=5000)


def run_with_workers(run, workers: int) -> float:
    """Production mode: a Celery worker with ``workers`` processes takes the run's batches;
    timed from the enqueue of the run task to the run's ``succeeded``."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    from config.celery_app import app
    from declarations.models import RecalculationRun
    from declarations.tasks import recalculate_after_finance_law

    assert settings.CELERY_BROKER_URL, "--workers needs CELERY_BROKER_URL (Redis)"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", f"--concurrency={workers}", "-l", "warning",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"bench-{os.getpid()}@%h"],
        cwd=Path(__file__).resolve().parents[2], env=os.environ.copy())
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            assert worker.poll() is None and time.monotonic() < deadline, "the Celery worker did not start"
        started = time.perf_counter()
        recalculate_after_finance_law.delay(run.pk)
        while True:
            run.refresh_from_db(fields=["status"])
            if run.status in (RecalculationRun.Status.SUCCEEDED, RecalculationRun.Status.FAILED):
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        assert run.status == RecalculationRun.Status.SUCCEEDED, run.errors
        return elapsed
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def timed_run(run, workers: int):
    """The run through a Celery worker with ``workers`` processes, or in this process; (run, seconds)."""
    from declarations.recalculation import recalculation_run_process

    started = time.perf_counter()
    if workers:
        seconds = run_with_workers(run, workers)
        run.refresh_from_db()
        return run, seconds
    run = recalculation_run_process(run_id=run.pk)
    return run, time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--declarations", type=int, default=2000)
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--generate-only", action="store_true",
                        help="stop after generating (e.g. to keep the database as a template for repeated runs)")
    parser.add_argument("--reuse", action="store_true", help="time on the declarations already in the database")
    parser.add_argument("--workers", type=int, default=0,
                        help="run through Celery: start a worker with this many processes (needs CELERY_BROKER_URL)")
    parser.add_argument("--profile", action="store_true", help="print the run's cProfile top functions")
    parser.add_argument("--what-if", action="store_true",
                        help="first time the what-if job of the draft law on the same data (issue 19)")
    args = parser.parse_args()
    info = bootstrap()
    from django.db import connection, transaction

    from declarations.models import LiquidationLine
    from declarations.recalculation import recalculation_candidates, recalculation_run_create
    from tariff.models import DraftRateChange, FinanceLaw, TariffLine
    from tariff.selectors import get_tariff_index
    from tariff.services import finance_law_publish, quote_duties

    stamp = str(int(time.time()))
    started = time.perf_counter()
    if not args.reuse:
        generate(args.declarations, args.articles, stamp)
    if args.generate_only:
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # planner statistics, as autovacuum would gather them
            cursor.execute("ANALYZE")
    total_articles = args.declarations * args.articles
    print(f"database: {info['vendor']}; generated {args.declarations:,} declarations × {args.articles} articles = "
          f"{total_articles:,} articles in {time.perf_counter() - started:.0f} s")

    law = FinanceLaw.objects.create(code=f"LF-B-{stamp}", number=f"B-{stamp}", title="Loi de test (benchmark)",
                                    effective_date=dt.date(2025, 1, 1), status=FinanceLaw.Status.DRAFT)
    DraftRateChange.objects.create(law=law, kind="DI", tariff_line=TariffLine.objects.get(code=CHANGED),
                                   rate=Decimal("10"), valid_from=dt.date(2025, 1, 1))
    what_if_s = None
    if args.what_if:
        # Issue 19: the what-if of the draft law, as a job over the same batches (nothing re-liquidated).
        from declarations.models import RecalculationRun

        what_if, what_if_s = timed_run(RecalculationRun.objects.create(law=law, kind=RecalculationRun.Kind.WHAT_IF),
                                       args.workers)
        print(f"what-if (draft law, job): {what_if.candidates:,} declarations, {what_if.articles:,} articles in "
              f"{what_if_s:.1f} s → {what_if.articles / what_if_s:,.0f} articles/s ({what_if.changed:,} would change)")
    from tariff.signals_domain import finance_law_published

    # Detach the on-publish enqueue so the run below is the one timed.
    finance_law_published.disconnect(dispatch_uid="declarations.enqueue_recalculation")
    finance_law_publish(law=law)
    get_tariff_index()
    candidates = recalculation_candidates(law=law)

    # (b) physical limit: one UPDATE of the DI amounts (and the VAT that follows) in place.
    with transaction.atomic():
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE declarations_liquidationline SET amount = ROUND(base * 10 / 100, 2), rate = 10 "
                "WHERE tax = 'DI' AND article_id IN (SELECT id FROM declarations_article WHERE tariff_line_id = %s)",
                [TariffLine.objects.get(code=CHANGED).id])
            updated = cursor.rowcount
        raw_s = time.perf_counter() - started
        transaction.set_rollback(True)

    # The real run (what the Celery task does).
    run = recalculation_run_create(law=law)
    if args.profile:
        import cProfile
        import pstats

        query_times: dict[str, list] = {}

        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                entry = query_times.setdefault(sql[:300], [0, 0.0])
                entry[0] += 1
                entry[1] += time.perf_counter() - started

        connection.execute_wrappers.append(timed)
        profiler = cProfile.Profile()
        profiler.enable()
    run, run_s = timed_run(run, args.workers)
    if args.profile:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(35)
        for sql, (count, seconds) in sorted(query_times.items(), key=lambda kv: -kv[1][1])[:15]:
            print(f"{seconds:8.2f} s {count:6d}× {sql[:160]}")
    assert run.changed == len(candidates), (run.changed, len(candidates))

    # (a) naive per-object loop on a sample (same computation, one save per line), extrapolated.
    sample = list(LiquidationLine.objects.filter(liquidation__is_current=False, liquidation__declaration_id__in=candidates[:20])
                  .select_related("article__tariff_line"))
    with transaction.atomic():
        started = time.perf_counter()
        for line in sample:
            quote = quote_duties(tariff_code=line.article.tariff_line.code, on_date=ON, customs_value=line.article.customs_value,
                                 quantity=line.article.quantity, attributes={"net_mass_kg": str(line.article.net_mass_kg)})
            line.amount = quote.amount_of(line.tax)
            line.save()
        naive_s = time.perf_counter() - started
        transaction.set_rollback(True)
    articles_sample = len({line.article_id for line in sample})

    print(f"candidates: {len(candidates):,} declarations, {run.articles:,} articles re-liquidated")
    print(f"recalculation run (end to end): {run_s:.1f} s → {run.articles / run_s:,.0f} articles/s")
    print(f"(a) naive per-object save loop: {articles_sample / naive_s:,.0f} articles/s (sample of {articles_sample} articles)")
    print(f"(b) single raw SQL UPDATE: {updated:,} lines in {raw_s:.2f} s → {updated / raw_s:,.0f} articles/s")
    print(f"run vs (b): {run_s / raw_s:.1f}× slower")


if __name__ == "__main__":
    main()
