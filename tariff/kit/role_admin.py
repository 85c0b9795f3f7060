"""Role names in French in the admin (issue 18): a role group's name is its code
(``bank_user``…, ``tariff.kit.roles``); the group list and a user's groups show its French label."""
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from .roles import role_label


def _group_label(group: Group) -> str:
    return str(role_label(group.name))


class RoleGroupAdmin(GroupAdmin):
    list_display = ("label", "name")

    @admin.display(description=_("rôle"), ordering="name")
    def label(self, group: Group) -> str:
        return _group_label(group)


def show_role_labels() -> None:
    """Called from ``TariffConfig.ready`` (after the admin's autodiscovery): ``str(group)`` —
    what the user form's group picker and the admin's filters print — is the French label,
    and the admin's group list shows it beside the code."""
    Group.__str__ = _group_label
    if admin.site.is_registered(Group):
        admin.site.unregister(Group)
        admin.site.register(Group, RoleGroupAdmin)
