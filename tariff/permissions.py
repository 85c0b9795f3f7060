"""API permission classes by role (groups, see tariff.roles)."""
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
