"""Hand-written SQL for the few hot paths whose ORM compilation costs more than the query
itself (the partner-bank payment, issue 4: p95 < 50 ms at 200 req/s on two cores, where
compiling and running the ORM's statements took two thirds of a payment's CPU).

Five helpers, nothing more:

- ``RowReader``: model instances from the columns of a hand-written ``SELECT``;
- ``insert``: the ``INSERT`` of a new instance, as ``save()`` writes it (no signal);
- ``insert_with_history``: the ``INSERT`` of a new instance and of the django-simple-history
  row of its creation, as ``save()`` and simple-history would write them;
- ``run_together``: several statements in one round trip to PostgreSQL;
- ``history_copy_sql`` / ``copy_history``: the history rows of a batch just written in bulk,
  copied by one ``INSERT … SELECT`` (reference-data imports, issue 18).

And one connection setting, for every read: ``load_timestamps_in_c``.

The SQL text is built once per model and database vendor from ``_meta`` (a renamed column or
a new field follows the model), and values cross the boundary through the backend's own
conversions, exactly as the ORM does: ``pre_save`` + ``get_db_prep_save`` on the way in, the
backend's and the field's converters on the way out (SQLite hands back decimals as floats
and dates as text). What these helpers do *not* do is what the caller must: validate
(``full_clean``) and know that no ``pre_save``/``post_save`` receiver is skipped — the
tests in ``tariff/tests/test_sql.py`` compare their rows with the ORM's.
"""
from __future__ import annotations

import datetime
import time
from collections.abc import Sequence
from functools import lru_cache

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone


class RowReader:
    """Reads instances of ``model`` (its concrete fields, or the named ones) from a row slice.

    ``columns(alias)`` is the select list to paste into the SQL; ``load(values)`` converts the
    values as the ORM would and builds the instance with ``Model.from_db`` (deferred loading,
    ``refresh_from_db`` and saving with ``update_fields`` work as usual).
    """

    def __init__(self, model: type[models.Model], fields: Sequence[str] | None = None):
        self.model = model
        meta = model._meta
        self.fields = [meta.get_field(name) for name in fields] if fields else list(meta.concrete_fields)
        self.attnames = [field.attname for field in self.fields]

    def __len__(self) -> int:
        return len(self.fields)

    def columns(self, table_alias: str, using: str = DEFAULT_DB_ALIAS) -> str:
        quote = connections[using].ops.quote_name
        return ", ".join(f"{table_alias}.{quote(field.column)}" for field in self.fields)

    def convert(self, values: Sequence, using: str = DEFAULT_DB_ALIAS) -> list:
        """The row's values as the ORM would return them (``values()``)."""
        connection = connections[using]
        values = list(values)
        for index, expression, converters in _converters(self.model, tuple(self.attnames), using):
            value = values[index]
            for convert in converters:
                value = convert(value, expression, connection)
            values[index] = value
        return values

    def load(self, values: Sequence, using: str = DEFAULT_DB_ALIAS) -> models.Model:
        return self.model.from_db(using, self.attnames, self.convert(values, using))


@lru_cache(maxsize=None)
def _converters(model, attnames: tuple[str, ...], using: str) -> tuple:
    """(index, column expression, converters) of the fields that have converters on this backend
    — what ``SQLCompiler.get_converters`` computes for every ORM query."""
    connection = connections[using]
    fields = {field.attname: field for field in model._meta.concrete_fields}
    found = []
    for index, attname in enumerate(attnames):
        expression = fields[attname].get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        if converters:
            found.append((index, expression, tuple(converters)))
    return tuple(found)


@lru_cache(maxsize=None)
def _insert_fields(model) -> tuple[models.Field, ...]:
    meta = model._meta
    return tuple(field for field in meta.concrete_fields if field is not meta.auto_field and not field.generated)


def _insert_statement(model, fields: tuple[models.Field, ...], using: str) -> tuple[str, bool]:
    """``INSERT INTO <table> (<fields>) VALUES (%s, …)`` [``RETURNING <auto pk>``]."""
    connection = connections[using]
    quote = connection.ops.quote_name
    meta = model._meta
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    returning = meta.auto_field is not None and connection.features.can_return_columns_from_insert
    if returning:
        sql += f" RETURNING {quote(meta.auto_field.column)}"
    return sql, returning


@lru_cache(maxsize=None)
def _insert_sql(model, using: str) -> tuple[str, bool]:
    return _insert_statement(model, _insert_fields(model), using)


