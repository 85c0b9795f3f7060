"""The upload kit (tariff/kit/uploads.py): PDF, JPEG, PNG by extension and leading bytes, size limit."""
import pytest
from django.core.files.base import ContentFile
from django.test import override_settings

from tariff.kit.uploads import check_upload, upload_refusal

PDF = b"%PDF-1.4\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize("name, content, content_type", [
    ("pv.pdf", PDF, "application/pdf"), ("photo.JPG", JPEG, "image/jpeg"), ("photo.jpeg", JPEG, "image/jpeg"),
    ("scan.png", PNG, "image/png"),
])
def test_pdf_jpeg_png_are_accepted(name, content, content_type):
    assert check_upload(ContentFile(content, name=name)).content_type == content_type


def test_a_renamed_executable_is_refused_by_its_leading_bytes():
    refusal = upload_refusal(ContentFile(b"MZ\x90\x00\x03\x00\x00\x00", name="facture.pdf"))
    assert refusal.code == "upload_bad_type"
    assert refusal.message == ("Le contenu du fichier n'est pas un PDF : seuls les fichiers PDF, JPEG ou PNG sont "
                               "acceptés.")


def test_an_executable_is_refused_by_its_extension():
    refusal = upload_refusal(ContentFile(PDF, name="setup.exe"))
    assert refusal.code == "upload_bad_type" and "(.exe)" in refusal.message


def test_a_png_named_pdf_is_refused():
    assert upload_refusal(ContentFile(PNG, name="scan.pdf")).code == "upload_bad_type"


def test_an_empty_file_is_refused():
    refusal = upload_refusal(ContentFile(b"", name="vide.pdf"))
    assert refusal.code == "upload_empty" and refusal.message == "Le fichier est vide."


@override_settings(DOCUMENT_MAX_BYTES=1024)
def test_a_file_over_the_limit_is_refused():
    refusal = upload_refusal(ContentFile(PDF + b"0" * 2048, name="gros.pdf"))
    assert refusal.code == "upload_too_large"
    assert refusal.message == "Fichier trop volumineux (2,1 Ko) : 1 Ko au maximum."


def test_the_default_limit_is_10_mb(settings):
    assert settings.DOCUMENT_MAX_BYTES == 10 * 1024 * 1024
    assert upload_refusal(ContentFile(PDF + b"0" * (10 * 1024 * 1024), name="gros.pdf")).message == (
        "Fichier trop volumineux (10,1 Mo) : 10 Mo au maximum.")


def test_a_pdf_filename_from_a_free_text_reference_is_a_valid_header():
    from tariff.kit.pdf import pdf_response

    response = pdf_response(b"%PDF-1.4", 'bulletin-DUM\n"1".pdf')
    assert "\n" not in response["Content-Disposition"] and response["Content-Type"] == "application/pdf"


def test_the_pdf_renderer_refuses_local_and_remote_resources():
    from tariff.kit.pdf import REFUSED, _local_only

    for uri in ("file:///etc/passwd", "/etc/passwd", "http://example.org/x.png", "db.sqlite3"):
        assert _local_only(uri, "") == REFUSED
