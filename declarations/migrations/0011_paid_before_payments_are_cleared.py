"""Declarations marked "paid" before payments and releases were recorded meant "Payée /
dédouanée", the last step then: they become "cleared" (nothing left to record on them)."""
from django.db import migrations


def paid_to_cleared(apps, schema_editor):
    Declaration = apps.get_model("declarations", "Declaration")
    Declaration.objects.filter(status="paid", payment__isnull=True).update(status="cleared")


class Migration(migrations.Migration):
    dependencies = [("declarations", "0010_franchise_condition_minimum_duty_solar")]

    operations = [migrations.RunPython(paid_to_cleared, migrations.RunPython.noop)]