def _execute_insert(sql: str, returning: bool, values: list, connection):
    """Run the INSERT; the new automatic primary key (None for a model without one)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if returning:
            return cursor.fetchone()[0]
        return cursor.lastrowid


@lru_cache(maxsize=None)
def _plain_insert_sql(model, using: str) -> tuple[str, tuple[models.Field, ...], bool]:
    """``_insert_sql`` without the fields the database fills itself (``db_default``)."""
    fields = tuple(field for field in _insert_fields(model) if not field.has_db_default())
    sql, returning = _insert_statement(model, fields, using)
    return sql, fields, returning


def insert(instance: models.Model, *, using: str = DEFAULT_DB_ALIAS) -> models.Model:
    """INSERT a new ``instance`` (primary key not set yet) as ``save()`` would, without compiling
    the ORM's statement; a field with a database default (``db_default``) is left to the database
    (not read back). No signal is sent: for models without receivers (the change feed's rows)."""
    connection = connections[using]
    sql, fields, returning = _plain_insert_sql(type(instance), using)
    values = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    pk = _execute_insert(sql, returning, values, connection)
    setattr(instance, type(instance)._meta.pk.attname, pk)
    instance._state.adding = False
    instance._state.db = using
    return instance


@lru_cache(maxsize=None)
def history_model(model: type[models.Model]) -> type[models.Model]:
    """The django-simple-history model of ``model`` (resolved once: its manager descriptor
    builds a new manager class on every access)."""
    return model.history.model


def insert_with_history(instance: models.Model, *, user, using: str = DEFAULT_DB_ALIAS) -> models.Model:
    """INSERT a new ``instance`` (primary key not set yet) and its django-simple-history
    creation record, the row ``save()`` would have added through simple-history's ``post_save``
    receiver: every field of the object (the values just written), ``history_type`` "+",
    ``user`` as its author, the current time, no change reason. On PostgreSQL both rows are
    written by one statement (the record's insert reads the new id from a data-modifying
    ``WITH``); elsewhere by two."""
    model, connection = type(instance), connections[using]
    record_model = history_model(model)
    fields = _insert_fields(model)
    values = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    record = dict(zip((field.attname for field in fields), values))
    record.update(
        history_date=record_model._meta.get_field("history_date").get_db_prep_save(timezone.now(), connection),
        history_type="+",
        history_user_id=getattr(user, "pk", None),
        history_change_reason=None,
    )
    pk_name = model._meta.pk.attname
    record_fields = [field.attname for field in _insert_fields(record_model)]
    if connection.vendor == "postgresql":  # the record's copy of the new id comes from the WITH
        record_values = [record[name] for name in record_fields if name != pk_name]
        pk = _execute_insert(_insert_with_history_sql(model, using), True, values + record_values, connection)
    else:
        pk = record[pk_name] = _execute_insert(*_insert_sql(model, using), values, connection)
        record_sql, record_returning = _insert_sql(record_model, using)
        _execute_insert(record_sql, record_returning, [record[name] for name in record_fields], connection)
    setattr(instance, pk_name, pk)
    instance._state.adding = False
    instance._state.db = using
    return instance


@lru_cache(maxsize=None)
def _insert_with_history_sql(model, using: str) -> str:
    """PostgreSQL: ``WITH created AS (INSERT … RETURNING pk) INSERT INTO <history> VALUES
    ((SELECT pk FROM created), …) RETURNING <the object's pk>``."""
    connection = connections[using]
    quote = connection.ops.quote_name
    record_model = history_model(model)
    pk = model._meta.pk
    row_sql, returning = _insert_sql(model, using)
    assert returning, "PostgreSQL returns the new primary key"
    record_fields = _insert_fields(record_model)
    placeholders = [f"(SELECT {quote(pk.column)} FROM created)" if f.attname == pk.attname else "%s"
                    for f in record_fields]
    return (
        f"WITH created AS ({row_sql}) "
        f"INSERT INTO {quote(record_model._meta.db_table)} ({', '.join(quote(f.column) for f in record_fields)}) "
        f"VALUES ({', '.join(placeholders)}) RETURNING {quote(record_model._meta.get_field(pk.attname).column)}"
    )


# simple-history's own columns of a history row; tracked fields have the model's columns.
_HISTORY_COLUMNS = {"history_id", "history_date", "history_type", "history_user_id", "history_change_reason"}


def history_copy_sql(model, using: str = DEFAULT_DB_ALIAS) -> str | None:
    """``INSERT INTO history (…) SELECT … FROM table WHERE pk`` — the history rows of a batch in
    one statement, nothing built in Python per row (the same rows simple-history's
    ``bulk_history_create`` writes: date, type ``+``/``~``, user, no change reason). ``None``
    when the history model has a column of its own the copy would not fill."""
    history = getattr(model, "history", None)
    if history is None:
        return None
    history_model = history.model
    tracked = [f.column for f in history_model.tracked_fields]
    own = {f.column for f in history_model._meta.concrete_fields} - set(tracked)
    if own != _HISTORY_COLUMNS:
        return None
    qn = connections[using].ops.quote_name
    columns = ", ".join(qn(c) for c in tracked)
    return (f"INSERT INTO {qn(history_model._meta.db_table)} ({columns}, {qn('history_date')}, {qn('history_type')}, "
            f"{qn('history_user_id')}, {qn('history_change_reason')}) "
            f"SELECT {columns}, %s, %s, %s, NULL FROM {qn(model._meta.db_table)} WHERE {qn(model._meta.pk.column)}")


def copy_history(sql: str, *, kind: str, pks: Sequence, user, using: str = DEFAULT_DB_ALIAS) -> None:
    """Run ``history_copy_sql`` for the rows ``pks`` just written (``kind``: ``+`` created, ``~``
    changed) by ``user``: their history rows, copied from them by the database."""
    user_id = user.pk if user is not None and user.is_authenticated else None
    with connections[using].cursor() as cursor:
        cursor.execute(sql + " IN (%s)" % ", ".join(["%s"] * len(pks)), [timezone.now(), kind, user_id, *pks])


def run_together(statements: Sequence[tuple[str, Sequence | dict]], using: str = DEFAULT_DB_ALIAS) -> list[list]:
    """Run ``(sql, params)`` statements one after the other in the current transaction and
    return the rows of each, sending them to PostgreSQL in one round trip (psycopg's pipeline
    mode; elsewhere one by one).

    Each statement still starts when the previous one is done, with its own snapshot (READ
    COMMITTED): a read sent with a ``SELECT … FOR UPDATE`` sees everything committed before the
    lock was granted. The statements appear in Django's query log like any others.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        results = []
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                results.append(cursor.fetchall())
        return results
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    started = time.monotonic()
    with connection.wrap_database_errors:
        raw = connection.connection
        cursors = []
        with raw.pipeline():
            for sql, params in statements:
                cursor = raw.cursor()
                cursor.execute(sql, params)
                cursors.append(cursor)
        results = [cursor.fetchall() for cursor in cursors]
        for cursor in cursors:
            cursor.close()
    if connection.queries_logged:
        duration = f"{(time.monotonic() - started) / len(statements):.3f}"
        for sql, params in statements:
            connection.queries_log.append({"sql": f"{sql} -- pipelined, params {params!r}", "time": duration})
    return results


# --- timestamps read from PostgreSQL ----------------------------------------------------------

@lru_cache(maxsize=None)
def _c_timestamptz_loader():
    """A psycopg loader of ``timestamptz`` values that parses them in C, or ``None`` where
    psycopg runs without its C extension.

    Django registers for every connection a loader that subclasses psycopg's pure-Python one
    (to set the ``tzinfo`` of each value): 6.9 µs a value here against 0.5 µs for the C loader
    of ``psycopg[binary]``, which cannot be subclassed. A bank's list page reads three
    timestamps a row. The C loader returns the instant in the session's time zone, which Django
    sets to UTC: the values are those of Django's loader, ``datetime.timezone.utc`` included.
    ``timezone`` is the attribute Django's ``create_cursor`` compares with the connection's.
    """
    import psycopg
    from psycopg.adapt import Loader
    from psycopg.pq import Format

    if psycopg.pq.__impl__ not in {"c", "binary"}:
        return None
    oid = psycopg.adapters.types["timestamptz"].oid
    c_loader = psycopg.adapters.get_loader(oid, Format.TEXT)

    class UtcTimestamptzLoader(Loader):
        timezone = datetime.timezone.utc

        def __init__(self, oid, context=None):
            super().__init__(oid, context)
            self._c_load = c_loader(oid, context).load

        def load(self, data):
            return self._c_load(data)

    return UtcTimestamptzLoader


def load_timestamps_in_c(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver (``tariff.apps``): on PostgreSQL connections whose
    time zone is UTC (``USE_TZ`` without a database ``TIME_ZONE``), timestamps are loaded by
    ``_c_timestamptz_loader``."""
    if connection.vendor != "postgresql" or connection.timezone != datetime.timezone.utc:
        return
    loader = _c_timestamptz_loader()
    if loader is not None:
        connection.connection.adapters.register_loader("timestamptz", loader)
