"""Uploaded documents (case documents, documents annexed to a declaration): what files are
accepted and how they are sent back. Part of the shared kit: no tariff domain code here.

- ``upload_refusal`` / ``check_upload``: PDF, JPEG or PNG only, checked by the name's
  extension AND by the file's leading bytes (a renamed ``.exe`` is refused), not empty, at most
  ``settings.DOCUMENT_MAX_BYTES``. Services call ``check_upload`` before anything is written;
  ``DocumentFileField`` shows the same French message next to the page's file field.
- ``download_response``: the file as an attachment with its content type and
  ``X-Content-Type-Options: nosniff``. Files are never served from ``MEDIA_URL`` (config/urls.py
  does not serve media): views check the user may see the case or declaration first.
"""
from __future__ import annotations

import math
import mimetypes
import os
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.conf import settings
from django.http import FileResponse, Http404

from .errors import DomainError
from .numbers import format_plain


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str
    extensions: tuple[str, ...]
    signatures: tuple[bytes, ...]


FILE_TYPES = (
    FileType("PDF", "application/pdf", (".pdf",), (b"%PDF-",)),
    FileType("JPEG", "image/jpeg", (".jpg", ".jpeg"), (b"\xff\xd8\xff",)),
    FileType("PNG", "image/png", (".png",), (b"\x89PNG\r\n\x1a\n",)),
)
ACCEPT = ",".join(ext for kind in FILE_TYPES for ext in kind.extensions)  # the <input accept=…> hint
SIGNATURE_LENGTH = max(len(sig) for kind in FILE_TYPES for sig in kind.signatures)


class UploadRefused(DomainError):
    code = "upload_refused"


def format_size(size: int, *, round_up: bool = False) -> str:
    """``10485760`` → ``10 Mo``; ``2063`` → ``2 Ko`` (``2,1 Ko`` rounded up: a file just over
    the limit never reads as the limit itself)."""
    unit, divisor = ("Mo", 1024 * 1024) if size >= 1024 * 1024 else ("Ko", 1024)
    value = size / divisor
    value = math.ceil(value * 10) / 10 if round_up else round(value, 1)
    return f"{format_plain(Decimal(f'{value:.1f}'))} {unit}"


def file_type_of(name: str) -> FileType | None:
    extension = os.path.splitext(name or "")[1].lower()
    return next((kind for kind in FILE_TYPES if extension in kind.extensions), None)


def _leading_bytes(file) -> bytes:
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        head = file.read(SIGNATURE_LENGTH)
    finally:
        file.seek(position)
    return head or b""


def upload_refusal(file, *, field: str = "file") -> UploadRefused | None:
    """Why this uploaded file is refused (None: accepted)."""
    if not file:
        return UploadRefused("Aucun fichier joint.", field=field, code="upload_missing")
    size = getattr(file, "size", None) or 0
    if size <= 0:
        return UploadRefused("Le fichier est vide.", field=field, code="upload_empty")
    limit = settings.DOCUMENT_MAX_BYTES
    if size > limit:
        return UploadRefused(f"Fichier trop volumineux ({format_size(size, round_up=True)}) : {format_size(limit)} au maximum.",
                             field=field, code="upload_too_large")
    accepted = ", ".join(kind.label for kind in FILE_TYPES[:-1]) + f" ou {FILE_TYPES[-1].label}"
    kind = file_type_of(getattr(file, "name", ""))
    if kind is None:
        extension = os.path.splitext(getattr(file, "name", "") or "")[1].lower() or "sans extension"
        return UploadRefused(f"Type de fichier refusé ({extension}) : seuls les fichiers {accepted} sont acceptés.",
                             field=field, code="upload_bad_type")
    head = _leading_bytes(file)
    if not any(head.startswith(sig) for sig in kind.signatures):
        return UploadRefused(f"Le contenu du fichier n'est pas un {kind.label} : seuls les fichiers {accepted} "
                             f"sont acceptés.", field=field, code="upload_bad_type")
    return None


def check_upload(file, *, field: str = "file") -> FileType:
    """Raise ``UploadRefused`` for a refused file; return its type otherwise."""
    refusal = upload_refusal(file, field=field)
    if refusal is not None:
        raise refusal
    return file_type_of(file.name)


def upload_help_text() -> str:
    return f"PDF, JPEG ou PNG, {format_size(settings.DOCUMENT_MAX_BYTES)} au maximum."


class DocumentFileField(forms.FileField):
    """A page's file field with the checks of ``upload_refusal`` (same French messages); its
    help text states the accepted types and the size limit of the settings."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.FileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def __deepcopy__(self, memo):  # one copy per form instance: the limit as set now
        field = super().__deepcopy__(memo)
        field.help_text = upload_help_text()
        return field

    def clean(self, data, initial=None):
        file = super().clean(data, initial)
        if file:
            refusal = upload_refusal(file)
            if refusal is not None:
                raise forms.ValidationError(refusal.message, code=refusal.code)
        return file


def download_response(field_file, *, filename: str | None = None) -> FileResponse:
    """The stored file as an attachment (never rendered inline by the browser)."""
    name = filename or os.path.basename(field_file.name)
    kind = file_type_of(name)
    content_type = kind.content_type if kind else (mimetypes.guess_type(name)[0] or "application/octet-stream")
    try:
        field_file.open("rb")
    except (FileNotFoundError, ValueError) as exc:  # no file, or lost from the storage
        raise Http404("Fichier introuvable.") from exc
    response = FileResponse(field_file, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
