"""Backup and restore of the PostgreSQL database: pg_dump -Fc, pg_restore into a fresh
database, same liquidation totals and line count on both sides.

Skipped unless the tests run on PostgreSQL with pg_dump, pg_restore, createdb and dropdb on PATH.
"""
import datetime as dt
import os
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection

TOOLS = ("pg_dump", "pg_restore", "createdb", "dropdb")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql", reason="needs PostgreSQL"
    ),
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in TOOLS), reason="pg_dump/pg_restore/createdb/dropdb not on PATH"
    ),
]

TOTALS_SQL = (
    "SELECT COALESCE(SUM(total), 0), COUNT(*) FROM declarations_liquidation WHERE is_current",
    "SELECT COUNT(*) FROM declarations_liquidationline",
)


def _figures(cursor):
    cursor.execute(TOTALS_SQL[0])
    total, liquidations = cursor.fetchone()
    cursor.execute(TOTALS_SQL[1])
    (lines,) = cursor.fetchone()
    return Decimal(total), liquidations, lines


def _pg_args_and_env():
    s = connection.settings_dict
    args = ["-h", s["HOST"] or "127.0.0.1", "-p", str(s["PORT"] or 5432), "-U", s["USER"]]
    env = {**os.environ, "PGPASSWORD": s["PASSWORD"] or ""}
    return args, env


@pytest.fixture
def liquidated_declarations(transactional_db):
    """A few declarations, registered and liquidated (one reliquidated), committed to the test database."""
    if connection.vendor != "postgresql":
        pytest.skip("backup/restore needs PostgreSQL")
    from declarations.services import declaration_liquidate, declaration_register, declaration_reliquidate
    from declarations.tests.factories import article, make_declaration
    from tariff.kit.roles import sync_roles
    from tariff.services import reference_data_import

    reference_data_import()
    sync_roles()
    for value in ("1000", "25000", "480000"):
        declaration = make_declaration(articles=[article(value=value), article(code="8507.60.07.00", value="300")])
        declaration_register(declaration=declaration, on_date=dt.date(2024, 1, 5))
        declaration_liquidate(declaration=declaration)
    declaration_reliquidate(declaration=declaration, reason="Contrôle de sauvegarde", only_if_changed=False)


def test_pg_dump_and_restore_keep_the_liquidations(liquidated_declarations, tmp_path):
    with connection.cursor() as cursor:
        original = _figures(cursor)
    assert original[1] == 3 and original[2] > 0 and original[0] > 0

    args, env = _pg_args_and_env()
    source = connection.settings_dict["NAME"]
    target = f"customs_sec_restore_{os.getpid()}"
    dump = tmp_path / "customs.dump"
    run = dict(env=env, check=True, capture_output=True, text=True, timeout=300)

    subprocess.run(["pg_dump", *args, "-Fc", "-f", str(dump), source], **run)
    subprocess.run(["dropdb", *args, "--if-exists", target], **run)
    subprocess.run(["createdb", *args, target], **run)
    try:
        subprocess.run(["pg_restore", *args, "--no-owner", "--exit-on-error", "-d", target, str(dump)], **run)
        import psycopg

        s = connection.settings_dict
        with psycopg.connect(
            host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, user=s["USER"], password=s["PASSWORD"],
            dbname=target,
        ) as restored, restored.cursor() as cursor:
            assert _figures(cursor) == original
    finally:
        subprocess.run(["dropdb", *args, "--if-exists", target], **{**run, "check": False})
