from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Engagements d'importation")

    def ready(self):
        from tariff.kit.roles import (
            AUDITOR,
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
        # BANK_USER: no model permission. A bank sees its own commitments through the API only
        # (queryset scoped by exchange.selectors); a model permission would show it every bank's
        # ledger in the admin should the account ever be flagged staff.
        register_role_permissions(AUDITOR, "exchange", model_perms([*ledger, "bank", "importer", "bankuser"], view))
        register_role_permissions(REFERENCE_EDITOR, "exchange", model_perms(["bank"]))
