"""A case's party becomes a role of the office's one party record (issue 20): each free-text
party is attached to the ``declarations.Party`` its identifier names (ICE: 15 digits, else a CIN /
residence card), or to a party created from its name, identifier and address."""
import re

import django.db.models.deletion
from django.db import migrations, models

_SPACES = re.compile(r"[\s.\-]+")
ICE = re.compile(r"^\d{15}$")


def attach_case_parties(apps, schema_editor):
    CaseParty = apps.get_model("litigation", "CaseParty")
    Party = apps.get_model("declarations", "Party")
    for row in CaseParty.objects.order_by("pk"):
        identifier = _SPACES.sub("", row.identifier).upper()
        fields = {("ice" if ICE.match(identifier) else "national_id"): identifier} if identifier else {}
        party = Party.objects.filter(**fields).first() if fields else None
        if party is None:
            party = Party.objects.create(
                name=row.name, address=row.address, kind="company" if "ice" in fields or not fields else "natural",
                **fields,
            )
        row.party_id = party.pk
        row.save(update_fields=["party"])


class Migration(migrations.Migration):

    dependencies = [
        ("declarations", "0012_party_one_record_per_identifier"),
        ("litigation", "0004_settlement_fine_retained"),
    ]

    operations = [
        migrations.AddField(
            model_name="caseparty",
            name="party",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="litigation_roles",
                to="declarations.party", verbose_name="opérateur",
            ),
        ),
        migrations.RunPython(attach_case_parties, migrations.RunPython.noop),
    ]
