"""A case's DUM is a link when the office keeps the declaration, and its reference as text
only for another declarant's DUM (issue 20: real foreign keys where a string names a
declaration): the copy of a linked DUM's reference is cleared, a text that names a DUM the
office keeps becomes the link. Not atomic as a whole so that PostgreSQL commits the row updates
before the table gets its constraint."""

from django.db import migrations, models


def link_declarations(apps, schema_editor):
    Row = apps.get_model("litigation", "Case")
    Declaration = apps.get_model("declarations", "Declaration")
    Row.objects.filter(declaration__isnull=False).exclude(declaration_reference="").update(declaration_reference="")
    references = set(Row.objects.filter(declaration__isnull=True).exclude(declaration_reference="")
                     .values_list("declaration_reference", flat=True))
    for reference, pk in Declaration.objects.filter(reference__in=references).values_list("reference", "pk"):
        Row.objects.filter(declaration__isnull=True, declaration_reference=reference).update(
            declaration_id=pk, declaration_reference="")


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ('declarations', '0012_party_one_record_per_identifier'),
        ('litigation', '0006_case_party_identity_on_party'),
    ]

    operations = [
        migrations.AlterField(
            model_name='case',
            name='declaration_reference',
            field=models.CharField(blank=True, max_length=40, verbose_name="référence d'une DUM hors du cabinet"),
        ),
        migrations.AlterField(
            model_name='historicalcase',
            name='declaration_reference',
            field=models.CharField(blank=True, max_length=40, verbose_name="référence d'une DUM hors du cabinet"),
        ),
        migrations.RunPython(link_declarations, migrations.RunPython.noop, atomic=True),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(('declaration__isnull', True), ('declaration_reference', ''), _connector='OR'), name='litigation_case_dum_linked_or_named'),
        ),
    ]
