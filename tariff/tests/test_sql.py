"""tariff.kit.sql, the hand-written SQL of the bank API's hot path (issue 4): what it reads and
writes is what the ORM and django-simple-history read and write, on SQLite and PostgreSQL."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from simple_history.utils import bulk_create_with_history

from conftest import make_user
from tariff.kit.sql import RowReader, copy_history, history_copy_sql, insert_with_history, run_together
from tariff.models import ExchangeRate, ReferenceDataVersion
from tariff.selectors import bump_reference_version, current_reference_version

pytestmark = pytest.mark.django_db

COMPARED = ("valid_from", "valid_to", "rate", "source")


def a_rate(currency: str, **fields) -> ExchangeRate:
    values = {"valid_from": dt.date(2031, 2, 1), "valid_to": dt.date(2031, 2, 28), "rate": Decimal("10.8765"),
              "source": "Office des changes"} | fields
    return ExchangeRate(currency=currency, **values)


def test_row_reader_loads_what_the_orm_loads_with_the_backend_conversions():
    saved = a_rate("XAA")
    saved.save()
    reader = RowReader(ExchangeRate)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {reader.columns('r')} FROM {ExchangeRate._meta.db_table} r WHERE r.id = %s",
                       [saved.pk])
        loaded = reader.load(cursor.fetchone())
    from_orm = ExchangeRate.objects.get(pk=saved.pk)
    for field in ExchangeRate._meta.concrete_fields:
        value = getattr(loaded, field.attname)
        assert value == getattr(from_orm, field.attname), field.name
        assert type(value) is type(getattr(from_orm, field.attname)), field.name  # Decimal, date: not float, str
    assert loaded.rate == Decimal("10.8765") and loaded.valid_to == dt.date(2031, 2, 28)
    assert not loaded._state.adding
    loaded.source = "modifié"
    loaded.save(update_fields=["source"])  # a loaded instance saves like any other
    assert ExchangeRate.objects.get(pk=saved.pk).source == "modifié"


def test_row_reader_named_fields_only():
    saved = a_rate("XAB")
    saved.save()
    reader = RowReader(ExchangeRate, ["id", "rate"])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {reader.columns('x')} FROM {ExchangeRate._meta.db_table} x WHERE x.id = %s",
                       [saved.pk])
        loaded = reader.load(cursor.fetchone())
    assert (loaded.pk, loaded.rate) == (saved.pk, Decimal("10.8765"))
    assert loaded.get_deferred_fields() >= {"currency", "valid_from"}


def test_insert_with_history_writes_the_record_simple_history_writes():
    user = make_user("sql-author")
    by_save, by_insert = a_rate("XAE"), a_rate("XAF")
    by_save._history_user = user
    by_save.save()
    insert_with_history(by_insert, user=user)
    assert by_insert.pk and by_insert.pk != by_save.pk and not by_insert._state.adding
    rows = ExchangeRate.objects.filter(pk__in=[by_save.pk, by_insert.pk]).order_by("pk").values(*COMPARED)
    assert rows[0] == rows[1]  # the row save() writes

    [saved_record] = ExchangeRate.history.filter(id=by_save.pk)
    [inserted_record] = ExchangeRate.history.filter(id=by_insert.pk)
    assert (inserted_record.history_type, inserted_record.history_user, inserted_record.history_change_reason) == (
        "+", user, None)
    ignored = {"history_id", "history_date", "id", "currency"}
    fields = [field.attname for field in ExchangeRate.history.model._meta.concrete_fields if field.attname not in ignored]
    assert {f: getattr(inserted_record, f) for f in fields} == {f: getattr(saved_record, f) for f in fields}
    assert inserted_record.currency == "XAF" and inserted_record.rate == Decimal("10.8765")
    assert abs(inserted_record.history_date - saved_record.history_date) < dt.timedelta(minutes=1)


def test_copied_history_rows_are_the_rows_simple_history_writes_in_bulk():
    """The reference import's ``INSERT … SELECT`` of a batch's history rows (issue 18) writes what
    simple-history's ``bulk_create_with_history`` writes for the same rows."""
    user = make_user("sql-bulk-author")
    bulk_create_with_history([a_rate("XAG")], ExchangeRate, default_user=user)
    by_copy = ExchangeRate.objects.bulk_create([a_rate("XAH")])
    copy_history(history_copy_sql(ExchangeRate), kind="+", pks=[by_copy[0].pk], user=user)
    [helper_record] = ExchangeRate.history.filter(currency="XAG")
    [copied_record] = ExchangeRate.history.filter(currency="XAH")
    ignored = {"history_id", "history_date", "id", "currency"}
    fields = [field.attname for field in ExchangeRate.history.model._meta.concrete_fields if field.attname not in ignored]
    assert {f: getattr(copied_record, f) for f in fields} == {f: getattr(helper_record, f) for f in fields}
    assert (copied_record.history_type, copied_record.history_user, copied_record.id) == ("+", user, by_copy[0].pk)


