"""Reference-data import jobs (issue 18): read a CSV or XLSX as French Excel writes it, preview
what it would change (dry run: applied, then rolled back), confirm it in one transaction.

- ``read_dataset``: XLSX, or CSV in UTF-8 (with or without BOM) or Windows-1252, its delimiter
  sniffed (``;`` from French Excel, ``,``, tab); formula quotes taken off (``tariff.spreadsheets``).
- ``reference_import_create`` → ``reference_import_preview`` → ``reference_import_confirm``:
  the job record (``ReferenceImport``) tracks status, progress and the preview; the Celery tasks
  (``tariff.tasks``) are thin wrappers around the last two. Progress is written to the cache as
  well: the job row is inside the running transaction, invisible to the page that polls.
- Every bad row is reported with its line in the file (the header is line 1), its column and a
  French message; a job with bad rows cannot be confirmed, and a confirm that meets one writes
  nothing.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import tablib
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import DomainError
from .import_jobs import ReferenceImport, ReferenceImportFile
from .spreadsheets import SafeCSV, SafeXLSX

MAX_REPORTED_ERRORS = 200  # per file: a broken column would otherwise list 17,000 times the same thing
MAX_REPORTED_CHANGES = 200  # rows shown in the preview table, per file
PROGRESS_TIMEOUT = 6 * 3600


class ReferenceImportRefused(DomainError):
    code = "reference_import_refused"


@dataclass(frozen=True)
class ReferenceTable:
    name: str  # the file stem: "duty_rates"
    resource_class: type

    @property
    def label(self) -> str:
        return str(self.resource_class._meta.model._meta.verbose_name_plural)

    @property
    def model(self):
        return self.resource_class._meta.model


def reference_tables() -> dict[str, ReferenceTable]:
    """Every table an app registered (``tariff.reference_registry``), in load order."""
    from .reference_registry import registered_reference_files

    tables = {}
    for entry in registered_reference_files():
        name = entry.stem.removesuffix(".csv")
        tables.setdefault(name, ReferenceTable(name, entry.resource_class))
    return tables


def table_for_file(file_name: str) -> ReferenceTable | None:
    """``duty_rates.csv``, ``duty_rates_2025.xlsx`` → the duty rates table."""
    stem = Path(file_name).stem.lower()
    tables = reference_tables()
    for name in sorted(tables, key=len, reverse=True):
        if stem == name or stem.startswith(name + "_") or stem.startswith(name + "-"):
            return tables[name]
    return None


# --- reading files ---------------------------------------------------------------------------------


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ReferenceImportRefused(_("Encodage du fichier illisible (UTF-8 ou Windows-1252 attendu)."))


def sniff_delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(header, delimiters=";,\t").delimiter
    except csv.Error:
        return max(";,\t", key=header.count) if any(c in header for c in ";,\t") else ","


def read_dataset(content: bytes, file_name: str) -> tablib.Dataset:
    """The file's rows, headers stripped; a file that cannot be read is refused in French."""
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        try:
            dataset = SafeXLSX().create_dataset(content)
        except Exception as exc:  # openpyxl says "File is not a zip file" and the like
            raise ReferenceImportRefused(
                _("« %(name)s » n'est pas un classeur XLSX lisible.") % {"name": file_name}) from exc
    else:
        text = _decode(content)
        if not text.strip():
            raise ReferenceImportRefused(_("« %(name)s » est vide.") % {"name": file_name})
        try:
            dataset = SafeCSV().create_dataset(text, delimiter=sniff_delimiter(text))
        except Exception as exc:
            raise ReferenceImportRefused(
                _("« %(name)s » n'est pas un fichier CSV lisible.") % {"name": file_name}) from exc
    dataset.headers = [str(h or "").strip() for h in (dataset.headers or [])]
    return dataset


def _check_columns(dataset: tablib.Dataset, table: ReferenceTable, file_name: str) -> None:
    resource = table.resource_class()
    expected = [resource.fields[name].column_name for name in resource.get_import_id_fields()]
    headers = resource.column_names(dataset.headers)  # French headers (an export) or column names
    missing = [c for c in expected if c not in headers]
    if missing:
        raise ReferenceImportRefused(
            _("« %(name)s » : colonne(s) %(missing)s absente(s) ; colonnes attendues pour %(table)s : %(columns)s.")
            % {"name": file_name, "missing": ", ".join(f"« {c} »" for c in missing), "table": table.label,
               "columns": ", ".join(f.column_name for f in resource.get_import_fields())})


# --- jobs ------------------------------------------------------------------------------------------


