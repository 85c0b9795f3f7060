from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LitigationConfig(AppConfig):
    name = "litigation"
    verbose_name = _("Contentieux")

    def ready(self):
        from pathlib import Path

        from declarations.offence_fines import register_offence_fine_lookup
        from tariff.kit.reference_registry import register_reference_files
        from tariff.kit.roles import AUDITOR, BROKER_STAFF, REFERENCE_EDITOR, model_perms, register_role_permissions

        from .resources import REFERENCE_FILES
        from .selectors import offence_fine

        register_offence_fine_lookup(offence_fine)  # the declaration checks read the fines of this catalogue

        case_models = ["case", "caseoffence", "caseparty", "casedocument", "settlement"]
        broker_actions = ("view", "add", "change")
        register_role_permissions(BROKER_STAFF, "litigation", model_perms(case_models, actions=broker_actions))
        register_role_permissions(BROKER_STAFF, "litigation", model_perms(["offence"], actions=("view",)))
        register_role_permissions(REFERENCE_EDITOR, "litigation", model_perms(["offence"]))
        register_role_permissions(AUDITOR, "litigation", model_perms([*case_models, "offence"], actions=("view",)))
        register_reference_files("litigation", Path(__file__).resolve().parent / "data", REFERENCE_FILES)
