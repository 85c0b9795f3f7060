"""Keeps N what-if jobs running for a while (issue 19: the bank API while what-ifs run).

On the database of ``recalculation.py`` (its draft law and declarations), starts a Celery
worker with ``--concurrency`` processes and keeps ``--jobs`` what-if runs under way (a new one
as soon as one finishes) for ``--seconds``; meanwhile, run ``bank_api_load.py`` in another
terminal and compare its figures with a run without this script:

    DATABASE_URL=postgres://customs:customs@127.0.0.1:5432/customs_bench CELERY_BROKER_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python tests/benchmarks/what_if_background.py --seconds 45 &
    sleep 6; .venv/bin/python tests/benchmarks/bank_api_load.py --scenario mixed --rate 20 --duration 30
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=45)
    parser.add_argument("--jobs", type=int, default=3, help="what-if runs kept under way at once")
    parser.add_argument("--concurrency", type=int, default=3, help="worker processes")
    args = parser.parse_args()
    assert os.environ.get("DATABASE_URL") and os.environ.get("CELERY_BROKER_URL"), "DATABASE_URL and CELERY_BROKER_URL"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from declarations.models import RecalculationRun
    from declarations.tasks import recalculate_after_finance_law
    from tariff.models import FinanceLaw

    law = FinanceLaw.objects.filter(code__startswith="LF-B-").order_by("-id").first()
    assert law, "run tests/benchmarks/recalculation.py on this database first"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", f"--concurrency={args.concurrency}", "-l", "error",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"what-if-bg-{os.getpid()}@%h"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started, active, finished = time.monotonic(), [], []
    try:
        while time.monotonic() - started < args.seconds:
            still = []
            for pk in active:
                (finished if RecalculationRun.objects.get(pk=pk).status == "succeeded" else still).append(pk)
            active = still
            while len(active) < args.jobs:
                run = RecalculationRun.objects.create(law=law, kind=RecalculationRun.Kind.WHAT_IF)
                recalculate_after_finance_law.delay(run.pk)
                active.append(run.pk)
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    articles = sum(RecalculationRun.objects.filter(pk__in=finished).values_list("articles", flat=True))
    print(f"{len(finished)} what-if runs finished in {args.seconds:.0f} s ({articles:,} articles), "
          f"{args.jobs} kept under way on {args.concurrency} worker processes")


if __name__ == "__main__":
    main()
