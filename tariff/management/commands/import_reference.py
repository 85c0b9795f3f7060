"""Import reference-data files (CSV or XLSX) as a job: preview, then ``--confirm`` to apply.

    manage.py import_reference tariff_lines.csv duty_rates.csv --confirm
    manage.py import_reference taux.xlsx --table duty_rates

The job is the admin's (Imports de données de référence): the same preview, the same atomic
confirm. Exits non-zero naming the first bad row (file, line, column)."""
import sys
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from tariff.import_jobs import ReferenceImport
from tariff.imports import (
    ReferenceImportRefused,
    error_text,
    reference_import_confirm,
    reference_import_from_paths,
    reference_import_preview,
    reference_import_request_confirm,
    reference_tables,
)


class Command(BaseCommand):
    help = "Importe des fichiers de données de référence (CSV ou XLSX) : aperçu, puis --confirm pour appliquer."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="fichiers CSV ou XLSX (le nom dit la table : duty_rates.csv)")
        parser.add_argument("--table", choices=list(reference_tables()), help="table de tous les fichiers")
        parser.add_argument("--confirm", action="store_true", help="appliquer l'import (sinon : aperçu seulement)")
        parser.add_argument("--user", help="identifiant de l'utilisateur noté dans l'historique")

    def _progress(self, label):
        last = {"at": 0.0}

        def show(done, total):
            now = time.monotonic()
            if done < total and now - last["at"] < 0.5:
                return
            last["at"] = now
            percent = int(100 * done / total) if total else 100
            self.stdout.write(f"\r{label} : {done}/{total} lignes ({percent} %)", ending="")
            self.stdout.flush()
            if done >= total:
                self.stdout.write("")
        return show

    def handle(self, *args, **options):
        started = time.perf_counter()
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"Utilisateur « {options['user']} » inconnu.")
        try:
            job = reference_import_from_paths(options["files"], table=options["table"], user=user)
        except (ReferenceImportRefused, OSError) as exc:
            raise CommandError(getattr(exc, "message", str(exc))) from exc
        job = reference_import_preview(job_id=job.pk, progress=self._progress("Aperçu"))
        self._fail_if_failed(job)
        for report in job.result["files"]:
            self.stdout.write(
                f"{report['file_name']} ({report['label']}) : {report['total']} lignes — {report['new']} à créer, "
                f"{report['update']} à modifier, {report['skip']} inchangées, {report['error_total']} en erreur")
        errors = [(r["file_name"], e) for r in job.result["files"] for e in r["errors"]]
        if errors:
            for file_name, error in errors[:20]:
                self.stderr.write(error_text(error, file_name))
            file_name, first = errors[0]
            raise CommandError(f"Import refusé, rien n'a été écrit — {error_text(first, file_name)}")
        if not options["confirm"]:
            self.stdout.write(f"Aperçu seulement (import n° {job.pk}) : relancez avec --confirm pour appliquer.")
            return
        reference_import_request_confirm(job=job, user=user)
        job = reference_import_confirm(job_id=job.pk, progress=self._progress("Import"))
        self._fail_if_failed(job)
        applied = job.result["applied"]
        self.stdout.write(self.style.SUCCESS(
            f"Import n° {job.pk} appliqué : {sum(r['new'] for r in applied)} créées, "
            f"{sum(r['update'] for r in applied)} modifiées, {sum(r['skip'] for r in applied)} inchangées "
            f"en {time.perf_counter() - started:.1f} s."))

    def _fail_if_failed(self, job):
        if job.status == ReferenceImport.Status.FAILED:
            sys.stdout.flush()
            raise CommandError(f"Import refusé, rien n'a été écrit — {job.error}")
