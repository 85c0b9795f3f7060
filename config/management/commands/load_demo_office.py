"""Load the demo office (issue 18) and print the URL, the demo logins and the bank API tokens.

Thin wrapper: the office itself is built by ``config.demo_office`` through the apps' services.
"""
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.demo_office import MissingReferenceData, load_demo_office
from tariff.kit.errors import DomainError

REFUSED = (
    "Refusé : le bureau de démonstration ne se charge qu'en mode démonstration (DEMO_MODE actif, "
    "réglages embarqués config.settings.local). Ces réglages sont ceux d'une production : ajoutez --force "
    "si vous voulez vraiment y créer des utilisateurs et des dossiers fictifs."
)


class Command(BaseCommand):
    help = ("Charge le bureau de démonstration (opérateurs, banques, utilisateurs de chaque rôle, déclarations, "
            "engagements, contentieux, projet de loi de finances) ; idempotent.")

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="charger même hors mode démonstration (DEMO_MODE inactif)")
        parser.add_argument("--url", default="http://127.0.0.1:8000/", help="adresse affichée à la fin")

    def handle(self, *args, **options):
        if not getattr(settings, "DEMO_MODE", False) and not options["force"]:
            raise CommandError(REFUSED)
        try:
            report = load_demo_office()
        except MissingReferenceData as exc:
            raise CommandError(str(exc)) from exc
        except DomainError as exc:  # e.g. --force in production, where the sample EUR rate is refused
            raise CommandError(f"Chargement interrompu (ce qui précède est enregistré, relancez après "
                               f"correction) : {exc.message}") from exc
        created = ", ".join(f"{kind} : {n}" for kind, n in report.created.items()) or "rien (déjà chargé)"
        rule = "=" * 78
        out = self.stdout.write
        out("")
        out(rule)
        out(self.style.SUCCESS(f"Bureau de démonstration prêt — créé : {created}."))
        out("")
        out(f"Ouvrez {options['url']}")
        out("")
        out("Identifiants de démonstration (mot de passe commun) :")
        width = max(len(u.username) for u in report.logins)
        for user in report.logins:
            roles = " + ".join(user.role_labels)
            bank = f" ({report.bank_names[user.bank_code]})" if user.bank_code else ""
            out(f"  {user.username:<{width}}  {user.password}   {user.full_name} — {roles}{bank}")
        if report.tokens:
            out("")
            out("Jetons de l'API des banques (en-tête « Authorization: Token <jeton> ») :")
            for bank, username, key in report.tokens:
                out(f"  {bank} ({username}) : {key}")
        out(rule)
