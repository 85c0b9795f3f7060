"""Admin pages that write through a service: a refusal the service raises after the form was
checked (another user recorded the same step a moment before, the record changed in between) is
shown in French on the page it came from, with nothing written — never a server error."""
from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect

from .errors import DomainError


class ServiceRefusalAdminMixin:
    """For a ``ModelAdmin`` whose ``save_model``/``delete_model`` calls a service. The admin's
    change form runs in one transaction (``changeform_view``): a refusal raised inside it rolls
    everything back, then the user is sent back to the form with the refusal as a message."""

    def _refused(self, request, error: DomainError):
        for item in getattr(error, "errors", None) or [error]:
            self.message_user(request, item.message, messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            return self._refused(request, error)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:  # DomainErrors (several refusals) included
            return self._refused(request, error)
