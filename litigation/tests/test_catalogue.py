"""The offence catalogue as reference data: loaded by ``load_reference_data``, one row per
offence version, every row citing its source; VAL1/VAL2 and the OFF rules guard edits."""
import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from declarations.services import declaration_register
from declarations.tests.factories import make_declaration
from litigation.models import Offence
from litigation.resources import OffenceResource
from litigation.selectors import normalize_article, normalize_paragraph, offence_for, offence_list
from tariff.tests.helpers import plain

from .factories import OffenceFactory

pytestmark = pytest.mark.django_db
CSV = Path(__file__).resolve().parent.parent / "data" / "offences.csv"


def csv_rows():
    with CSV.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_the_shipped_catalogue_is_loaded_in_full():
    assert Offence.objects.count() == len(csv_rows()) == 48


def test_loading_twice_changes_nothing(capsys):
    call_command("load_reference_data")
    out = capsys.readouterr().out
    assert "offences.csv: 48 lignes (0 créées, 0 mises à jour, 48 inchangées)" in out


def test_every_row_cites_its_source():
    for row in Offence.objects.all():
        assert row.source.startswith("CDII art."), row
        assert "circ. 6255/210" in row.source or "circ. 6522/210" in row.source, row


@pytest.mark.parametrize(
    "article, paragraphs",
    [
        ("279 ter", {"1°", "2°", "4°"}),
        ("281", {f"{n}°" for n in range(1, 10)}),
        ("285", {"", "1°", "2°", "3°", "4°", "5°", "13°", "15°"}),
        ("294", {"1°", "2°", "3°", "4°", "5°", "6°", "6° bis", "6° ter", "8°", "11°"}),
        ("297", {f"{n}°" for n in range(1, 9)}),
        ("299", {""}),
    ],
)
def test_catalogue_covers_the_articles_of_title_ix(article, paragraphs):
    found = set(offence_list(on_date=dt.date(2024, 6, 1)).filter(article=article).values_list("paragraph", flat=True))
    assert found == paragraphs


def test_no_version_in_force_in_2024_lacks_a_fine_rule():
    for row in offence_list(on_date=dt.date(2024, 6, 1)):
        assert row.fine_basis, row


def test_offences_list_as_of_a_date_follows_validity():
    assert offence_list(on_date=dt.date(2021, 6, 1)).filter(article__in=["281", "297"]).count() == 0
    assert set(offence_list(on_date=dt.date(2021, 6, 1)).values_list("article", flat=True)) == {
        "280", "284", "293", "298"}


@pytest.mark.parametrize(
    "raw, expected",
    [("8", "8°"), ("8°", "8°"), ("8 °", "8°"), ("6 bis", "6° bis"), ("6°bis", "6° bis"), ("6 TER", "6° ter"),
     ("1er", "1°"), ("", "")],
)
def test_paragraphs_are_normalized(raw, expected):
    assert normalize_paragraph(raw) == expected


def test_articles_are_normalized():
    assert normalize_article("279TER") == "279 ter"
    assert normalize_article(" 297 Bis ") == "297 bis"
    assert offence_for(article="297", paragraph="8", on_date=dt.date(2024, 1, 2)) is not None


def test_overlapping_versions_are_refused_by_rule_val2():
    row = Offence(**{f.name: getattr(offence_for(article="299", on_date=dt.date(2024, 1, 1)), f.name)
                     for f in Offence._meta.fields if f.name != "id"})
    row.valid_from = dt.date(2023, 1, 1)
    with pytest.raises(ValidationError) as exc:
        row.full_clean()
    assert "VAL2" in str(exc.value)


def test_a_proportional_fine_needs_a_multiplier_rule_off1():
    row = OffenceFactory.build(fine_basis=Offence.FineBasis.DUTIES, fine_multiplier=None, fine_min=None,
                               fine_max=None)
    with pytest.raises(ValidationError) as exc:
        row.full_clean()
    assert "OFF1" in str(exc.value)


def test_a_fixed_fine_needs_both_bounds_rule_off1():
    row = OffenceFactory.build(fine_max=None)
    with pytest.raises(ValidationError) as exc:
        row.full_clean()
    assert "OFF1" in str(exc.value)


