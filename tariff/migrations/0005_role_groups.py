"""The four roles exist as Django groups from the first ``migrate`` (issue 8).

Only the groups: their permissions are granted by ``tariff.kit.roles.sync_roles`` on
post_migrate, once every app's models (and so their permissions) exist. Idempotent;
reversing keeps the groups (users may belong to them).
"""
from django.db import migrations

# Frozen copy of tariff.kit.roles (a migration must not import code that may change).
ROLE_GROUPS = ("broker_staff", "reference_editor", "bank_user", "auditor")


def create_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("tariff", "0004_exemption_reference_data"),
    ]

    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop, elidable=False)]
