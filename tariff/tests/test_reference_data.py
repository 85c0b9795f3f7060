import datetime as dt
from decimal import Decimal

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from tariff.models import DutyRate, FinanceLaw, TariffLine
from tariff.resources import DutyRateResource

pytestmark = pytest.mark.django_db


def test_loading_twice_changes_nothing(capsys):
    before = DutyRate.objects.count()
    call_command("load_reference_data")
    out = capsys.readouterr().out
    assert "duty_rates.csv: 268 lignes (0 créées, 0 mises à jour, 268 inchangées)" in out
    assert DutyRate.objects.count() == before


def test_a_bad_row_aborts_the_whole_load_naming_file_and_row(tmp_path):
    (tmp_path / "tariff_lines.csv").write_text(
        "code,description,unit,di_40_before_lfr_2020\n"
        "9901.00.00.01,Bonne ligne,kg,false\n"
        "99.01,Code cassé,kg,false\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError) as exc:
        call_command("load_reference_data", "--dir", str(tmp_path))
    assert "tariff_lines.csv, ligne 3" in str(exc.value)
    assert not TariffLine.objects.filter(code="9901000001").exists()


def test_overlapping_duty_rate_is_refused_by_rule_val2():
    line = TariffLine.objects.get(code="8507600700")
    row = DutyRate(tariff_line=line, rate=Decimal("5"), law=FinanceLaw.objects.get(code="BASE"),
                   valid_from=dt.date(2023, 6, 1))
    with pytest.raises(ValidationError) as exc:
        row.full_clean()
    assert "VAL2" in str(exc.value)


def test_end_before_start_is_refused_by_rule_val1():
    line = TariffLine.objects.create(code="9901000002", description="x")
    row = DutyRate(tariff_line=line, rate=Decimal("5"), law=FinanceLaw.objects.get(code="BASE"),
                   valid_from=dt.date(2023, 6, 1), valid_to=dt.date(2023, 1, 1))
    with pytest.raises(ValidationError) as exc:
        row.full_clean()
    assert "VAL1" in str(exc.value)


def test_admin_import_with_an_overlapping_row_writes_nothing():
    dataset = tablib.Dataset(headers=["tariff_code", "rate", "law", "valid_from", "valid_to", "note"])
    dataset.append(["9902.00.00.01", "5", "BASE", "2000-07-01", "", ""])
    dataset.append(["8507.60.07.00", "5", "BASE", "2023-06-01", "", "chevauche"])
    TariffLine.objects.create(code="9902000001", description="y")
    result = DutyRateResource().import_data(dataset, dry_run=False, use_transactions=True)
    assert result.has_validation_errors()
    assert not DutyRate.objects.filter(tariff_line__code="9902000001").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints are PostgreSQL-only")
def test_postgres_exclusion_constraint_refuses_overlap_even_without_the_rule():
    line = TariffLine.objects.get(code="8507600700")
    with pytest.raises(IntegrityError), transaction.atomic():
        DutyRate.objects.bulk_create([DutyRate(tariff_line=line, rate=Decimal("5"),
                                               law=FinanceLaw.objects.get(code="BASE"),
                                               valid_from=dt.date(2023, 6, 1))])


def test_an_admin_edit_is_seen_by_the_next_quote_at_once():
    from tariff.services import quote_duties

    row = DutyRate.objects.get(tariff_line__code="3915900400", valid_from=dt.date(2022, 1, 1))
    before = quote_duties(tariff_code="3915900400", on_date=dt.date(2024, 1, 1), customs_value="100")
    row.rate = Decimal("5")
    row.save()
    after = quote_duties(tariff_code="3915900400", on_date=dt.date(2024, 1, 1), customs_value="100")
    assert (before.lines[0].rate, after.lines[0].rate) == (Decimal("2.5"), Decimal("5"))
