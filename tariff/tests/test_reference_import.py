"""Issue 18: reference data imported as a job — preview (nothing written), atomic confirm,
French messages naming the row and the column, French Excel files, unchanged re-imports."""
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from tariff.import_jobs import ReferenceImport
from tariff.imports import (
    ReferenceImportRefused,
    read_dataset,
    reference_import_confirm,
    reference_import_create,
    reference_import_preview,
    reference_import_progress,
    reference_import_request_confirm,
    reference_tables,
)
from tariff.models import DutyRate, TariffLine

pytestmark = pytest.mark.django_db

LINES = "code,description,unit,di_40_before_lfr_2020\n9901.00.00.01,Ligne de test un,kg,false\n" \
        "9901.00.00.02,Ligne de test deux,kg,false\n"
RATES_HEADER = "tariff_code,rate,law,valid_from,valid_to,note\n"


def preview(files, table=None):
    job = reference_import_create(files=[(n, c.encode("utf-8") if isinstance(c, str) else c) for n, c in files],
                                  table=table)
    return reference_import_preview(job_id=job.pk)


def confirm(job):
    reference_import_request_confirm(job=job)
    return reference_import_confirm(job_id=job.pk)


def errors_of(job):
    return [e for f in job.result["files"] for e in f["errors"]]


def test_preview_reports_what_would_change_and_writes_nothing():
    job = preview([("tariff_lines.csv", LINES),
                   ("duty_rates.csv", RATES_HEADER + "9901.00.00.01,17.5,BASE,2030-01-01,,\n")])
    assert job.status == ReferenceImport.Status.PREVIEWED
    lines, rates = job.result["files"]
    assert (lines["table"], lines["new"], lines["update"], lines["skip"]) == ("tariff_lines", 2, 0, 0)
    assert (rates["table"], rates["new"]) == ("duty_rates", 1)  # the rate file sees the new lines
    assert [c["row"] for c in lines["changes"]] == [2, 3]
    assert job.rows_done == job.rows_total == 3
    assert not TariffLine.objects.filter(code__startswith="9901").exists()


def test_confirm_applies_every_file_in_one_go_with_their_history():
    job = preview([("duty_rates.csv", RATES_HEADER + '9901.00.00.01,"17,5",BASE,2030-01-01,,\n'),
                   ("tariff_lines.csv", LINES)])  # files put in load order: lines first
    job = confirm(job)
    assert job.status == ReferenceImport.Status.DONE
    rate = DutyRate.objects.get(tariff_line__code="9901000001")
    assert rate.rate == Decimal("17.5")
    assert rate.history.count() == 1
    assert TariffLine.objects.get(code="9901000002").history.count() == 1


def test_a_bad_row_is_named_in_french_with_its_line_and_column_and_blocks_the_confirm():
    job = preview([("tariff_lines.csv", LINES), ("duty_rates.csv", RATES_HEADER
                   + "9901.00.00.01,17.5,LF-99,2030-01-01,,\n"
                   + "9999.99.99.98,5,BASE,2030-01-01,,\n"
                   + "9901.00.00.02,abc,BASE,2030-01-01,,\n")])
    errors = {(e["row"], e["field"]): e["message"] for e in errors_of(job)}
    assert errors[(2, "law")] == "Loi de finances « LF-99 » inconnue"
    assert errors[(3, "tariff_code")] == "Ligne tarifaire « 9999.99.99.98 » inconnue"
    assert errors[(4, "rate")] == "nombre attendu (ex. 17,5 ou 17.5), « abc » reçu."
    assert not any("matching query" in m for m in errors.values())
    assert not job.can_confirm
    with pytest.raises(ReferenceImportRefused):
        reference_import_request_confirm(job=job)


def test_17_comma_5_and_17_point_5_both_read():
    job = confirm(preview([("tariff_lines.csv", LINES), ("duty_rates.csv", RATES_HEADER
                           + '9901.00.00.01,"17,5",BASE,2030-01-01,,\n9901.00.00.02,17.5,BASE,2030-01-01,,\n')]))
    assert job.status == ReferenceImport.Status.DONE
    assert set(DutyRate.objects.filter(tariff_line__code__startswith="9901").values_list("rate", flat=True)) == {
        Decimal("17.5")}


def test_a_french_excel_csv_with_semicolons_and_a_bom_is_read():
    content = ("\ufeffcode;description;unit;di_40_before_lfr_2020\r\n"
               "9901.00.00.03;Téléphones, autres;u;non\r\n").encode("utf-8")
    job = confirm(preview([("tariff_lines.csv", content)]))
    assert job.status == ReferenceImport.Status.DONE
    line = TariffLine.objects.get(code="9901000003")
    assert (line.description, line.di_40_before_lfr_2020) == ("Téléphones, autres", False)


def test_a_windows_1252_csv_is_read():
    content = "code;description;unit;di_40_before_lfr_2020\n9901.00.00.04;Crème glacée;kg;0\n".encode("cp1252")
    confirm(preview([("tariff_lines.csv", content)]))
    assert TariffLine.objects.get(code="9901000004").description == "Crème glacée"


