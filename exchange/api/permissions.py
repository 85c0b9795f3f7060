"""Who may call what on the commitment API (roles are groups, see tariff.kit.roles).

Object visibility is not decided here but by ``exchange.selectors.commitment_list_for``:
a bank user's queryset holds only its bank's commitments, so anything else is a 404.
"""
from tariff.kit.permissions import HasRole
from tariff.kit.roles import AUDITOR, BANK_USER, BROKER_STAFF

from ..selectors import bank_for_user


class CanReadCommitments(HasRole):
    roles = (BANK_USER, BROKER_STAFF, AUDITOR)


class IsBrokerStaff(HasRole):
    roles = (BROKER_STAFF,)
    message = "Réservé au personnel du transitaire."


class IsBankUser(HasRole):
    """A bank user attached to a bank (BankUser profile)."""

    roles = (BANK_USER,)
    message = "Réservé aux utilisateurs d'une banque partenaire."

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and bank_for_user(request.user) is not None