def reference_import_create(*, files: list[tuple[str, bytes]], table: str | None = None, user=None) -> ReferenceImport:
    """A pending job holding the files (name, content). ``table`` names the table of every file;
    without it each file's name says it (``duty_rates.csv``). Files are put in load order."""
    tables = reference_tables()
    if not files:
        raise ReferenceImportRefused(_("Aucun fichier à importer."), field="file")
    order = list(tables)
    parts = []
    for name, content in files:
        if table:
            if table not in tables:
                raise ReferenceImportRefused(_("Table « %(table)s » inconnue.") % {"table": table}, field="table")
            chosen = tables[table]
        else:
            chosen = table_for_file(name)
            if chosen is None:
                raise ReferenceImportRefused(
                    _("« %(name)s » : table inconnue ; nommez le fichier d'après la table (%(tables)s) ou choisissez-la.")
                    % {"name": name, "tables": ", ".join(f"{t}.csv" for t in tables)}, field="table")
        parts.append((order.index(chosen.name), chosen.name, name, content))
    parts.sort(key=lambda p: p[0])
    with transaction.atomic():
        job = ReferenceImport.objects.create(created_by=user if user and user.is_authenticated else None)
        ReferenceImportFile.objects.bulk_create([
            ReferenceImportFile(job=job, position=i, table=t, file_name=name, content=content)
            for i, (_pos, t, name, content) in enumerate(parts)
        ])
    return job


def progress_key(job_id: int) -> str:
    return f"tariff:reference-import:{job_id}:progress"


def reference_import_progress(job: ReferenceImport) -> dict:
    """What the job page polls: status, rows done/total (from the cache while a task runs)."""
    done, total = job.rows_done, job.rows_total
    if job.running:
        live = cache.get(progress_key(job.pk))
        if live:
            done, total = live
    return {
        "id": job.pk, "status": job.status, "status_label": str(job.get_status_display()),
        "rows_done": done, "rows_total": total, "progress": int(100 * done / total) if total else 0,
        "errors": job.error_count, "finished": not job.running,
    }


def _format_errors(result, resource, line_offset: int = 1) -> list[dict]:
    """import-export's invalid rows and row errors → [{row, field, message}] (row = file line)."""
    errors = []
    for invalid in result.invalid_rows:
        for field, messages in invalid.error_dict.items():
            for message in messages:
                errors.append({"row": invalid.number + line_offset,
                               "field": None if field == NON_FIELD_ERRORS else field,
                               "message": " ".join(str(message).split())})
    for number, row_errors in result.row_errors():
        for error in row_errors:
            errors.append({"row": number + line_offset, "field": None, "message": str(error.error)})
    for error in result.base_errors:
        errors.append({"row": None, "field": None, "message": str(error.error)})
    errors.sort(key=lambda e: (e["row"] or 0))
    return errors


def error_text(error: dict, file_name: str = "") -> str:
    """``duty_rates.csv, ligne 3, colonne « rate » : nombre attendu…``"""
    where = [file_name] if file_name else []
    if error.get("row"):
        where.append(_("ligne %(row)s") % {"row": error["row"]})
    if error.get("field"):
        where.append(_("colonne « %(field)s »") % {"field": error["field"]})
    return f"{', '.join(where)} : {error['message']}" if where else error["message"]


class _Run:
    """Applies every file of a job in order, inside the caller's transaction."""

    def __init__(self, job: ReferenceImport, user=None, progress=None):
        self.job = job
        self.user = user
        self.progress = progress
        self.files = list(job.files.all())
        self.datasets = []
        for part in self.files:
            dataset = read_dataset(bytes(part.content), part.file_name)
            _check_columns(dataset, reference_tables()[part.table], part.file_name)
            self.datasets.append(dataset)
        self.total = sum(len(d) for d in self.datasets)

    def apply(self) -> list[dict]:
        reports, done_before = [], 0
        tables = reference_tables()
        for part, dataset in zip(self.files, self.datasets):
            resource = tables[part.table].resource_class()
            resource.history_user = self.user
            changes = []
            resource.change_log = changes
            offset = done_before
            if self.progress:
                resource.progress_callback = lambda n, offset=offset: self.progress(offset + n, self.total)
            result = resource.import_data(dataset, dry_run=False, raise_errors=False, use_transactions=True)
            done_before += len(dataset)
            if self.progress:
                self.progress(done_before, self.total)
            totals = result.totals
            errors = _format_errors(result, resource)
            reports.append({
                "table": part.table, "label": tables[part.table].label, "file_name": part.file_name,
                "total": len(dataset), "new": totals.get("new", 0), "update": totals.get("update", 0),
                "skip": totals.get("skip", 0), "errors": errors[:MAX_REPORTED_ERRORS],
                "error_total": len(errors), "changes": changes[:MAX_REPORTED_CHANGES],
            })
        return reports


