"""Issue 18: the admin imports reference data as a job — upload, job page with progress and
preview, confirm (eager Celery in tests: the tasks run in-process on commit)."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tariff.import_jobs import ReferenceImport
from tariff.models import TariffLine

pytestmark = pytest.mark.django_db

LINES = "code;description;unit;di_40_before_lfr_2020\n9901.00.00.11;Ligne admin;kg;non\n"


@pytest.fixture
def editor_client(client, editor_user):
    client.force_login(editor_user)
    return client


def upload(client, content, name="tariff_lines.csv", table=""):
    return client.post(reverse("admin:tariff_referenceimport_add"),
                       {"table": table, "files": SimpleUploadedFile(name, content.encode("utf-8"))})


def test_the_import_button_of_a_table_leads_to_the_job_page_with_the_table_chosen(editor_client):
    response = editor_client.get(reverse("admin:tariff_dutyrate_import"))
    assert response.status_code == 302
    assert response["Location"].endswith("/admin/tariff/referenceimport/add/?table=duty_rates")
    page = editor_client.get(response["Location"])
    assert page.status_code == 200
    assert '<option value="duty_rates" selected>' in page.content.decode()


def test_upload_previews_then_confirm_applies(editor_client, editor_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(editor_client, LINES)
    job = ReferenceImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "admin:tariff_referenceimport_change", args=[job.pk])
    assert job.status == ReferenceImport.Status.PREVIEWED and job.created_by == editor_user
    page = editor_client.get(response["Location"]).content.decode()
    assert 'id="import-progress"' in page and "js/reference_import.js" in page and "data-confirm=" in page
    assert "Ligne admin" in page
    assert not TariffLine.objects.filter(code="9901000011").exists()

    progress = editor_client.get(reverse("admin:tariff_referenceimport_progress", args=[job.pk])).json()
    assert progress == {"id": job.pk, "status": "previewed", "status_label": "Aperçu prêt", "rows_done": 1,
                        "rows_total": 1, "progress": 100, "errors": 0, "finished": True}

    with django_capture_on_commit_callbacks(execute=True):
        editor_client.post(reverse("admin:tariff_referenceimport_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ReferenceImport.Status.DONE and job.confirmed_by == editor_user
    assert TariffLine.objects.get(code="9901000011").history.get().history_user == editor_user


def test_a_bad_row_shows_in_the_preview_and_no_confirm_button(editor_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(editor_client, "tariff_code;rate;law;valid_from\n8517.13.00.00;5;LF-99;2030-01-01\n",
               name="taux.csv", table="duty_rates")
    job = ReferenceImport.objects.get()
    page = editor_client.get(reverse("admin:tariff_referenceimport_change", args=[job.pk])).content.decode()
    assert "Loi de finances « LF-99 » inconnue" in page
    assert 'id="import-confirm"' not in page
    editor_client.post(reverse("admin:tariff_referenceimport_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ReferenceImport.Status.PREVIEWED


def test_a_broker_without_reference_rights_cannot_import(client, broker_user):
    broker_user.is_staff = True
    broker_user.save()
    client.force_login(broker_user)
    assert client.get(reverse("admin:tariff_referenceimport_add")).status_code == 403


def test_the_progress_bar_starts_again_from_zero_when_the_import_is_confirmed(editor_client,
                                                                             django_capture_on_commit_callbacks):
    """The preview ends at 100 %; once « Confirmer l'import » is asked the bar shows the writing,
    from 0 (« Import demandé », 0 %), not the preview's 100 % until the worker's first figure."""
    with django_capture_on_commit_callbacks(execute=True):
        upload(editor_client, LINES)
    job = ReferenceImport.objects.get()
    progress_url = reverse("admin:tariff_referenceimport_progress", args=[job.pk])
    assert editor_client.get(progress_url).json()["progress"] == 100
    with django_capture_on_commit_callbacks(execute=False):  # the worker has not started yet
        editor_client.post(reverse("admin:tariff_referenceimport_confirm", args=[job.pk]))
    waiting = editor_client.get(progress_url).json()
    assert (waiting["status_label"], waiting["progress"], waiting["finished"]) == ("Import demandé", 0, False)
