"""Issue 22: documents annexed to a declaration — upload on its page (PDF, JPEG, PNG checked
by extension and leading bytes, size limit), list, download to those who may read it only."""
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from declarations.documents import declaration_document_add
from declarations.models import AnnexedDocument, Declaration
from declarations.tests.factories import make_declaration
from tariff.kit.uploads import UploadRefused

from .helpers import messages_of, text

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def upload(client, declaration, *, name="facture.pdf", content=PDF, **fields):
    data = {"kind": "invoice", "reference": "FAC-2024-001", "file": SimpleUploadedFile(name, content), **fields}
    return client.post(reverse("declarations:document-add", args=[declaration.pk]), data)


def test_upload_an_invoice_then_download_it(broker):
    declaration = make_declaration()
    response = upload(broker, declaration)
    assert response.status_code == 302
    document = AnnexedDocument.objects.get(declaration=declaration)
    page = broker.get(reverse("declarations:detail", args=[declaration.pk]))
    html = text(page)
    assert "Document Facture commerciale FAC-2024-001 annexé." in messages_of(page)
    url = reverse("declarations:document-download", args=[declaration.pk, document.pk])
    assert url in html and "/media/" not in html and 'enctype="multipart/form-data"' in html
    download = broker.get(url)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_png_scan_is_accepted(broker):
    declaration = make_declaration()
    assert upload(broker, declaration, name="bl.png", content=PNG, kind="transport").status_code == 302
    document = AnnexedDocument.objects.get()
    assert broker.get(reverse("declarations:document-download",
                              args=[declaration.pk, document.pk]))["Content-Type"] == "image/png"


def test_a_renamed_executable_is_refused_and_nothing_written(broker, media_root):
    declaration = make_declaration()
    response = upload(broker, declaration, content=b"MZ\x90\x00\x03\x00\x00\x00")
    assert response.status_code == 200
    assert response.context["document_form"].errors["file"] == [
        "Le contenu du fichier n'est pas un PDF : seuls les fichiers PDF, JPEG ou PNG sont acceptés."]
    assert not AnnexedDocument.objects.exists() and not any(media_root.rglob("*"))


@override_settings(DOCUMENT_MAX_BYTES=1024)
def test_a_file_over_the_limit_is_refused(broker):
    response = upload(broker, make_declaration(), content=PDF + b"0" * 2048)
    assert "Fichier trop volumineux" in response.context["document_form"].errors["file"][0]
    assert not AnnexedDocument.objects.exists()


def test_an_empty_file_is_refused(broker):
    response = upload(broker, make_declaration(), content=b"")
    assert response.status_code == 200 and response.context["document_form"].errors["file"]
    assert not AnnexedDocument.objects.exists()


def test_the_service_checks_the_file_too():
    with pytest.raises(UploadRefused) as exc:
        declaration_document_add(declaration=make_declaration(), kind="invoice", reference="F-1",
                                 file=ContentFile(b"MZ\x90\x00", name="f.pdf"))
    assert exc.value.code == "upload_bad_type"


def test_no_document_on_a_cancelled_declaration(broker):
    declaration = make_declaration()
    Declaration.objects.filter(pk=declaration.pk).update(status=Declaration.Status.CANCELLED)
    assert 'id="add-document"' not in text(broker.get(reverse("declarations:detail", args=[declaration.pk])))
    response = upload(broker, declaration)
    assert "Déclaration annulée" in " ".join(response.context["document_form"].non_field_errors())
    assert not AnnexedDocument.objects.exists()


def test_download_roles(broker, client):
    from conftest import make_user
    from tariff.kit.roles import AUDITOR, BANK_USER

    declaration = make_declaration()
    document = declaration_document_add(declaration=declaration, kind="invoice", reference="F-1",
                                        file=ContentFile(PDF, name="f.pdf"))
    url = reverse("declarations:document-download", args=[declaration.pk, document.pk])
    assert broker.get(url).status_code == 200
    assert broker.get(reverse("declarations:document-download", args=[make_declaration().pk, document.pk])
                      ).status_code == 404
    client.force_login(make_user("bank-doc", BANK_USER))
    assert client.get(url).status_code == 403
    client.force_login(make_user("audit-doc", AUDITOR))
    assert client.get(url).status_code == 200
    assert client.post(reverse("declarations:document-add", args=[declaration.pk]),
                       {"kind": "invoice", "reference": "X", "file": SimpleUploadedFile("x.pdf", PDF)}
                       ).status_code == 403


def test_a_document_without_file_is_listed_without_a_link(broker):
    declaration = make_declaration()
    AnnexedDocument.objects.create(declaration=declaration, kind="origin", reference="EUR.1-778")
    html = text(broker.get(reverse("declarations:detail", args=[declaration.pk])))
    assert "EUR.1-778" in html and "non déposé" in html
