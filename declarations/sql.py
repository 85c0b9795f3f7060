"""Hand-written SQL of the declarations' hot paths: a finance-law recalculation writes millions
of liquidation lines (issue 4), where model instances and per-row SQL compilation would dominate.

- ``insert_liquidation_lines``: serves ``services.declaration_liquidate`` and the recalculation's
  re-liquidation (``recalculation._reliquidate``) — PostgreSQL ``COPY``, ``executemany`` elsewhere;
- ``check_deferred_constraints_now``: serves a recalculation batch (``recalculation``), before it
  locks the run's row for its counters.

``declarations/tests/test_liquidation_line_references.py`` checks that the rows written are the
rows the ORM reads back (foreign keys, decimals, detail).
"""
from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from .models import LiquidationLine

LINE_COLUMNS = ("liquidation_id", "article_id", "tax", "base", "base_unit", "rate", "rate_unit", "amount", "law_id",
                "detail")


def insert_liquidation_lines(rows: Sequence[tuple]) -> None:
    """Rows of ``LINE_COLUMNS`` values, written as they are (no ``save()``, no signal)."""
    if not rows:
        return
    table = LiquidationLine._meta.db_table
    columns = ", ".join(LINE_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # psycopg's own cursor: its errors are mapped to Django's (IntegrityError…) here.
            with connection.wrap_database_errors, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(LINE_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows)


def check_deferred_constraints_now() -> None:
    """PostgreSQL: run the deferred foreign-key checks of the transaction now (no-op elsewhere)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
