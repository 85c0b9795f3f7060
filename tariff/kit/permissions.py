"""API permission classes by role (groups, see tariff.kit.roles)."""
from rest_framework.permissions import BasePermission

from .roles import AUDITOR, BROKER_STAFF, REFERENCE_EDITOR, user_has_role


class HasRole(BasePermission):
    roles: tuple[str, ...] = ()
    message = "Votre rôle ne permet pas cette opération."

    def has_permission(self, request, view) -> bool:
        return user_has_role(request.user, *self.roles)


class CanReadTariff(HasRole):
    roles = (BROKER_STAFF, REFERENCE_EDITOR, AUDITOR)


class CanEditReferenceData(HasRole):
    roles = (REFERENCE_EDITOR,)


class ReadWriteRoles(BasePermission):
    """Read for ``read_roles``, write for ``write_roles`` (subclass and set both)."""

    read_roles: tuple[str, ...] = ()
    write_roles: tuple[str, ...] = ()
    message = "Votre rôle ne permet pas cette opération."

    def has_permission(self, request, view) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return user_has_role(request.user, *self.read_roles, *self.write_roles)
        return user_has_role(request.user, *self.write_roles)


class BrokerWorkPermission(ReadWriteRoles):
    """Broker staff work on files; auditors read them."""

    read_roles = (AUDITOR,)
    write_roles = (BROKER_STAFF,)


class SimulationPermission(ReadWriteRoles):
    """What-if simulations: broker staff and reference-data editors start them, auditors read them."""

    read_roles = (AUDITOR,)
    write_roles = (BROKER_STAFF, REFERENCE_EDITOR)
