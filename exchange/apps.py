from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Engagements d'importation")

    def ready(self):
        from tariff.roles import (
            AUDITOR,
            BANK_USER,
            BROKER_STAFF,
            REFERENCE_EDITOR,
            model_perms,
            register_role_permissions,
        )

        ledger = [
            "commitment", "imputation", "payment", "advancecarryover", "modification", "bankchange", "personalimport",
        ]
        view = ("view",)
        register_role_permissions(BROKER_STAFF, "exchange", model_perms(["importer"], ("view", "add", "change")))
        register_role_permissions(BROKER_STAFF, "exchange", model_perms([*ledger, "bank"], view))
        register_role_permissions(BANK_USER, "exchange", model_perms(ledger, view))
        register_role_permissions(AUDITOR, "exchange", model_perms([*ledger, "bank", "importer", "bankuser"], view))
        register_role_permissions(REFERENCE_EDITOR, "exchange", model_perms(["bank"]))
