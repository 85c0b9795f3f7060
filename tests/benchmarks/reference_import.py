"""Benchmark (issue 18): a generated national tariff — 17,000 lines and their DI rates, two
French-Excel CSV files (``;``, BOM, ``17,5``) — imported end to end as a job (preview, then
confirm), then the same files again (nothing changes). Targets on the 2-core machine and
PostgreSQL: first import < 15 s, re-import < 10 s.

    DATABASE_URL=postgres://customs:customs@127.0.0.1:5432/customs_bench \\
        .venv/bin/python tests/benchmarks/reference_import.py [--lines 17000]
"""
import argparse
import random
import sys
import time

from _setup import bootstrap

RATES = ("2,5", "10", "17,5", "25", "30", "40")


def generate(lines: int, taken: set[str]) -> tuple[bytes, bytes]:
    rng = random.Random(18)
    codes = []
    chapter, serial = 1, 0
    while len(codes) < lines:
        serial += 1
        code = f"{chapter:02d}{serial:08d}"
        if serial >= 99_999_999 // 200:
            chapter, serial = chapter + 1, 0
        if code not in taken:
            codes.append(code)
        if len(codes) % 200 == 0:
            chapter, serial = chapter % 97 + 1, serial
    codes = sorted(set(codes))[:lines]
    dotted = [f"{c[:4]}.{c[4:6]}.{c[6:8]}.{c[8:]}" for c in codes]
    tariff = ["code;description;unit;di_40_before_lfr_2020"] + [
        f"{d};Marchandise générée n° {i} — téléphones, pièces et accessoires;{'u' if i % 3 else 'kg'};"
        f"{'oui' if i % 50 == 0 else 'non'}" for i, d in enumerate(dotted)]
    rates = ["tariff_code;rate;law;valid_from;valid_to;note"] + [
        f"{d};{rng.choice(RATES)};BASE;01/01/2024;;" for d in dotted]
    bom = "\ufeff"
    return (bom + "\r\n".join(tariff) + "\r\n").encode("utf-8"), (bom + "\r\n".join(rates) + "\r\n").encode("utf-8")


def run(files) -> tuple[float, float, dict]:
    from tariff.imports import (
        reference_import_confirm,
        reference_import_create,
        reference_import_preview,
        reference_import_request_confirm,
    )

    started = time.perf_counter()
    job = reference_import_create(files=files)
    job = reference_import_preview(job_id=job.pk)
    preview = time.perf_counter() - started
    errors = [e for f in job.result["files"] for e in f["errors"]]
    if errors:
        sys.exit(f"preview errors: {errors[:3]}")
    reference_import_request_confirm(job=job)
    job = reference_import_confirm(job_id=job.pk)
    total = time.perf_counter() - started
    if job.status != "done":
        sys.exit(f"confirm failed: {job.error}")
    return preview, total, {r["table"]: (r["new"], r["update"], r["skip"]) for r in job.result["applied"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=17_000)
    args = parser.parse_args()
    info = bootstrap()
    from tariff.models import DutyRate, TariffLine

    lines_csv, rates_csv = generate(args.lines, set(TariffLine.objects.values_list("code", flat=True)))
    files = [("tariff_lines.csv", lines_csv), ("duty_rates.csv", rates_csv)]
    history = TariffLine.history.count() + DutyRate.history.count()
    preview, total, counts = run(files)
    print(f"{info['vendor']}: first import of {args.lines} lines + {args.lines} DI rates: preview {preview:.1f} s, "
          f"preview + confirm {total:.1f} s (target < 15 s) — {counts}")
    after_first = TariffLine.history.count() + DutyRate.history.count()
    preview, total, counts = run(files)
    after_second = TariffLine.history.count() + DutyRate.history.count()
    print(f"{info['vendor']}: re-import of the same files: preview {preview:.1f} s, preview + confirm {total:.1f} s "
          f"(target < 10 s) — {counts}; history rows written: first {after_first - history}, "
          f"again {after_second - after_first}")


if __name__ == "__main__":
    main()
