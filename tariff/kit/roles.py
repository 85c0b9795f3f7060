"""Roles are Django groups; each app declares which of its permissions each role gets.

``register_role_permissions`` is called from each app's ``AppConfig.ready``; the
groups and grants are (re)applied after every ``migrate`` (post_migrate).
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

BROKER_STAFF = "broker_staff"
REFERENCE_EDITOR = "reference_editor"
BANK_USER = "bank_user"
AUDITOR = "auditor"

ROLE_LABELS = {
    BROKER_STAFF: _("Personnel du transitaire"),
    REFERENCE_EDITOR: _("Éditeur des données de référence"),
    BANK_USER: _("Utilisateur banque"),
    AUDITOR: _("Auditeur (lecture seule)"),
}


def role_label(role: str):
    """The French name of a role (a group name is its code, e.g. ``bank_user``); other groups
    keep their own name."""
    return ROLE_LABELS.get(role, role)


_GRANTS: dict[str, set[tuple[str, str]]] = {role: set() for role in ROLE_LABELS}


def register_role_permissions(role: str, app_label: str, codenames: list[str]) -> None:
    _GRANTS[role].update((app_label, c) for c in codenames)


def model_perms(models: list[str], actions=("view", "add", "change", "delete")) -> list[str]:
    return [f"{a}_{m}" for m in models for a in actions]


def sync_roles(**kwargs) -> None:
    """Create the role groups (also done by migration tariff 0005) and give each exactly the
    permissions its apps register: a grant removed from the code is taken back too."""
    from django.contrib.auth.models import Group, Permission

    for role, grants in _GRANTS.items():
        group, _created = Group.objects.get_or_create(name=role)
        candidates = Permission.objects.filter(
            content_type__app_label__in={app for app, _c in grants}, codename__in={c for _a, c in grants}
        ).select_related("content_type")
        group.permissions.set([p for p in candidates if (p.content_type.app_label, p.codename) in grants])


def user_has_role(user, *roles: str) -> bool:
    if not user or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    names = getattr(user, "_role_names", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._role_names = names
    return bool(names.intersection(roles))
