"""Roles as Django groups created by a migration (issue 8); permissions by the post_migrate sync."""
import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from tariff.kit.roles import AUDITOR, REFERENCE_EDITOR, ROLE_LABELS, sync_roles

pytestmark = pytest.mark.django_db

role_groups = importlib.import_module("tariff.migrations.0005_role_groups")


def test_role_groups_exist_after_migrate():
    assert ("tariff", "0005_role_groups") in MigrationRecorder(connection).applied_migrations()
    assert set(ROLE_LABELS) <= set(Group.objects.values_list("name", flat=True))


def test_the_migration_creates_every_role():
    assert set(role_groups.ROLE_GROUPS) == set(ROLE_LABELS)


def test_the_migration_creates_missing_groups_and_is_idempotent():
    Group.objects.filter(name__in=ROLE_LABELS).delete()
    role_groups.create_role_groups(apps, None)
    role_groups.create_role_groups(apps, None)
    assert sorted(Group.objects.filter(name__in=ROLE_LABELS).values_list("name", flat=True)) == sorted(ROLE_LABELS)


def test_permissions_come_from_the_post_migrate_sync():
    Group.objects.filter(name__in=ROLE_LABELS).delete()
    role_groups.create_role_groups(apps, None)
    editor = Group.objects.get(name=REFERENCE_EDITOR)
    assert not editor.permissions.exists()
    sync_roles()
    assert editor.permissions.filter(content_type__app_label="tariff", codename="change_dutyrate").exists()


def test_the_sync_takes_back_a_grant_the_code_does_not_make():
    auditor = Group.objects.get(name=AUDITOR)
    auditor.permissions.add(Permission.objects.get(content_type__app_label="tariff", codename="change_dutyrate"))
    sync_roles()
    assert not auditor.permissions.filter(codename="change_dutyrate").exists()
    assert auditor.permissions.filter(codename="view_dutyrate").exists()
