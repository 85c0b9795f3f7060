"""Shared bootstrap for the benchmark scripts: a scratch database (a temporary SQLite
file unless DATABASE_URL is set), migrated, with the reference data loaded."""
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def bootstrap() -> dict:
    sys.path.insert(0, str(ROOT))
    if not os.environ.get("DATABASE_URL"):
        scratch = Path(tempfile.mkdtemp(prefix="customs-bench-")) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from tariff.services import reference_data_import

    started = time.perf_counter()
    reference_data_import()
    first = time.perf_counter() - started
    started = time.perf_counter()
    reference_data_import()
    again = time.perf_counter() - started
    return {"vendor": connection.vendor, "first_load_s": first, "reload_s": again}
