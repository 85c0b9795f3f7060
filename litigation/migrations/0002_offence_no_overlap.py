"""No two versions of the same offence overlap — enforced by the database too on
PostgreSQL (exclusion constraint over daterange, btree_gist); on SQLite rule VAL2 guards."""
from django.db import migrations

TABLE, NAME = "litigation_offence", "offence_no_overlap"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD CONSTRAINT {NAME} EXCLUDE USING gist "
        "(article WITH =, paragraph WITH =, variant WITH =, daterange(valid_from, valid_to, '[]') WITH &&)"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("litigation", "0001_initial")]
    operations = [migrations.RunPython(add_constraint, drop_constraint)]
