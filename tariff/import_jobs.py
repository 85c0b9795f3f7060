"""Reference-data imports run as jobs (issue 18): the uploaded files are kept in the database
(the web process and the Celery worker share nothing else), a first task previews them (every
row checked, nothing written) and records what would change, a second task
applies them in one transaction. Services in ``tariff.imports``, tasks in ``tariff.tasks``."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferenceImport(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        PREVIEWING = "previewing", _("Aperçu en cours")
        PREVIEWED = "previewed", _("Aperçu prêt")
        CONFIRMING = "confirming", _("Import en cours")
        DONE = "done", _("Importé")
        FAILED = "failed", _("Échec")

    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PENDING)
    rows_total = models.PositiveIntegerField(_("lignes à traiter"), default=0)
    rows_done = models.PositiveIntegerField(_("lignes traitées"), default=0)
    # {"files": [{"table", "file_name", "total", "new", "update", "skip", "errors": [{"row", "field",
    # "message"}], "changes": [{"row", "action", "label"}]}]} — the preview, then the confirm's figures.
    result = models.JSONField(_("résultat"), default=dict, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True,
        verbose_name=_("lancé par"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    previewed_at = models.DateTimeField(_("aperçu le"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True,
        verbose_name=_("confirmé par"),
    )
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    # The reference-data version the preview checked the rows against: while it has not moved,
    # the confirm writes the rows the preview checked (``ReferenceImportFile.checked_rows``).
    checked_version = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        app_label = "tariff"
        ordering = ("-created_at",)
        verbose_name = _("import de données de référence")
        verbose_name_plural = _("imports de données de référence")

    def __str__(self) -> str:
        names = ", ".join(f.file_name for f in self.files.all())
        return f"Import n° {self.pk} ({names})" if self.pk else "Import"

    @property
    def progress(self) -> int:
        """Percent of rows processed (0–100)."""
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0

    @property
    def error_count(self) -> int:
        return sum(len(f.get("errors", ())) for f in self.result.get("files", ()))

    @property
    def confirm_requested(self) -> bool:
        """Confirmed on the page, the task not started yet (a worker may be busy)."""
        return self.status == self.Status.PREVIEWED and self.confirmed_by_id is not None

    @property
    def can_confirm(self) -> bool:
        return self.status == self.Status.PREVIEWED and not self.error_count and not self.confirm_requested

    @property
    def running(self) -> bool:
        return (self.status in (self.Status.PENDING, self.Status.PREVIEWING, self.Status.CONFIRMING)
                or self.confirm_requested)

    @property
    def status_label(self) -> str:
        return str(_("Import demandé")) if self.confirm_requested else str(self.get_status_display())


class ReferenceImportFile(models.Model):
    """One file of a job, applied in ``position`` order (tariff lines before their rates)."""

    job = models.ForeignKey(ReferenceImport, on_delete=models.CASCADE, related_name="files", verbose_name=_("import"))
    position = models.PositiveSmallIntegerField(_("rang dans l'import"), default=0)
    table = models.CharField(_("table de référence"), max_length=60)
    file_name = models.CharField(_("fichier"), max_length=255)
    content = models.BinaryField(_("contenu"))
    # The preview's checked rows to create and update (zlib-compressed JSON, ``tariff.imports``).
    checked_rows = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        app_label = "tariff"
        ordering = ("job", "position")
        verbose_name = _("fichier importé")
        verbose_name_plural = _("fichiers importés")

    def __str__(self) -> str:
        return self.file_name
