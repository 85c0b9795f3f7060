import pytest
from django.contrib.auth.models import Group

from tariff.kit.roles import AUDITOR, BANK_USER, BROKER_STAFF, REFERENCE_EDITOR

pytestmark = pytest.mark.django_db


def perms(role):
    return set(Group.objects.get(name=role).permissions.filter(content_type__app_label="litigation")
               .values_list("codename", flat=True))


def test_broker_staff_view_add_change_cases_and_view_offences():
    granted = perms(BROKER_STAFF)
    assert {"view_case", "add_case", "change_case", "add_settlement", "add_casedocument", "view_offence"} <= granted
    assert "delete_case" not in granted and "change_offence" not in granted


def test_reference_editor_has_full_rights_on_offences_only():
    assert perms(REFERENCE_EDITOR) == {"view_offence", "add_offence", "change_offence", "delete_offence"}


def test_auditor_only_views():
    granted = perms(AUDITOR)
    assert granted and all(code.startswith("view_") for code in granted)
    assert {"view_case", "view_settlement", "view_offence"} <= granted


def test_bank_user_has_no_litigation_permission():
    assert perms(BANK_USER) == set()
