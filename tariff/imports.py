"""Reference-data import jobs (issue 18): read a CSV or XLSX as French Excel writes it, preview
what it would change (nothing written), confirm it in one transaction.

- ``read_table``: XLSX, or CSV in UTF-8 (with or without BOM) or Windows-1252, its delimiter
  sniffed (``;`` from French Excel, ``,``, tab); formula quotes taken off (``tariff.kit.spreadsheets``).
- ``reference_import_create`` → ``reference_import_preview`` → ``reference_import_confirm``:
  the preview checks every row against ONE read of each table and writes nothing; the confirm
  checks the same way, then writes only the rows that change, in bulk with their history rows
  (``_Run``). The job record (``ReferenceImport``) tracks status, progress and the preview; the Celery tasks
  (``tariff.tasks``) are thin wrappers around the last two. Progress is written to the cache as
  well: the job row is inside the running transaction, invisible to the page that polls.
- Every bad row is reported with its line in the file (the header is line 1), its column and a
  French message; a job with bad rows cannot be confirmed, and a confirm that meets one writes
  nothing.
"""
from __future__ import annotations

import csv
import io
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import tablib
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .import_jobs import ReferenceImport, ReferenceImportFile
from .kit.errors import DomainError
from .kit.reference_registry import registered_reference_files
from .kit.resources import KeyedInstanceLoader, LookupWidget
from .kit.spreadsheets import SafeXLSX, restore
from .kit.sql import copy_history, history_copy_sql
from .selectors import bump_reference_version, current_reference_version, lock_reference_version
from .signals import REFERENCE_MODELS

MAX_REPORTED_ERRORS = 200  # per file: a broken column would otherwise list 17,000 times the same thing
MAX_REPORTED_CHANGES = 200  # rows shown in the preview table, per file
PROGRESS_TIMEOUT = 6 * 3600
CHECK_SHARE = 0.5  # of a confirm's progress bar: checking the rows, then writing them
VERSIONED_MODELS = frozenset(REFERENCE_MODELS)  # every write to them moves the reference-data version


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
    """Every table an app registered (``tariff.kit.reference_registry``), in load order."""
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


def read_table(content: bytes, file_name: str) -> tuple[list[str], list[tuple]]:
    """The file's header (stripped) and rows; a file that cannot be read is refused in French.
    A CSV is read with the ``csv`` module straight into tuples (tablib checks every row it
    appends: seconds for a national tariff), as tablib reads it: empty rows left out, short rows
    padded, formula quotes taken off."""
    if file_name.lower().endswith((".xlsx", ".xlsm")):
        try:
            dataset = SafeXLSX().create_dataset(content)
        except Exception as exc:  # openpyxl says "File is not a zip file" and the like
            raise ReferenceImportRefused(
                _("« %(name)s » n'est pas un classeur XLSX lisible.") % {"name": file_name}) from exc
        return [str(h or "").strip() for h in (dataset.headers or [])], list(dataset)
    text = _decode(content)
    if not text.strip():
        raise ReferenceImportRefused(_("« %(name)s » est vide.") % {"name": file_name})
    try:
        reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text))
        headers = [h.strip() for h in next(reader)]
        width, rows = len(headers), []
        for row in reader:
            if not row:
                continue
            if len(row) > width:
                raise ReferenceImportRefused(
                    _("« %(name)s », ligne %(row)s : %(found)s colonnes pour %(width)s en-têtes.")
                    % {"name": file_name, "row": reader.line_num, "found": len(row), "width": width})
            if len(row) < width:
                row += [""] * (width - len(row))
            rows.append(tuple(restore(cell) if cell[:1] == "'" else cell for cell in row))
    except csv.Error as exc:
        raise ReferenceImportRefused(
            _("« %(name)s » n'est pas un fichier CSV lisible.") % {"name": file_name}) from exc
    return headers, rows


def read_dataset(content: bytes, file_name: str) -> tablib.Dataset:
    """The file as a tablib dataset (``read_table``)."""
    headers, rows = read_table(content, file_name)
    return tablib.Dataset(*rows, headers=headers)


def _check_columns(headers: list[str], table: ReferenceTable, file_name: str) -> None:
    resource = table.resource_class()
    expected = [resource.fields[name].column_name for name in resource.get_import_id_fields()]
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
        "id": job.pk, "status": job.status, "status_label": job.status_label,
        "rows_done": done, "rows_total": total, "progress": int(100 * done / total) if total else 0,
        "errors": job.error_count, "finished": not job.running,
    }


