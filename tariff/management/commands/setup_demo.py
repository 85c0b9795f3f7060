"""Create (or reset) the demo staff user of the embedded mode and print its credentials."""
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from tariff.kit.roles import BROKER_STAFF, REFERENCE_EDITOR, sync_roles

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "transit-demo-2026"


class Command(BaseCommand):
    help = "Crée l'utilisateur de démonstration (personnel transitaire + éditeur de référentiel)."

    def handle(self, *args, **options):
        sync_roles()
        user, _created = get_user_model().objects.get_or_create(username=DEMO_USERNAME)
        user.is_staff = True
        user.first_name = "Démo"
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.add(*Group.objects.filter(name__in=[BROKER_STAFF, REFERENCE_EDITOR]))
        self.stdout.write(self.style.SUCCESS(
            f"Utilisateur de démonstration : identifiant « {DEMO_USERNAME} », mot de passe « {DEMO_PASSWORD} »"
        ))
