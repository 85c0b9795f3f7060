"""Token authentication of the bank API that loads, in the token's own query, what every
request needs next: the user, its bank and its roles.

The bank API's hot path (list, pay) would otherwise spend two more queries per request on
them (the bank profile and the user's groups).
"""
from django.contrib.auth.models import Group
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from tariff.roles import ROLE_LABELS

from ..selectors import remember_bank


def _role_flag(role: str) -> str:
    return f"has_role_{role}"


class BankTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        model = self.get_model()
        roles = {
            _role_flag(role): Exists(Group.objects.filter(user=OuterRef("user_id"), name=role)) for role in ROLE_LABELS
        }
        try:
            token = model.objects.select_related("user", "user__bank_profile__bank").annotate(**roles).get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        # tariff.roles.user_has_role caches the user's role names here; every role is answered above.
        user._role_names = {role for role in ROLE_LABELS if getattr(token, _role_flag(role))}
        try:
            remember_bank(user, user.bank_profile.bank)
        except ObjectDoesNotExist:
            remember_bank(user, None)
        return (user, token)
