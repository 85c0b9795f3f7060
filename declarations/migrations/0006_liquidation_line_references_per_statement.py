"""Liquidation lines: references checked once per statement instead of once per row.

The three foreign-key constraints of ``declarations_liquidationline`` are replaced by checks
that fail the same way (SQLSTATE 23503 on PostgreSQL, a constraint error on SQLite):
- inserting or updating lines that name a missing article, liquidation or finance law;
- deleting an article, liquidation or finance law that lines still name.
On PostgreSQL they are statement-level triggers over the transition tables (one anti-join per
COPY of a recalculation batch, not three lookups per line). SQLite (the embedded mode, not
where bulk loads run) checks inserts and updates row by row; deletions there rely on the ORM's
PROTECT and CASCADE, because SQLite triggers cannot be deferred to the commit as its foreign
keys are, and Django empties tables in any order when it flushes.
"""
import django.db.models.deletion
from django.db import migrations, models

LINES = "declarations_liquidationline"
# (referenced table, column of the lines, label in the error message)
REFERENCES = [
    ("declarations_article", "article_id", "article"),
    ("declarations_liquidation", "liquidation_id", "liquidation"),
    ("tariff_financelaw", "law_id", "loi de finances"),
]

PG_INSERT_CHECK = f"""
CREATE FUNCTION {LINES}_references_exist() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE missing text;
BEGIN
""" + "".join(f"""
    IF missing IS NULL THEN
        SELECT '{label} ' || n.{column} INTO missing FROM new_lines n
        WHERE NOT EXISTS (SELECT 1 FROM {table} p WHERE p.id = n.{column}) LIMIT 1;
    END IF;""" for table, column, label in REFERENCES) + f"""
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'ligne de liquidation : % introuvable', missing USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER {LINES}_references_on_insert AFTER INSERT ON {LINES}
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION {LINES}_references_exist();
CREATE TRIGGER {LINES}_references_on_update AFTER UPDATE ON {LINES}
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION {LINES}_references_exist();
"""

PG_PARENT_CHECK = """
CREATE FUNCTION {table}_not_in_liquidation_lines() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE used bigint;
BEGIN
    SELECT o.id INTO used FROM old_rows o
    WHERE EXISTS (SELECT 1 FROM {lines} l WHERE l.{column} = o.id) LIMIT 1;
    IF used IS NOT NULL THEN
        RAISE EXCEPTION '{label} % : référencé(e) par des lignes de liquidation', used
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER {table}_not_in_liquidation_lines AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {table}_not_in_liquidation_lines();
"""

# Like SQLite's own foreign keys, the checks follow PRAGMA foreign_keys (Django turns it off
# while it flushes or loads fixtures).
SQLITE_INSERT_CHECK = f"""
CREATE TRIGGER {LINES}_references_on_{{name}} BEFORE {{event}} ON {LINES}
WHEN (SELECT foreign_keys FROM pragma_foreign_keys) AND (""" + " OR ".join(
    f"NOT EXISTS (SELECT 1 FROM {table} WHERE id = NEW.{column})" for table, column, _label in REFERENCES) + """)
BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: ligne de liquidation'); END;
"""


def _statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [PG_INSERT_CHECK] + [PG_PARENT_CHECK.format(table=t, column=c, label=label, lines=LINES)
                                    for t, c, label in REFERENCES]
    if vendor == "sqlite":
        return [SQLITE_INSERT_CHECK.format(event=e, name=e.lower()) for e in ("INSERT", "UPDATE")]
    raise NotImplementedError(f"liquidation line reference checks for {vendor}")


def _drop_statements(vendor: str) -> list[str]:
    line_triggers = [f"{LINES}_references_on_insert", f"{LINES}_references_on_update"]
    if vendor == "postgresql":
        # Dropping a function drops the triggers that call it.
        return [f"DROP FUNCTION IF EXISTS {LINES}_references_exist() CASCADE"] + [
            f"DROP FUNCTION IF EXISTS {t}_not_in_liquidation_lines() CASCADE" for t, _c, _l in REFERENCES]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in line_triggers]


def install_checks(apps, schema_editor):
    for statement in _statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def remove_checks(apps, schema_editor):
    for statement in _drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('declarations', '0005_recalculation_result_skipped'),
        ('tariff', '0006_historicaldraftratechange'),
    ]

    operations = [
        migrations.AlterField(
            model_name='liquidationline',
            name='article',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='liquidation_lines', to='declarations.article'),
        ),
        migrations.AlterField(
            model_name='liquidationline',
            name='law',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='tariff.financelaw'),
        ),
        migrations.AlterField(
            model_name='liquidationline',
            name='liquidation',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='lines', to='declarations.liquidation'),
        ),
        migrations.RunPython(install_checks, remove_checks),
    ]
