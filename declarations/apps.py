from pathlib import Path

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "declarations"
    verbose_name = _("Déclarations (DUM)")

    def ready(self):
        from tariff.kit.reference_registry import register_reference_files
        from tariff.kit.roles import AUDITOR, BROKER_STAFF, REFERENCE_EDITOR, model_perms, register_role_permissions
        from tariff.signals_domain import finance_law_published

        from .receivers import enqueue_recalculation
        from .resources import REFERENCE_FILES

        finance_law_published.connect(enqueue_recalculation, dispatch_uid="declarations.enqueue_recalculation")

        register_reference_files("declarations", Path(__file__).resolve().parent / "data", REFERENCE_FILES)
        work = [
            "party", "declaration", "article", "annexeddocument", "declarationgroup", "etppauthorisation",
            "etppauthorisationitem",
        ]
        work += ["franchisecondition", "investmentconvention", "vatguarantee", "warehousedisposal", "exemptasset"]
        read_only = ["liquidation", "liquidationline", "etppimputation", "procedurecode", "recalculationrun",
                     "recalculationresult", "quotaallocation", "followupentry"]
        register_role_permissions(BROKER_STAFF, "declarations", model_perms(work, actions=("view", "add", "change")))
        register_role_permissions(BROKER_STAFF, "declarations", model_perms(read_only, actions=("view",)))
        register_role_permissions(REFERENCE_EDITOR, "declarations", model_perms(["procedurecode"]))
        register_role_permissions(AUDITOR, "declarations", model_perms(work + read_only, actions=("view",)))