def test_an_xlsx_is_read_with_its_dates_and_numbers():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["tariff_code", "rate", "law", "valid_from", "valid_to", "note"])
    sheet.append(["9901.00.00.01", 12.5, "BASE", dt.datetime(2030, 1, 1), None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    confirm(preview([("tariff_lines.csv", LINES)]))
    job = confirm(preview([("taux.xlsx", buffer.getvalue())], table="duty_rates"))
    assert job.status == ReferenceImport.Status.DONE, job.result
    rate = DutyRate.objects.get(tariff_line__code="9901000001")
    assert (rate.rate, rate.valid_from) == (Decimal("12.5"), dt.date(2030, 1, 1))


def test_a_missing_key_column_is_refused_in_french():
    job = preview([("duty_rates.csv", "rate,law\n5,BASE\n")])
    assert job.status == ReferenceImport.Status.FAILED
    assert "colonne(s) « tariff_code », « valid_from » absente(s)" in job.error


def test_a_file_named_after_no_table_needs_a_table():
    with pytest.raises(ReferenceImportRefused) as exc:
        reference_import_create(files=[("export.csv", b"code\n")])
    assert "table inconnue" in exc.value.message


def test_two_overlapping_rows_of_one_file_are_refused():
    job = preview([("tariff_lines.csv", LINES), ("duty_rates.csv", RATES_HEADER
                   + "9901.00.00.01,5,BASE,2030-01-01,,\n9901.00.00.01,7,BASE,2030-06-01,,\n")])
    assert [(e["row"], e["field"]) for e in errors_of(job)] == [(3, None)]
    assert "[VAL2]" in errors_of(job)[0]["message"]


def test_a_confirm_meeting_a_bad_row_writes_nothing():
    job = preview([("tariff_lines.csv", LINES), ("duty_rates.csv", RATES_HEADER + "9901.00.00.01,5,BASE,2030-01-01,,\n")])
    reference_import_request_confirm(job=job)
    TariffLine.objects.create(code="9901000001", description="créée entre l'aperçu et la confirmation")
    DutyRate.objects.create(tariff_line=TariffLine.objects.get(code="9901000001"), rate=1,
                            law_id=DutyRate.objects.first().law_id, valid_from=dt.date(2029, 1, 1))
    job = reference_import_confirm(job_id=job.pk)
    assert job.status == ReferenceImport.Status.FAILED
    assert "ligne 2" in job.error and "[VAL2]" in job.error
    assert not TariffLine.objects.filter(code="9901000002").exists()  # the first file was rolled back too


def test_a_job_confirmed_twice_applies_once():
    job = confirm(preview([("tariff_lines.csv", LINES)]))
    again = reference_import_confirm(job_id=job.pk)
    assert again.status == ReferenceImport.Status.DONE
    assert TariffLine.objects.get(code="9901000001").history.count() == 1


def test_a_confirmed_job_shows_as_running_until_its_task_starts(django_user_model):
    # A real worker may start the confirm seconds later: the page keeps polling, no second confirm.
    editor = django_user_model.objects.create(username="editeur-import")
    job = preview([("tariff_lines.csv", LINES)])
    reference_import_request_confirm(job=job, user=editor)
    job.refresh_from_db()
    progress = reference_import_progress(job)
    assert job.running and not job.can_confirm
    assert (progress["status_label"], progress["finished"]) == ("Import demandé", False)
    with pytest.raises(ReferenceImportRefused):
        reference_import_request_confirm(job=job, user=editor)
    done = reference_import_confirm(job_id=job.pk)
    assert done.status == ReferenceImport.Status.DONE and not done.running
    assert reference_import_progress(done)["finished"]


def test_read_dataset_sniffs_the_delimiter():
    assert read_dataset(b"a;b\n1,5;2\n", "x.csv").headers == ["a", "b"]
    assert read_dataset(b"a\tb\n1\t2\n", "x.csv")[0] == ("1", "2")
    assert read_dataset(b"a,b\n1,2\n", "x.csv")[0] == ("1", "2")


# --- the command ---------------------------------------------------------------------------------


def test_command_previews_then_confirms_with_a_progress_line(tmp_path, capsys):
    (tmp_path / "tariff_lines.csv").write_text(LINES, encoding="utf-8")
    call_command("import_reference", str(tmp_path / "tariff_lines.csv"))
    out = capsys.readouterr().out
    assert "Aperçu : 2/2 lignes (100 %)" in out and "2 à créer" in out and "--confirm" in out
    assert not TariffLine.objects.filter(code="9901000001").exists()
    call_command("import_reference", str(tmp_path / "tariff_lines.csv"), "--confirm")
    out = capsys.readouterr().out
    assert "Import : 2/2 lignes (100 %)" in out and "2 créées" in out
    assert TariffLine.objects.filter(code="9901000001").exists()


def test_command_exits_non_zero_naming_the_bad_row(tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text(RATES_HEADER + "8517.13.00.00,5,LF-99,2030-01-01,,\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("import_reference", str(path), "--table", "duty_rates", "--confirm")
    assert "rates.csv, ligne 2, colonne « law » : Loi de finances « LF-99 » inconnue" in str(exc.value)


# --- point 3: an unchanged export re-imported changes nothing ------------------------------------


@pytest.mark.parametrize("table", list(reference_tables()))
def test_round_trip_export_import_changes_nothing_and_writes_no_history(table):
    entry = reference_tables()[table]
    model = entry.model
    exported = entry.resource_class().export().csv.encode("utf-8")
    history = model.history.count() if hasattr(model, "history") else 0
    job = confirm(preview([(f"{table}.csv", exported)]))
    assert job.status == ReferenceImport.Status.DONE, job.error or errors_of(job)
    report = job.result["applied"][0]
    assert (report["new"], report["update"], report["skip"]) == (0, 0, model.objects.count())
    if hasattr(model, "history"):
        assert model.history.count() == history


def test_a_key_twice_in_one_file_is_refused():
    job = preview([("tariff_lines.csv", LINES + "9901.00.00.01,Encore,kg,false\n")])
    assert errors_of(job) == [{"row": 4, "field": None, "message": "Ligne en double : même clé que la ligne 2 du fichier."}]


def test_an_overlap_with_a_row_already_in_the_table_is_refused_by_rule_val2():
    job = preview([("duty_rates.csv", RATES_HEADER + "8507.60.07.00,5,BASE,2023-06-01,,\n")])
    (error,) = errors_of(job)
    assert error["row"] == 2 and error["message"].startswith("[VAL2]") and "Chevauchement avec la ligne du" in error["message"]


@pytest.mark.parametrize("table", ["tariff_lines", "duty_rates", "exchange_rates", "franchise_codes", "excise_rates"])
def test_round_trip_through_xlsx_changes_nothing(table):
    from tariff.kit.spreadsheets import SafeXLSX

    entry = reference_tables()[table]
    exported = SafeXLSX().export_data(entry.resource_class().export())
    job = confirm(preview([(f"{table}.xlsx", exported)]))
    assert job.status == ReferenceImport.Status.DONE, job.error or errors_of(job)
    report = job.result["applied"][0]
    assert (report["new"], report["update"]) == (0, 0)


# --- the preview's checked rows, written by the confirm -------------------------------------------


def test_a_changed_row_is_updated_with_one_history_row_by_the_jobs_user(django_user_model):
    user = django_user_model.objects.create_user("editeur-import")
    confirm(preview([("tariff_lines.csv", LINES)]))
    changed = LINES.replace("Ligne de test deux", "Ligne de test deux (modifiée)")
    job = reference_import_create(files=[("tariff_lines.csv", changed.encode())], user=user)
    job = reference_import_preview(job_id=job.pk)
    assert (job.result["files"][0]["update"], job.result["files"][0]["skip"]) == (1, 1)
    reference_import_request_confirm(job=job, user=user)
    job = reference_import_confirm(job_id=job.pk)
    assert job.status == ReferenceImport.Status.DONE
    line = TariffLine.objects.get(code="9901000002")
    assert line.description == "Ligne de test deux (modifiée)"
    assert [(h.history_type, h.history_user_id) for h in line.history.order_by("history_id")] == [
        ("+", None), ("~", user.pk)]
    assert TariffLine.objects.get(code="9901000001").history.count() == 1


def test_the_confirm_writes_the_checked_rows_when_nothing_moved_since_the_preview():
    job = preview([("tariff_lines.csv", LINES),
                   ("duty_rates.csv", RATES_HEADER + "9901.00.00.02,25,BASE,2030-01-01,,\n")])
    assert all(f.checked_rows for f in job.files.all())
    steps = []
    reference_import_request_confirm(job=job)
    job = reference_import_confirm(job_id=job.pk, progress=lambda done, total: steps.append((done, total)))
    assert job.status == ReferenceImport.Status.DONE
    rate = DutyRate.objects.get(tariff_line__code="9901000002")
    assert (rate.rate, rate.valid_from, rate.law.code) == (Decimal("25"), dt.date(2030, 1, 1), "BASE")
    assert rate.history.get().history_type == "+"
    assert steps[-1] == (3, 3)
    assert [(r["new"], r["update"], r["skip"]) for r in job.result["applied"]] == [(2, 0, 0), (1, 0, 0)]


def test_a_table_whose_writes_do_not_move_the_version_is_checked_again_at_the_confirm():
    from tariff.models import WarehouseDisposalReason

    job = preview([("warehouse_disposal_reasons.csv", "code,label,provisional,note\nessai-import,Raison du fichier,oui,\n")])
    assert job.result["files"][0]["new"] == 1
    WarehouseDisposalReason.objects.create(code="essai-import", label="Créée entre l'aperçu et la confirmation")
    job = confirm(job)
    assert job.status == ReferenceImport.Status.DONE, job.error
    assert [(r["new"], r["update"]) for r in job.result["applied"]] == [(0, 1)]
    assert list(WarehouseDisposalReason.objects.filter(code="essai-import").values_list("label", flat=True)) == [
        "Raison du fichier"]
    assert not any(f.checked_rows for f in job.files.all())
