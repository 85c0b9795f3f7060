"""An importer becomes the Office des Changes profile of its party (issue 17 point 3, issue 20):
name, kind, ICE / CIN and trade register move to ``declarations.Party`` — the record the
declarations name — and each importer is attached to the party with its identifier, created when
the office had none."""
import re

import django.db.models.deletion
from django.db import migrations, models

_SPACES = re.compile(r"[\s.\-]+")
ICE = re.compile(r"^\d{15}$")


def attach_importers_to_parties(apps, schema_editor):
    Importer = apps.get_model("exchange", "Importer")
    Party = apps.get_model("declarations", "Party")
    for importer in Importer.objects.order_by("pk"):
        identifier = _SPACES.sub("", importer.id_number).upper()
        field = "ice" if ICE.match(identifier) else "national_id"
        party = Party.objects.filter(**{field: identifier}).first()
        if party is None:
            party = Party.objects.create(
                name=importer.name, kind=importer.kind, trade_register_number=importer.trade_register_number,
                **{field: identifier},
            )
        elif not party.trade_register_number and importer.trade_register_number:
            party.trade_register_number = importer.trade_register_number
            party.save(update_fields=["trade_register_number"])
        importer.party_id = party.pk
        importer.save(update_fields=["party"])


class Migration(migrations.Migration):

    dependencies = [
        ("declarations", "0012_party_one_record_per_identifier"),
        ("exchange", "0007_commitment_goods_category"),
    ]

    operations = [
        migrations.AddField(
            model_name="importer",
            name="party",
            field=models.OneToOneField(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="importer_profile",
                to="declarations.party", verbose_name="opérateur",
            ),
        ),
        migrations.AddField(
            model_name="historicalimporter",
            name="party",
            field=models.ForeignKey(
                blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+", to="declarations.party", verbose_name="opérateur",
            ),
        ),
        migrations.RunPython(attach_importers_to_parties, migrations.RunPython.noop),
    ]
