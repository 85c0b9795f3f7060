"""Benchmark: liquidating a 500-article declaration (issue 3; target < 300 ms on
PostgreSQL with a bounded number of queries — the bound itself is asserted in
declarations/tests/test_liquidation.py).

    DATABASE_URL=postgres://customs:customs@127.0.0.1:5432/customs_bench \
        .venv/bin/python tests/benchmarks/liquidation.py
"""
import datetime as dt
import statistics
import time
from decimal import Decimal

from _setup import bootstrap

ARTICLES = 500
RUNS = 5


def main():
    info = bootstrap()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from declarations.models import Party, ProcedureCode
    from declarations.services import declaration_create, declaration_liquidate, declaration_register
    from tariff.selectors import get_tariff_index

    party, _ = Party.objects.get_or_create(name="Bench SARL")
    codes = ["2309.10.00.00", "8507.60.07.00", "0902.20.00.10", "1602.32.10.00", "7208.10.10.00"]
    timings, queries = [], []
    stamp = int(time.time())
    for run in range(RUNS):
        articles = [
            {"tariff_code": codes[i % len(codes)], "origin_country": "FR", "description": f"Article {i}",
             "invoiced_value": Decimal("100.00") + i, "quantity": Decimal("10"), "net_mass_kg": Decimal("10")}
            for i in range(ARTICLES)
        ]
        declaration = declaration_create(
            reference=f"BENCH-{stamp}-{run}", customs_office="309", procedure=ProcedureCode.objects.get(code="010"),
            party=party, invoice_currency="EUR", invoice_total=sum(a["invoiced_value"] for a in articles),
            articles=articles, freight_amount=Decimal("1000"), insurance_amount=Decimal("200"),
        )
        declaration_register(declaration=declaration, on_date=dt.date(2024, 3, 1))
        get_tariff_index()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            liquidation = declaration_liquidate(declaration=declaration)
            timings.append((time.perf_counter() - started) * 1000)
        queries.append(len(ctx.captured_queries))
        assert liquidation.lines.count() == ARTICLES * 2
    print(f"database: {info['vendor']}")
    print(f"liquidation of {ARTICLES} articles: median {statistics.median(timings):.0f} ms, "
          f"min {min(timings):.0f} ms, max {max(timings):.0f} ms over {RUNS} runs; {max(queries)} queries")


if __name__ == "__main__":
    main()
