"""One party record per ICE and per CIN / residence card (issue 20: one company, one record).

Duplicates are merged first: the oldest record stays, every row naming a duplicate is moved to
it (declarations, ETPP authorisations, franchise conditions, conventions, disposals).
"""
import re

from django.db import migrations, models
from django.db.models import Q

_SPACES = re.compile(r"[\s.\-]+")


def merge_duplicate_parties(apps, schema_editor):
    Party = apps.get_model("declarations", "Party")
    related = [
        (rel.related_model, rel.field.name) for rel in Party._meta.related_objects
        if rel.related_model._meta.app_label == "declarations"
    ]
    for party in Party.objects.exclude(national_id=""):
        normalised = _SPACES.sub("", party.national_id).upper()
        if normalised != party.national_id:
            Party.objects.filter(pk=party.pk).update(national_id=normalised)
    for field in ("ice", "national_id"):
        seen: dict[str, int] = {}
        for pk, value in Party.objects.exclude(**{field: ""}).order_by("pk").values_list("pk", field):
            keep = seen.setdefault(value, pk)
            if keep == pk:
                continue
            for model, name in related:
                model.objects.filter(**{name: pk}).update(**{name: keep})
            Party.objects.filter(pk=pk).delete()


class Migration(migrations.Migration):

    atomic = False  # PostgreSQL commits the merge's row updates before the unique indexes are built

    dependencies = [
        ("declarations", "0011_paid_before_payments_are_cleared"),
    ]

    operations = [
        migrations.RunPython(merge_duplicate_parties, migrations.RunPython.noop, atomic=True),
        migrations.AddConstraint(
            model_name="party",
            constraint=models.UniqueConstraint(
                condition=~Q(ice=""), fields=("ice",), name="declarations_party_one_per_ice"
            ),
        ),
        migrations.AddConstraint(
            model_name="party",
            constraint=models.UniqueConstraint(
                condition=~Q(national_id=""), fields=("national_id",), name="declarations_party_one_per_national_id"
            ),
        ),
    ]
