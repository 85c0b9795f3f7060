"""Issue 21: spreadsheets in French. Every export heads its columns with the field's French
name; a file read back may use those headers or the column names of the shipped data files
(``tariff_code``, ``valid_from``), and a bad cell is named by the header the file uses."""
import pytest

from exchange.models import Bank
from exchange.resources import BankResource
from tariff.import_jobs import ReferenceImport
from tariff.imports import (
    reference_import_confirm,
    reference_import_create,
    reference_import_preview,
    reference_import_request_confirm,
)
from tariff.models import DutyRate, TariffLine
from tariff.resources import DutyRateResource, TariffLineResource

pytestmark = pytest.mark.django_db

FRENCH_RATES = "Ligne tarifaire,Taux DI (%),Loi de finances,En vigueur à partir du,En vigueur jusqu'au (inclus),Remarque\n"
ENGLISH_RATES = "tariff_code,rate,law,valid_from,valid_to,note\n"


def preview(name, text):
    job = reference_import_create(files=[(name, text.encode("utf-8"))])
    return reference_import_preview(job_id=job.pk)


def errors_of(job):
    return [e for f in job.result["files"] for e in f["errors"]]


def test_exports_head_their_columns_with_the_french_field_names():
    assert TariffLineResource().export(queryset=TariffLine.objects.none()).headers == [
        "Code tarifaire", "Désignation", "Unité de quantité normalisée", "DI à 40 % avant la LFR 35-20 (2020)"]
    assert DutyRateResource().export(queryset=DutyRate.objects.none()).headers == FRENCH_RATES.strip().split(",")


@pytest.mark.parametrize("header", [
    "Code tarifaire,Désignation,Unité de quantité normalisée,DI à 40 % avant la LFR 35-20 (2020)\n",
    "code,description,unit,di_40_before_lfr_2020\n",
])
def test_a_file_headed_in_french_or_with_column_names_imports_the_same(header):
    job = preview("tariff_lines.csv", header + "9901.00.00.01,Ligne de test,kg,oui\n")
    assert job.status == ReferenceImport.Status.PREVIEWED and not errors_of(job), job.error or errors_of(job)
    reference_import_request_confirm(job=job)
    job = reference_import_confirm(job_id=job.pk)
    assert job.status == ReferenceImport.Status.DONE
    line = TariffLine.objects.get(code="9901000001")
    assert (line.description, line.unit, line.di_40_before_lfr_2020) == ("Ligne de test", "kg", True)


def test_a_bad_cell_is_named_by_the_header_the_file_uses():
    french = preview("duty_rates.csv", FRENCH_RATES + "8517.13.00.00,5,LF-99,2030-01-01,,\n")
    assert [(e["row"], e["field"]) for e in errors_of(french)] == [(2, "Loi de finances")]
    english = preview("duty_rates.csv", ENGLISH_RATES + "8517.13.00.00,5,LF-99,2030-01-01,,\n")
    assert [(e["row"], e["field"]) for e in errors_of(english)] == [(2, "law")]


def test_a_missing_key_column_is_refused_whatever_the_headers_language():
    job = reference_import_create(files=[("duty_rates.csv", "Taux DI (%),Loi de finances\n5,BASE\n".encode())])
    job = reference_import_preview(job_id=job.pk)
    assert job.status == ReferenceImport.Status.FAILED and "« tariff_code », « valid_from » absente(s)" in job.error


def test_banks_exported_in_french_re_import_unchanged():
    Bank.objects.create(code="bmce", name="Bank of Africa — BMCE Group")
    exported = BankResource().export()
    assert exported.headers == ["Code de la banque", "Nom"]
    result = BankResource().import_data(exported, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (0, 0, 1)
