"""The references of liquidation lines are checked by the database per statement (migration
0006): they hold like foreign keys (on SQLite, the embedded mode, for inserts and updates)."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from declarations.models import Liquidation, LiquidationLine
from declarations.services import _insert_lines

from .test_recalculation import liquidated

pytestmark = pytest.mark.django_db


@pytest.fixture
def line():
    return liquidated(dt.date(2025, 3, 1)).liquidations.get().lines.get(tax="DI")


def _copy(line, **changes):
    values = {f: getattr(line, f) for f in ("liquidation_id", "article_id", "law_id", "tax", "base", "base_unit",
                                            "rate", "rate_unit", "amount", "detail")}
    return LiquidationLine(**{**values, **changes})


@pytest.mark.parametrize("field", ["article_id", "liquidation_id", "law_id"])
def test_a_line_naming_a_missing_row_is_refused(line, field):
    before = LiquidationLine.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        LiquidationLine.objects.bulk_create([_copy(line), _copy(line, **{field: 987654321})])
    assert LiquidationLine.objects.count() == before  # the whole statement is refused


def test_an_update_pointing_a_line_elsewhere_is_refused(line):
    with pytest.raises(IntegrityError), transaction.atomic():
        LiquidationLine.objects.filter(pk=line.pk).update(article_id=987654321)
    line.refresh_from_db()
    assert line.article_id is not None and line.amount == Decimal("1890.00")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite: deletions rely on the ORM (migration 0006)")
@pytest.mark.parametrize("table, column", [
    ("declarations_article", "article_id"), ("declarations_liquidation", "liquidation_id"),
    ("tariff_financelaw", "law_id"),
])
def test_deleting_a_row_that_lines_name_is_refused_even_in_raw_sql(line, table, column):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [getattr(line, column)])
    assert LiquidationLine.objects.filter(pk=line.pk).exists()


def test_the_orm_still_cascades_from_a_liquidation_and_protects_articles_and_laws(line):
    with pytest.raises(ProtectedError):
        line.article.delete()
    with pytest.raises(ProtectedError):
        line.law.delete()
    liquidation = line.liquidation
    Liquidation.objects.filter(pk=liquidation.pk).delete()  # lines first, then the liquidation
    assert not LiquidationLine.objects.filter(liquidation_id=liquidation.pk).exists()


def test_bulk_lines_written_by_copy_are_checked_too(line):
    """The recalculation's COPY path (PostgreSQL) and executemany path (SQLite)."""
    from tariff.services import TaxLine

    class Item:  # what _insert_lines reads of a computed article
        article = type("A", (), {"id": 987654321})()
        lines = [TaxLine("DI", Decimal("1"), "MAD", Decimal("1"), "%", Decimal("0.01"), law_id=line.law_id,
                         law_code="", law_label="")]

    with pytest.raises(IntegrityError), transaction.atomic():
        _insert_lines([(line.liquidation, [Item()])])