def _progress_writer(job_id: int):
    def write(done: int, total: int) -> None:
        cache.set(progress_key(job_id), (done, total), PROGRESS_TIMEOUT)
    return write


def _start(job_id: int, expected: str, running: str) -> ReferenceImport | None:
    """Moves the job to ``running`` (committed at once, so the page sees it) if it is still in
    the ``expected`` state; ``None`` when another task took it (a task delivered twice)."""
    with transaction.atomic():
        job = ReferenceImport.objects.select_for_update().get(pk=job_id)
        if job.status != expected:
            return None
        job.status = running
        job.save(update_fields=["status"])
    return job


def _fail(job: ReferenceImport, message: str) -> ReferenceImport:
    job.status = ReferenceImport.Status.FAILED
    job.error = message
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error", "finished_at"])
    return job


def _figures(reports) -> tuple[int, int]:
    total = sum(r["total"] for r in reports)
    return total, total


def reference_import_preview(*, job_id: int, progress=None) -> ReferenceImport:
    """Dry run: every file applied in order (a rate file sees the lines of the file before it),
    then everything rolled back. Records created / updated / unchanged and the bad rows."""
    job = _start(job_id, ReferenceImport.Status.PENDING, ReferenceImport.Status.PREVIEWING)
    if job is None:
        return ReferenceImport.objects.get(pk=job_id)
    writers = [_progress_writer(job.pk)] + ([progress] if progress else [])
    try:
        run = _Run(job, progress=lambda d, t: [w(d, t) for w in writers])
        with transaction.atomic():
            reports = run.apply()
            transaction.set_rollback(True)
    except ReferenceImportRefused as exc:
        return _fail(job, exc.message)
    job.status = ReferenceImport.Status.PREVIEWED
    job.result = {"files": reports}
    job.rows_done, job.rows_total = _figures(reports)
    job.previewed_at = timezone.now()
    job.save(update_fields=["status", "result", "rows_done", "rows_total", "previewed_at"])
    return job


def reference_import_request_confirm(*, job: ReferenceImport, user=None) -> ReferenceImport:
    """Checks the job may be confirmed (previewed, no bad row) and records who asked."""
    if job.status != ReferenceImport.Status.PREVIEWED:
        raise ReferenceImportRefused(_("Seul un import dont l'aperçu est prêt peut être confirmé."))
    if job.error_count:
        raise ReferenceImportRefused(_("L'aperçu contient des lignes en erreur : corrigez le fichier et relancez l'import."))
    job.confirmed_by = user if user and user.is_authenticated else None
    job.save(update_fields=["confirmed_by"])
    return job


def reference_import_confirm(*, job_id: int, progress=None) -> ReferenceImport:
    """Applies every file in one transaction: all rows or none (a row that became bad since the
    preview rolls everything back and the job fails naming it)."""
    from .selectors import bump_reference_version

    job = ReferenceImport.objects.get(pk=job_id)
    if job.error_count:
        return _fail(job, _("L'aperçu contient des lignes en erreur : rien n'a été écrit."))
    job = _start(job_id, ReferenceImport.Status.PREVIEWED, ReferenceImport.Status.CONFIRMING)
    if job is None:
        return ReferenceImport.objects.get(pk=job_id)
    writers = [_progress_writer(job.pk)] + ([progress] if progress else [])
    try:
        run = _Run(job, user=job.confirmed_by or job.created_by, progress=lambda d, t: [w(d, t) for w in writers])
        with transaction.atomic():
            reports = run.apply()
            bad = [(r["file_name"], e) for r in reports for e in r["errors"]]
            if bad:
                transaction.set_rollback(True)
            else:
                bump_reference_version()
    except ReferenceImportRefused as exc:
        return _fail(job, exc.message)
    job.refresh_from_db()
    job.result = {**job.result, "applied": reports}
    job.rows_done, job.rows_total = _figures(reports)
    job.save(update_fields=["result", "rows_done", "rows_total"])
    if bad:
        file_name, error = bad[0]
        return _fail(job, _("Import annulé, rien n'a été écrit — %(error)s") % {"error": error_text(error, file_name)})
    job.status = ReferenceImport.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    return job


def reference_import_from_paths(paths, *, table: str | None = None, user=None) -> ReferenceImport:
    return reference_import_create(files=[(Path(p).name, Path(p).read_bytes()) for p in paths], table=table, user=user)


def upload_bytes(uploaded) -> bytes:
    buffer = io.BytesIO()
    for chunk in uploaded.chunks():
        buffer.write(chunk)
    return buffer.getvalue()
