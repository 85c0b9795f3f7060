"""Exports safe to open in a spreadsheet (issue 19): a formula typed into reference data comes
out as text in the admin's CSV and XLSX exports, and a re-import gives back the same text."""
import csv
import io

import openpyxl
import pytest
from django.contrib import admin

from tariff.kit.spreadsheets import SAFE_FORMATS, SafeCSV, SafeXLSX, csv_text, neutralise, restore
from tariff.models import TariffLine
from tariff.resources import TariffLineResource

pytestmark = pytest.mark.django_db

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_cells_are_neutralised_and_restored(text):
    assert neutralise(text) == "'" + text
    assert restore(neutralise(text)) == text


@pytest.mark.parametrize("text", ["-12,50", "-5", "+212", "1 000,00", "Autres", ""])
def test_plain_numbers_and_text_are_left_alone(text):
    assert neutralise(text) == text


def test_every_import_export_admin_offers_only_the_safe_formats():
    admins = [a for a in admin.site._registry.values() if hasattr(a, "get_export_formats")]
    assert len(admins) >= 10
    for model_admin in admins:
        assert model_admin.get_export_formats() == SAFE_FORMATS, model_admin


def _export_rows(fmt):
    return fmt.export_data(TariffLineResource().export(queryset=TariffLine.objects.filter(code="9901000001")))


def test_admin_csv_and_xlsx_exports_carry_no_live_formula():
    TariffLine.objects.create(code="9901000001", description=FORMULAS[0], unit="kg")
    rows = list(csv.reader(io.StringIO(_export_rows(SafeCSV()))))
    assert rows[1][1] == "'" + FORMULAS[0]
    book = openpyxl.load_workbook(io.BytesIO(_export_rows(SafeXLSX())))
    cell = book.active.cell(row=2, column=2)
    assert cell.data_type == "s" and cell.value == "'" + FORMULAS[0]


def test_reimporting_the_export_restores_the_text_and_changes_nothing():
    TariffLine.objects.create(code="9901000001", description="- - Autres", unit="kg")
    exported = _export_rows(SafeCSV())
    assert "'- - Autres" in exported
    result = TariffLineResource().import_data(SafeCSV().create_dataset(exported), dry_run=False)
    assert not result.has_errors()
    assert TariffLine.objects.get(code="9901000001").description == "- - Autres"


def test_csv_text_neutralises_every_cell():
    rows = list(csv.reader(io.StringIO(csv_text(["a", "b"], [["=1+1", "-3"]]))))
    assert rows == [["a", "b"], ["'=1+1", "-3"]]