def test_a_failed_insert_raises_and_writes_nothing():
    from django.db import IntegrityError, transaction

    rate = a_rate("XAG", rate=None)  # NOT NULL column
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_with_history(rate, user=None)
    assert not ExchangeRate.objects.filter(currency="XAG").exists()
    assert not ExchangeRate.history.filter(currency="XAG").exists()


def test_run_together_returns_the_rows_of_each_statement_in_order_and_logs_them():
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    first, second = a_rate("XAH"), a_rate("XAI")
    first.save()
    second.save()
    table = ExchangeRate._meta.db_table
    select = f"SELECT currency FROM {table} WHERE id = %s"
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        rows = run_together([(select, [first.pk]), (select, [second.pk])])
    assert rows == [[("XAH",)], [("XAI",)]]
    assert sum(f"FROM {table}" in query["sql"] for query in queries) == 2


def test_run_together_raises_the_database_error_as_django_does():
    from django.db import IntegrityError, transaction

    table = ExchangeRate._meta.db_table
    insert_without_rate = f"INSERT INTO {table} (currency, valid_from, rate, source) VALUES (%s, %s, NULL, '')"
    with pytest.raises(IntegrityError), transaction.atomic():
        run_together([(insert_without_rate, ["XAJ", dt.date(2031, 1, 1)])])
    assert not ExchangeRate.objects.filter(currency="XAJ").exists()


TIMESTAMPS = [
    "2026-11-23 19:26:01.123456+00", "2026-03-29 02:30:00+01", "1969-12-31 23:59:59.999999+00",
    "0001-01-01 00:00:00+00", "9999-12-31 23:59:59.999999+00", "2024-02-29 12:00:00-05:30",
]


ONLY_POSTGRESQL = pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg loaders")


@pytest.mark.postgres
@ONLY_POSTGRESQL
def test_timestamps_are_loaded_in_c_with_the_values_of_djangos_loader():
    import psycopg
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    connection.ensure_connection()
    adapters = connection.connection.adapters
    oid = psycopg.adapters.types["timestamptz"].oid
    assert adapters.get_loader(oid, Format.TEXT).__name__ == "UtcTimestamptzLoader"

    def read(cursor) -> list[dt.datetime]:
        cursor.execute("SELECT " + ", ".join("%s::timestamptz" for _ in TIMESTAMPS), TIMESTAMPS)
        return list(cursor.fetchone())

    with connection.cursor() as cursor:
        fast = read(cursor)
        register_tzloader(dt.timezone.utc, cursor.cursor)  # Django's own loader, on this cursor only
        django = read(cursor)
    assert fast == django
    assert [value.tzinfo for value in fast] == [dt.timezone.utc] * len(TIMESTAMPS)
    assert fast[1] == dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.timezone.utc)
    assert fast[2].microsecond == 999999


@pytest.mark.postgres
@ONLY_POSTGRESQL
def test_orm_reads_of_timestamps_are_aware_utc():
    saved = a_rate("XAB")
    saved.save()
    record = saved.history.get()
    assert record.history_date.tzinfo is dt.timezone.utc
    assert saved.history.get(history_date=record.history_date) == record  # round trip through the loader


def test_reference_version_reads_what_the_orm_reads():
    ReferenceDataVersion.objects.all().delete()
    assert current_reference_version() == 0
    token = bump_reference_version()
    assert current_reference_version() == token == ReferenceDataVersion.objects.get(id=1).version
