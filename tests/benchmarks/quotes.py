"""Benchmark: duty quotes per second through the service and through the API, and
the reference-data load time (issue 2; targets ≥ 2,000 service quotes/s, full
reload < 20 s).

    .venv/bin/python tests/benchmarks/quotes.py                       # scratch SQLite
    DATABASE_URL=postgres://customs:customs@127.0.0.1:5432/customs_bench \
        .venv/bin/python tests/benchmarks/quotes.py                   # PostgreSQL
"""
import datetime as dt
import itertools
import time
from decimal import Decimal

from _setup import bootstrap

SERVICE_QUOTES = 20_000
API_QUOTES = 2_000


def main():
    info = bootstrap()
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    from tariff.models import TariffLine
    from tariff.services import quote_duties

    codes = list(TariffLine.objects.filter(duty_rates__isnull=False).values_list("code", flat=True).distinct())
    codes = [c for c in codes if not c.startswith(("8517", "8539", "2404", "8507601"))]  # no TIC inputs needed
    dates = [dt.date(2022, 6, 1), dt.date(2024, 3, 1), dt.date(2025, 9, 15)]
    cases = list(itertools.product(codes, dates))
    valid = []
    for code, on in cases:
        try:
            quote_duties(tariff_code=code, on_date=on, customs_value=Decimal("12345.67"))
            valid.append((code, on))
        except Exception:
            pass
    stream = itertools.cycle(valid)

    started = time.perf_counter()
    for _ in range(SERVICE_QUOTES):
        code, on = next(stream)
        quote_duties(tariff_code=code, on_date=on, customs_value=Decimal("12345.67"))
    service_rate = SERVICE_QUOTES / (time.perf_counter() - started)

    user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_superuser": True})
    client = APIClient()
    client.force_authenticate(user)
    started = time.perf_counter()
    for _ in range(API_QUOTES):
        code, on = next(stream)
        response = client.post("/api/v1/tariff/quote/", {"tariff_code": code, "date": on.isoformat(),
                                                         "customs_value": "12345.67"}, format="json")
        assert response.status_code == 200, response.content
    api_rate = API_QUOTES / (time.perf_counter() - started)

    print(f"database: {info['vendor']}")
    print(f"reference data: first load {info['first_load_s']:.2f} s, idempotent reload {info['reload_s']:.2f} s")
    print(f"service quotes: {service_rate:,.0f}/s over {SERVICE_QUOTES:,} quotes ({len(valid)} line×date cases)")
    print(f"API quotes (in-process DRF client, full Django stack): {api_rate:,.0f}/s over {API_QUOTES:,}")


if __name__ == "__main__":
    main()
