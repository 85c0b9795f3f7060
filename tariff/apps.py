from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TariffConfig(AppConfig):
    name = "tariff"
    verbose_name = _("Tarif douanier")

    def ready(self):
        from pathlib import Path

        from . import signals  # noqa: F401 - connects the reference-version bump
        from .kit.reference_registry import register_reference_files
        from .kit.roles import (
            AUDITOR,
            BROKER_STAFF,
            REFERENCE_EDITOR,
            model_perms,
            register_role_permissions,
            sync_roles,
        )
        from .kit.sql import load_timestamps_in_c
        from .resources import REFERENCE_FILES

        reference_models = [
            "financelaw", "tariffline", "dutyrate", "blanketdutychange", "excisecategory", "exciserate",
            "vatcategory", "vatrate", "franchisecode", "franchiserate", "exchangerate", "draftratechange",
            "quota", "schoolsupplyitem", "warehousedisposalreason",
        ]
        register_role_permissions(REFERENCE_EDITOR, "tariff", model_perms(reference_models))
        register_role_permissions(BROKER_STAFF, "tariff", model_perms(reference_models, actions=("view",)))
        register_role_permissions(AUDITOR, "tariff", model_perms(reference_models, actions=("view",)))
        post_migrate.connect(sync_roles, dispatch_uid="tariff.sync_roles")
        connection_created.connect(load_timestamps_in_c, dispatch_uid="tariff.load_timestamps_in_c")
        register_reference_files("tariff", Path(__file__).resolve().parent / "data", REFERENCE_FILES)
        from .kit.role_admin import show_role_labels

        show_role_labels()  # role names in French in the admin (issue 18)
