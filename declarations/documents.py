"""Documents annexed to a declaration, uploaded in the pages (CDII art. 74: the DUM and its
annexed documents form one document; from 2024-01-01 a required document not annexed is a
3rd-class contravention, art. 297-8°).

Write service (HackSoft style) and its one rule; the file checks (PDF, JPEG or PNG by
extension and leading bytes, ``settings.DOCUMENT_MAX_BYTES``) are the shared kit's
(``tariff.kit.uploads``), the same as for litigation case documents.
"""
from __future__ import annotations

from django.db import transaction

from tariff.kit.errors import DomainError
from tariff.kit.uploads import check_upload

from .models import AnnexedDocument, Declaration


class DocumentRefused(DomainError):
    code = "document_refused"


def declaration_document_refusal(declaration: Declaration) -> DomainError | None:
    """Why no document may be filed on the declaration now (None: it may)."""
    if declaration.status == Declaration.Status.CANCELLED:
        return DocumentRefused("Déclaration annulée : aucun document ne peut plus y être annexé.",
                               field="status", code="declaration_cancelled")
    return None


def declaration_document_add(*, declaration: Declaration, kind: str, reference: str, file) -> AnnexedDocument:
    """Annex an uploaded document (invoice, transport document, certificate…) to the declaration.
    Everything is checked before the file is written."""
    refusal = declaration_document_refusal(declaration)
    if refusal is not None:
        raise refusal
    check_upload(file)
    with transaction.atomic():
        document = AnnexedDocument(declaration=declaration, kind=kind, reference=reference.strip(), file=file)
        document.full_clean()
        document.save()
    return document
