import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse

from litigation.models import Case, CaseDocument, Offence, Settlement
from tariff.tests.helpers import plain

from .factories import CaseDocumentFactory, case_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.ma", "pw")
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def test_case_change_page_shows_the_computed_exposure(admin_client):
    case = case_with("281", "1°", duties_compromised=Decimal("40000"), aggravating_circumstances=True)
    html = plain(admin_client.get(reverse("admin:litigation_case_change", args=[case.pk])).content.decode())
    assert "240 000,00 DH" in html and "282 bis-2°-a" in html


@pytest.mark.parametrize("model", [Offence, Case, CaseDocument, Settlement])
def test_admin_changelists_render(admin_client, model):
    case_with("297", "7°", undeclared_amount=Decimal("300000"))
    url = reverse(f"admin:litigation_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200


def test_offence_admin_exports_the_catalogue_as_csv(admin_client):
    columns = ("article", "paragraph", "variant", "valid_from", "fine_basis", "fine_min", "fine_max")
    response = admin_client.post(reverse("admin:litigation_offence_export"), {
        "format": "0", "resource": "0", **{f"offenceresource_{c}": "on" for c in columns},
    })
    assert response.status_code == 200
    content = b"".join(response.streaming_content if response.streaming else [response.content]).decode()
    # Columns headed in French (the fields' names, issue 21); a re-import reads them back.
    assert content.splitlines()[0] == ("Article du code,Paragraphe,Variante,En vigueur à partir du,"
                                       "Assiette de l'amende,Amende minimum (DH),Amende maximum (DH)")
    # French locale: decimal comma, thousands grouped by a non-breaking space (read back on import)
    assert '297,8°,,2024-01-01,fixed_range,"10\xa0000,00","50\xa0000,00"' in content


def test_settlement_change_page_is_read_only(admin_client):
    from litigation.services import settlement_record

    case = case_with("281", "1°", status=Case.Status.UNDER_REVIEW, duties_compromised=Decimal("40000"))
    settlement = settlement_record(case=case, settlement_date=dt.date(2024, 6, 1), fines_remitted=Decimal("10"))
    response = admin_client.get(reverse("admin:litigation_settlement_change", args=[settlement.pk]))
    assert response.status_code == 200
    assert 'name="fines_remitted"' not in response.content.decode()


def test_admin_refuses_to_delete_a_66_bis_document_under_retention(rf):
    case = case_with("297", "7°", undeclared_amount=Decimal("300000"))
    kept = CaseDocumentFactory(case=case, document_date=dt.date(2024, 3, 1))
    old = CaseDocumentFactory(case=case_with("297", "7°", undeclared_amount=Decimal("300000")),
                              document_date=dt.date(2010, 1, 1))
    request = rf.get("/")
    request.user = type("Root", (), {"is_active": True, "is_superuser": True, "has_perm": lambda *a: True})()
    document_admin = site._registry[CaseDocument]
    assert document_admin.has_delete_permission(request, kept) is False
    assert document_admin.has_delete_permission(request, old) is True


def test_admin_bulk_delete_keeps_documents_under_retention(admin_client):
    case = case_with("297", "7°", undeclared_amount=Decimal("300000"))
    kept = CaseDocumentFactory(case=case, document_date=dt.date(2024, 3, 1))
    response = admin_client.post(reverse("admin:litigation_casedocument_changelist"), {
        "action": "delete_selected", "_selected_action": [kept.pk], "post": "yes",
    })
    assert response.status_code == 403  # the delete action checks each document's permission
    assert CaseDocument.objects.filter(pk=kept.pk).exists()


def test_admin_settlement_form_refuses_remitting_duties(admin_client):
    case = case_with("281", "1°", status=Case.Status.UNDER_REVIEW, duties_compromised=Decimal("40000"))
    response = admin_client.post(reverse("admin:litigation_settlement_add"), {
        "case": case.pk, "settlement_date": "2024-06-01", "fines_remitted": "0", "confiscations_remitted": "0",
        "other_sums_remitted": "0", "duties_remitted": "100", "notes": "", "reference": "",
    })
    assert response.status_code == 200
    assert "art. 275" in response.content.decode()
    assert not Settlement.objects.exists()


def test_admin_settlement_form_records_through_the_service(admin_client):
    case = case_with("281", "1°", status=Case.Status.UNDER_REVIEW, duties_compromised=Decimal("40000"))
    response = admin_client.post(reverse("admin:litigation_settlement_add"), {
        "case": case.pk, "settlement_date": "2024-06-01", "fines_remitted": "120000", "confiscations_remitted": "0",
        "other_sums_remitted": "0", "duties_remitted": "0", "notes": "", "reference": "T-1",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    settlement = Settlement.objects.get()
    assert settlement.fines_due == Decimal("120000.00")
    case.refresh_from_db()
    assert case.status == Case.Status.SETTLED


def test_admin_transition_action(admin_client):
    case = case_with("299")
    admin_client.post(reverse("admin:litigation_case_changelist"),
                      {"action": "mark_under_review", "_selected_action": [case.pk]})
    case.refresh_from_db()
    assert case.status == Case.Status.UNDER_REVIEW


def test_case_add_page_renders(admin_client):
    assert admin_client.get(reverse("admin:litigation_case_add")).status_code == 200


def test_case_created_in_admin_gets_its_exposure(admin_client):
    offence = Offence.objects.get(article="285", paragraph="", valid_from=dt.date(2022, 1, 1))
    prefixes = {"case_offences": 1, "parties": 0, "documents": 0, "settlements": 0}
    data = {"reference": "CTX-ADM-1", "office": "Agadir", "facts_date": "2024-05-02", "duties_compromised": "10000",
            "case_offences-0-offence": offence.pk}
    for prefix, total in prefixes.items():
        data.update({f"{prefix}-TOTAL_FORMS": total, f"{prefix}-INITIAL_FORMS": 0})
    response = admin_client.post(reverse("admin:litigation_case_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get(reference="CTX-ADM-1")
    html = plain(admin_client.get(reverse("admin:litigation_case_change", args=[case.pk])).content.decode())
    assert "20 000,00 DH" in html
