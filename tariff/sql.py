"""Hand-written SQL of the tariff's hot paths (the generic helpers are ``tariff.kit.sql``).

- ``reference_version``: serves ``selectors.current_reference_version``, read on every quote and
  every liquidation to know whether the in-memory tariff index is still current; a raw one-row
  read, where the ORM's query building would cost more than the query.

``tariff/tests/test_sql.py`` compares it with the ORM's read.
"""
from __future__ import annotations

from django.db import connection

from .models import ReferenceDataVersion

_VERSION_SQL = f"SELECT version FROM {ReferenceDataVersion._meta.db_table} WHERE id = 1"


def reference_version() -> int:
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        row = cursor.fetchone()
    return row[0] if row else 0
