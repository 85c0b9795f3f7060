"""The importer's identity now lives on its party (0008 attached every importer): the party link
becomes required and the old identity columns go. A separate migration so that PostgreSQL has
committed 0008's row updates before the table is altered."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("exchange", "0008_importer_profile_of_party"),
    ]

    operations = [
        migrations.AlterField(
            model_name="importer",
            name="party",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT, related_name="importer_profile",
                to="declarations.party", verbose_name="opérateur",
            ),
        ),
        migrations.AlterModelOptions(
            name="importer",
            options={"ordering": ("party__name",), "verbose_name": "importateur", "verbose_name_plural": "importateurs"},
        ),
        migrations.RemoveField(model_name="historicalimporter", name="id_number"),
        migrations.RemoveField(model_name="historicalimporter", name="kind"),
        migrations.RemoveField(model_name="historicalimporter", name="name"),
        migrations.RemoveField(model_name="historicalimporter", name="trade_register_number"),
        migrations.RemoveField(model_name="importer", name="id_number"),
        migrations.RemoveField(model_name="importer", name="kind"),
        migrations.RemoveField(model_name="importer", name="name"),
        migrations.RemoveField(model_name="importer", name="trade_register_number"),
    ]