def error_text(error: dict, file_name: str = "") -> str:
    """``duty_rates.csv, ligne 3, colonne « rate » : nombre attendu…``"""
    where = [file_name] if file_name else []
    if error.get("row"):
        where.append(_("ligne %(row)s") % {"row": error["row"]})
    if error.get("field"):
        where.append(_("colonne « %(field)s »") % {"field": error["field"]})
    return f"{', '.join(where)} : {error['message']}" if where else error["message"]


@dataclass
class _FilePlan:
    """One file checked: the rows to create and to update (instances ready to be written),
    the unchanged rows counted, the bad rows reported."""

    part: ReferenceImportFile
    table: ReferenceTable
    resource: object
    total: int
    new: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    skipped: int = 0
    errors: list = field(default_factory=list)
    changes: list = field(default_factory=list)

    def report(self) -> dict:
        return {
            "table": self.part.table, "label": self.table.label, "file_name": self.part.file_name,
            "total": self.total, "new": len(self.new), "update": len(self.updated), "skip": self.skipped,
            "errors": self.errors[:MAX_REPORTED_ERRORS], "error_total": len(self.errors),
            "changes": self.changes[:MAX_REPORTED_CHANGES],
        }


def _row_errors(exc: ValidationError, number: int, named: dict[str, str] | None = None) -> list[dict]:
    """A row's ``ValidationError`` (keyed by column) → [{row, field, message}] (row = file line;
    field = the column as the file heads it, ``named``)."""
    named = named or {}
    if not hasattr(exc, "error_dict"):
        return [{"row": number + 1, "field": None, "message": " ".join(m.split())} for m in exc.messages]
    return [{"row": number + 1, "field": None if column == NON_FIELD_ERRORS else named.get(column, column),
             "message": " ".join(str(message).split())}
            for column, messages in exc.message_dict.items() for message in messages]