def test_fine_minimum_above_maximum_is_refused_rule_off2():
    row = OffenceFactory.build(fine_min=Decimal("3000"), fine_max=Decimal("500"))
    with pytest.raises(ValidationError) as exc:
        row.full_clean()
    assert "OFF2" in str(exc.value)


def test_prison_minimum_above_maximum_is_refused_rule_off3():
    row = OffenceFactory.build(prison_min_months=12, prison_max_months=1)
    with pytest.raises(ValidationError) as exc:
        row.full_clean()
    assert "OFF3" in str(exc.value)


def test_admin_import_with_a_bad_row_writes_nothing():
    headers = list(csv_rows()[0].keys())
    good = dict.fromkeys(headers, "")
    good.update(article="901", paragraph="1", valid_from="2024-01-01", offence_class="contravention_4",
                label_fr="Essai", penalty_article="901 bis", fine_basis="fixed_range", fine_min="500",
                fine_max="2500", source="test")
    overlapping = dict(good, article="299", paragraph="", valid_from="2023-01-01")
    dataset = tablib.Dataset(headers=headers)
    for row in (good, overlapping):
        dataset.append([row[h] for h in headers])
    result = OffenceResource().import_data(dataset, dry_run=False, use_transactions=True)
    assert result.has_validation_errors()
    assert not Offence.objects.filter(article="901").exists()


def test_import_normalizes_article_and_paragraph_into_the_natural_key():
    headers = list(csv_rows()[0].keys())
    row = dict.fromkeys(headers, "")
    row.update(article="902", paragraph="3", valid_from="2024-01-01", offence_class="contravention_4",
               label_fr="Essai", penalty_article="902 bis", fine_basis="fixed_range", fine_min="500",
               fine_max="2500", source="test")
    dataset = tablib.Dataset(headers=headers)
    dataset.append([row[h] for h in headers])
    result = OffenceResource().import_data(dataset, dry_run=False, use_transactions=True)
    assert not result.has_errors() and not result.has_validation_errors()
    assert Offence.objects.get(article="902").paragraph == "3°"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints are PostgreSQL-only")
def test_postgres_exclusion_constraint_refuses_overlapping_offence_versions():
    current = offence_for(article="299", on_date=dt.date(2024, 1, 1))
    clash = OffenceFactory.build(article="299", paragraph="", valid_from=dt.date(2023, 1, 1))
    assert current is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        Offence.objects.bulk_create([clash])


def test_an_exported_catalogue_imports_back_unchanged():
    dataset = OffenceResource().export()
    result = OffenceResource().import_data(tablib.Dataset().load(dataset.csv, format="csv"), dry_run=True)
    assert not result.has_errors() and not result.has_validation_errors()
    assert result.totals["skip"] == Offence.objects.count()


def test_the_297_8_fine_a_declaration_warns_of_is_the_catalogues_row():
    # CDII art. 297-8° (LF 2024, circ. 6522/210 annexe I): the registration warning reads the catalogue's row
    # (declarations.offence_fines, registered by LitigationConfig.ready), never an amount of its own.
    row = offence_for(article="297", paragraph="8°", on_date=dt.date(2024, 3, 1))
    [warning, _rate] = declaration_register(declaration=make_declaration(), on_date=dt.date(2024, 3, 1)).warnings
    assert "amende de 10 000 à 50 000 DH (faits à compter du 01/01/2024)" in plain(warning)
    row.fine_max = Decimal("60000")
    row.save()
    [warning, _rate] = declaration_register(declaration=make_declaration(), on_date=dt.date(2024, 3, 1)).warnings
    assert "contravention douanière de 3e classe (CDII art. 297-8°), amende de 10 000 à 60 000 DH" in plain(warning)
    # Before its version of 2024 the offence is not in the catalogue: the documents are still required (art. 74).
    [warning, _rate] = declaration_register(declaration=make_declaration(), on_date=dt.date(2023, 12, 29)).warnings
    assert warning.endswith("(CDII art. 74).") and "297-8°" not in warning
