"""No two effective-dated rows of the same thing overlap — enforced by the database
too where it can (PostgreSQL exclusion constraints over daterange, btree_gist).
On SQLite the rule VAL2 (tariff.kit.business_rules) is the guard."""
from django.db import migrations

# table, constraint name, key columns
CONSTRAINTS = [
    ("tariff_dutyrate", "dutyrate_no_overlap", ["tariff_line_id"]),
    ("tariff_exciserate", "exciserate_no_overlap", ["category_id", "band_label"]),
    ("tariff_vatrate", "vatrate_no_overlap", ["category_id"]),
    ("tariff_franchiserate", "franchiserate_no_overlap", ["franchise_id"]),
    ("tariff_exchangerate", "exchangerate_no_overlap", ["currency"]),
    ("tariff_blanketdutychange", "blanket_no_overlap", ["law_id", "from_rate"]),
]


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for table, name, keys in CONSTRAINTS:
        key_sql = ", ".join(f"{k} WITH =" for k in keys)
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"({key_sql}, daterange(valid_from, valid_to, '[]') WITH &&)"
        )


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name, _keys in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("tariff", "0001_initial")]
    operations = [migrations.RunPython(add_constraints, drop_constraints)]
