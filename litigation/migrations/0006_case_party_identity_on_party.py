"""The case party's identity now lives on its party (0005 attached each row)."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("litigation", "0005_case_party_is_the_office_party"),
    ]

    operations = [
        migrations.AlterField(
            model_name="caseparty",
            name="party",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="litigation_roles",
                to="declarations.party", verbose_name="opérateur",
            ),
        ),
        migrations.AlterField(
            model_name="caseparty",
            name="case",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="parties", to="litigation.case",
                verbose_name="dossier",
            ),
        ),
        migrations.RemoveField(model_name="caseparty", name="address"),
        migrations.RemoveField(model_name="caseparty", name="identifier"),
        migrations.RemoveField(model_name="caseparty", name="name"),
    ]
