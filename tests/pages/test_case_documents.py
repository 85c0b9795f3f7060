"""Issue 22: documents on a case — upload (kind, title, file), list, download to those who
may read the case only, as an attachment; the lifecycle panel of the case page."""
import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from litigation.models import Case, CaseDocument
from litigation.tests.factories import CaseDocumentFactory, CaseFactory, case_with

from .helpers import messages_of, text

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def upload(client, case, *, name="pv.pdf", content=PDF, **fields):
    data = {"kind": "report", "title": "PV de constat n° 12/2024", "document_date": "2024-03-02",
            "file": SimpleUploadedFile(name, content), **fields}
    return client.post(reverse("litigation:case-document-add", args=[case.pk]), data)


def test_upload_a_pdf_then_see_it_listed(broker, media_root):
    case = case_with("297", "8°")
    response = upload(broker, case)
    assert response.status_code == 302
    document = CaseDocument.objects.get(case=case)
    assert document.kind == "report" and document.document_date == dt.date(2024, 3, 2)
    page = broker.get(reverse("litigation:case-detail", args=[case.pk]))
    html = text(page)
    assert "Document « PV de constat n° 12/2024 » déposé." in messages_of(page)
    assert reverse("litigation:case-document-download", args=[case.pk, document.pk]) in html
    assert "/media/" not in html
    assert 'enctype="multipart/form-data"' in html


def test_a_renamed_executable_is_refused_next_to_the_field_and_nothing_written(broker, media_root):
    case = CaseFactory()
    response = upload(broker, case, name="facture.pdf", content=b"MZ\x90\x00\x03\x00\x00\x00\x04\x00")
    assert response.status_code == 200
    assert response.context["document_form"].errors["file"] == [
        "Le contenu du fichier n'est pas un PDF : seuls les fichiers PDF, JPEG ou PNG sont acceptés."]
    assert 'class="field has-error"' in text(response)
    assert not CaseDocument.objects.exists() and not any(media_root.rglob("*"))


def test_an_exe_is_refused(broker):
    response = upload(broker, CaseFactory(), name="setup.exe")
    assert "Type de fichier refusé (.exe)" in response.context["document_form"].errors["file"][0]
    assert not CaseDocument.objects.exists()


@override_settings(DOCUMENT_MAX_BYTES=1024)
def test_a_file_over_the_limit_is_refused(broker, media_root):
    response = upload(broker, CaseFactory(), content=PDF + b"0" * 4096)
    assert response.context["document_form"].errors["file"] == ["Fichier trop volumineux (4,1 Ko) : 1 Ko au maximum."]
    assert not CaseDocument.objects.exists() and not any(media_root.rglob("*"))


def test_an_empty_file_is_refused(broker):
    response = upload(broker, CaseFactory(), content=b"")
    assert response.status_code == 200 and response.context["document_form"].errors["file"]
    assert not CaseDocument.objects.exists()


def test_no_upload_on_a_closed_case(broker):
    case = CaseFactory(status=Case.Status.CLOSED)
    assert 'id="add-document"' not in text(broker.get(reverse("litigation:case-detail", args=[case.pk])))
    response = upload(broker, case)
    assert response.status_code == 200
    assert "Dossier clôturé : il ne peut plus être modifié." in " ".join(
        response.context["document_form"].non_field_errors())
    assert not CaseDocument.objects.exists()


def test_auditor_cannot_upload(auditor):
    assert upload(auditor, CaseFactory()).status_code == 403
    assert not CaseDocument.objects.exists()


# --- download ------------------------------------------------------------------------------------

def download(client, document, case=None):
    return client.get(reverse("litigation:case-document-download", args=[(case or document.case).pk, document.pk]))


def test_broker_downloads_an_attachment_with_its_type_and_nosniff(broker):
    document = CaseDocumentFactory()
    response = download(broker, document)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_auditor_downloads_too(auditor):
    assert download(auditor, CaseDocumentFactory()).status_code == 200


def test_bank_user_and_editor_are_refused(bank, editor):
    document = CaseDocumentFactory()
    assert download(bank, document).status_code == 403
    assert download(editor, document).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = download(client, CaseDocumentFactory())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_document_of_another_case_is_not_found(broker):
    document = CaseDocumentFactory()
    assert download(broker, document, case=CaseFactory()).status_code == 404


def test_a_document_whose_file_is_lost_is_not_found(broker, media_root):
    document = CaseDocumentFactory()
    (media_root / document.file.name).unlink()
    assert download(broker, document).status_code == 404


def test_media_files_are_not_served_publicly(broker):
    document = CaseDocumentFactory()
    assert broker.get(f"/media/{document.file.name}").status_code == 404


# --- lifecycle panel -----------------------------------------------------------------------------

def test_reported_case_shows_the_steps_and_why_a_settlement_is_not_possible_yet(broker):
    case = case_with("297", "8°")
    html = text(broker.get(reverse("litigation:case-detail", args=[case.pk])))
    assert 'class="step step-current" data-status="reported" aria-current="step"' in html
    assert "Passez le dossier « En cours d&#x27;examen » pour enregistrer une transaction" in html
    assert 'data-confirm="Passer ce dossier « En cours d&#x27;examen » ?"' in html


def test_the_case_links_to_its_declaration(broker):
    from declarations.tests.factories import make_declaration

    declaration = make_declaration()
    case = CaseFactory(declaration=declaration)
    html = text(broker.get(reverse("litigation:case-detail", args=[case.pk])))
    assert f'href="{reverse("declarations:detail", args=[declaration.pk])}"' in html


def test_refused_transition_shows_its_reason(broker):
    case = CaseFactory(status=Case.Status.UNDER_REVIEW)
    response = broker.post(reverse("litigation:case-status", args=[case.pk]), {"to_status": "closed"})
    assert response.status_code == 200
    assert response.context["status_form"].errors["to_status"] == [(
        "Un dossier se clôture une fois réglé par transaction ou transmis au tribunal (statut actuel : « En cours "
        "d'examen »).")]
    assert "Un dossier se clôture une fois réglé par transaction" in text(response)
    case.refresh_from_db()
    assert case.status == Case.Status.UNDER_REVIEW


def test_auditor_sees_the_steps_but_no_actions(auditor):
    html = text(auditor.get(reverse("litigation:case-detail", args=[CaseFactory().pk])))
    assert 'id="case-steps"' in html and 'id="next-actions"' not in html and 'id="add-document"' not in html
