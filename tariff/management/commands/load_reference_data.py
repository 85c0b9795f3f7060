"""Load the tariff reference data shipped with the application (idempotent)."""
import time

from django.core.management.base import BaseCommand, CommandError

from tariff.services import ReferenceImportError, reference_data_import


class Command(BaseCommand):
    help = "Charge les données de référence (tarif, TIC, TVA, codes franchise, cours de change) depuis les CSV."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=None, help="dossier des fichiers CSV (défaut : data/ de chaque application)")
        parser.add_argument("--file", action="append", dest="files", help="ne charger que ce fichier (répétable)")

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            reports = reference_data_import(directory=options["dir"], files=options["files"])
        except ReferenceImportError as exc:
            raise CommandError(f"Import refusé, rien n'a été écrit — {exc.message}") from exc
        for r in reports:
            self.stdout.write(f"{r.file}: {r.total} lignes ({r.new} créées, {r.updated} mises à jour, {r.skipped} inchangées)")
        self.stdout.write(self.style.SUCCESS(f"Données de référence chargées en {time.perf_counter() - started:.1f} s."))