class _Run:
    """Checks every file of a job in order — one read of each table, every row compared with
    the row it would change, nothing written — then, for a confirm, writes the rows to create
    and update in bulk with their history rows (unchanged rows are not written at all).

    A later file sees the rows an earlier file creates (a rate file and the new lines it
    rates) without their being written: its lookups are primed with them."""

    WRITE_BATCH = 1000

    def __init__(self, job: ReferenceImport, user=None, progress=None):
        self.job = job
        self.user = user
        self.progress = progress
        self.files = list(job.files.all())
        self.tables = []  # (column names, rows) per file
        self.file_headers: list[dict[str, str]] = []  # column name → the file's own header, per file
        for part in self.files:
            headers, rows = read_table(bytes(part.content), part.file_name)
            table = reference_tables()[part.table]
            # French headers (an export) or column names (the shipped files): column names from here on
            columns = table.resource_class().column_names(headers)
            _check_columns(columns, table, part.file_name)
            self.tables.append((columns, rows))
            self.file_headers.append(dict(zip(columns, headers)))  # errors name a column as the file heads it
        self.total = sum(len(rows) for _headers, rows in self.tables)
        self.plans: list[_FilePlan] = []

    def _tell(self, done: int) -> None:
        if self.progress:
            self.progress(min(done, self.total), self.total)

    def check(self, *, share: float = 1.0) -> list[_FilePlan]:
        """Every file checked; progress runs from 0 to ``share`` of the rows."""
        tables = reference_tables()
        pending: dict[type, list] = {}  # model → rows an earlier file creates
        done_before = 0
        for part, (headers, rows), named in zip(self.files, self.tables, self.file_headers):
            plan = self._check_file(part, tables[part.table], headers, rows, pending, named,
                                    lambda n, offset=done_before: self._tell(int((offset + n) * share)))
            done_before += len(rows)
            self._tell(int(done_before * share))
            pending.setdefault(plan.table.model, []).extend(plan.new)
            self.plans.append(plan)
        return self.plans

    def _check_file(self, part, table: ReferenceTable, headers, rows, pending, named, progress) -> _FilePlan:
        resource = table.resource_class()
        resource.history_user = self.user
        resource.before_import(None)
        model = table.model
        opts = model._meta
        fields = [f for f in resource.get_import_fields()
                  if f.attribute and not f.readonly and f.column_name in headers]
        if any("__" in f.attribute for f in fields):
            raise ReferenceImportRefused(_("Colonne de table liée non prise en charge par l'import."))
        # (field, attribute, attname of a foreign key or None): a parent is compared by its id
        compared = []
        for f in fields:
            if isinstance(f.widget, LookupWidget):
                f.widget.prime(pending.get(f.widget.model, ()))
            model_field = opts.get_field(f.attribute)
            compared.append((f, f.attribute, model_field.attname if model_field.is_relation else None))
        id_attributes = [resource.fields[name].attribute for name in resource.get_import_id_fields()]
        existing = KeyedInstanceLoader(resource).load(select_related=False)
        plan = _FilePlan(part=part, table=table, resource=resource, total=len(rows))
        every = resource.progress_every
        for number, cells in enumerate(rows, 1):
            row = dict(zip(headers, cells))
            if number % every == 0:
                progress(number)
            resource._row_number = number
            values, errors = {}, {}
            for f, attribute, _attname in compared:
                try:
                    value = f.clean(row)
                except ValueError as exc:
                    errors[attribute] = [ValidationError(str(exc), code="invalid")]
                    continue
                if value is not None or f.saves_null_values:
                    values[attribute] = value
            if any(a in errors for a in id_attributes):
                plan.errors.extend(_row_errors(ValidationError(resource._by_column(errors)), number, named))
                continue
            key = tuple(
                (v.pk if v.pk is not None else ("unsaved", id(v))) if isinstance(v, models.Model) else v
                for v in (values.get(a) for a in id_attributes))
            instance = existing.get(key)
            new = instance is None
            if new:
                instance = model(**values)
            else:
                changed = bool(errors) or any(
                    (getattr(instance, attname) != (None if values[attribute] is None else values[attribute].pk))
                    if attname else getattr(instance, attribute) != values[attribute]
                    for _f, attribute, attname in compared if attribute in values)
                if not changed:
                    try:
                        resource._check_duplicate_key(instance, key)
                    except ValidationError as exc:
                        plan.errors.extend(_row_errors(exc, number, named))
                        continue
                    plan.skipped += 1
                    continue
                for attribute, value in values.items():
                    setattr(instance, attribute, value)
            try:
                resource.validate_instance(instance, errors, key=key)
            except ValidationError as exc:
                plan.errors.extend(_row_errors(exc, number, named))
                continue
            (plan.new if new else plan.updated).append(instance)
            if len(plan.changes) < MAX_REPORTED_CHANGES:
                plan.changes.append({"row": number + 1, "action": "new" if new else "update", "label": str(instance)})
        plan.errors.sort(key=lambda e: e["row"] or 0)
        return plan

    def write(self, *, start_share: float) -> None:
        """The checked rows written, file after file (a rate's new line gets its id before the
        rate is inserted), in batches, each with its history row."""
        to_write = sum(len(p.new) + len(p.updated) for p in self.plans) or 1
        written = 0
        for plan in self.plans:
            resource, model = plan.resource, plan.table.model
            for instance in plan.updated + plan.new:
                resource.prepare_write(instance)
            history_sql = history_copy_sql(model)
            fields = resource.get_bulk_update_fields()
            # changed rows first: a period closed by the file frees the dates of its new period
            # (PostgreSQL's exclusion constraint checks each statement)
            for kind, instances in (("~", plan.updated), ("+", plan.new)):
                for batch in _batches(instances, self.WRITE_BATCH):
                    if history_sql is None:  # a history model with columns of its own: simple-history's helpers
                        if kind == "+":
                            bulk_create_with_history(batch, model, batch_size=self.WRITE_BATCH, default_user=self.user)
                        else:
                            bulk_update_with_history(batch, model, fields, batch_size=self.WRITE_BATCH,
                                                     default_user=self.user)
                    else:
                        if kind == "+":
                            model._default_manager.bulk_create(batch, batch_size=self.WRITE_BATCH)
                        else:
                            model._default_manager.bulk_update(batch, fields, batch_size=self.WRITE_BATCH)
                        self._copy_history(history_sql, kind, [obj.pk for obj in batch])
                    written += len(batch)
                    self._tell(int(self.total * (start_share + (1 - start_share) * written / to_write)))
        self._tell(self.total)

    def _copy_history(self, sql: str, kind: str, pks: list) -> None:
        for batch in _batches(pks, self.WRITE_BATCH):
            copy_history(sql, kind=kind, pks=batch, user=self.user)

    def reports(self) -> list[dict]:
        return [plan.report() for plan in self.plans]

    # --- the checked rows kept from the preview to the confirm --------------------------------

    def save_checked(self, version: int) -> None:
        """The rows to create and update, every column's value, kept with the job: a parent the
        job creates is noted by its place (file, row) — it has no id until the confirm writes it."""
        places = {id(obj): [f, n] for f, plan in enumerate(self.plans) for n, obj in enumerate(plan.new)}
        for part, plan in zip(self.files, self.plans):
            concrete = plan.table.model._meta.concrete_fields
            rows = []
            for kind, instances in (("new", plan.new), ("update", plan.updated)):
                for instance in instances:
                    values = {}
                    for f in concrete:
                        value = getattr(instance, f.attname)
                        if value is None and f.is_relation:
                            parent = f.get_cached_value(instance, None)
                            if parent is not None:
                                value = {"place": places[id(parent)]}
                        values[f.attname] = value
                    rows.append([kind, values])
            part.checked_rows = zlib.compress(json.dumps(rows, cls=DjangoJSONEncoder).encode("utf-8"), 1)
        ReferenceImportFile.objects.bulk_update(self.files, ["checked_rows"])
        ReferenceImport.objects.filter(pk=self.job.pk).update(checked_version=version)

    def load_checked(self) -> bool:
        """The plans rebuilt from the preview's checked rows (no row checked again); ``False``
        when a file has none kept, or is of a table whose writes do not move the reference-data
        version (``tariff.signals``): a change since the preview would go unseen."""
        tables = reference_tables()
        if any(part.checked_rows is None or tables[part.table].model not in VERSIONED_MODELS for part in self.files):
            return False  # a table whose writes do not move the version: its rows are checked again
        self.plans = []
        for part, (_headers, rows) in zip(self.files, self.tables):
            table = tables[part.table]
            model = table.model
            fields = {f.attname: f for f in model._meta.concrete_fields}
            plan = _FilePlan(part=part, table=table, resource=table.resource_class(), total=len(rows))
            for kind, values in json.loads(zlib.decompress(bytes(part.checked_rows))):
                instance = model()
                for attname, value in values.items():
                    if isinstance(value, dict):
                        file_index, row_index = value["place"]
                        setattr(instance, fields[attname].name, self.plans[file_index].new[row_index])
                    else:
                        setattr(instance, attname, fields[attname].to_python(value))
                if kind == "update":
                    instance._state.adding = False
                (plan.new if kind == "new" else plan.updated).append(instance)
            plan.skipped = len(rows) - len(plan.new) - len(plan.updated)
            self.plans.append(plan)
        return True


