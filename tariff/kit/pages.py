"""The role gate every back-office page uses (``RolePageMixin``) and the role groups of the file
pages (declarations, commitments, cases)."""
from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from .roles import AUDITOR, BROKER_STAFF, user_has_role

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

FILE_READERS = (AUDITOR,)  # auditors read declarations, authorisations, …
FILE_WRITERS = (BROKER_STAFF,)  # broker staff work on them


class RolePageMixin(LoginRequiredMixin):
    """Login required, then roles: ``read_roles`` (and writers) may GET, only
    ``write_roles`` may POST; ``writers_only`` pages (creation forms) are for writers
    alone. Anyone else gets 403. Superusers pass (``user_has_role``)."""

    read_roles: tuple[str, ...] = ()
    write_roles: tuple[str, ...] = ()
    writers_only = False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        writing = self.writers_only or request.method not in SAFE_METHODS
        roles = self.write_roles if writing else (*self.read_roles, *self.write_roles)
        if not user_has_role(request.user, *roles):
            raise PermissionDenied(_("Votre rôle ne permet pas d'accéder à cette page."))
        return super().dispatch(request, *args, **kwargs)

    @property
    def can_write(self) -> bool:
        return user_has_role(self.request.user, *self.write_roles)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_write"] = self.can_write
        return context