def _batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


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
        job.rows_done = 0
        job.save(update_fields=["status", "rows_done"])
    cache.delete(progress_key(job_id))  # not the previous step's last figure
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
    """Every file checked in order (a rate file sees the lines of the file before it), nothing
    written. Records created / updated / unchanged and the bad rows."""
    job = _start(job_id, ReferenceImport.Status.PENDING, ReferenceImport.Status.PREVIEWING)
    if job is None:
        return ReferenceImport.objects.get(pk=job_id)
    writers = [_progress_writer(job.pk)] + ([progress] if progress else [])
    try:
        version = current_reference_version()
        run = _Run(job, progress=lambda d, t: [w(d, t) for w in writers])
        run.check()
        reports = run.reports()
        if not any(r["error_total"] for r in reports):
            run.save_checked(version)
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
    if job.confirm_requested:
        raise ReferenceImportRefused(_("Cet import est déjà demandé : il démarre dès qu'un traitement se libère."))
    job.confirmed_by = user if user and user.is_authenticated else None
    job.rows_done = 0  # the bar starts again from 0 for the writing (the preview's 100 % is done)
    job.save(update_fields=["confirmed_by", "rows_done"])
    cache.delete(progress_key(job.pk))
    return job


def reference_import_confirm(*, job_id: int, progress=None) -> ReferenceImport:
    """Applies every file in one transaction: all rows or none (a row that became bad since the
    preview rolls everything back and the job fails naming it)."""
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
            # Nothing written to the reference data since the preview: its checked rows are
            # written as they are; otherwise every row is checked again.
            reused = job.checked_version == lock_reference_version() and run.load_checked()
            if not reused:
                run.check(share=CHECK_SHARE)
            reports = run.reports()
            bad = [(r["file_name"], e) for r in reports for e in r["errors"]]
            if not bad:
                run.write(start_share=0.0 if reused else CHECK_SHARE)
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
    job.files.update(checked_rows=None)  # written: the preview's rows are of no further use
    return job


def reference_import_from_paths(paths, *, table: str | None = None, user=None) -> ReferenceImport:
    return reference_import_create(files=[(Path(p).name, Path(p).read_bytes()) for p in paths], table=table, user=user)


def upload_bytes(uploaded) -> bytes:
    buffer = io.BytesIO()
    for chunk in uploaded.chunks():
        buffer.write(chunk)
    return buffer.getvalue()
