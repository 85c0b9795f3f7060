"""Template context shared by every page."""
from tariff.kit.roles import AUDITOR, BANK_USER, BROKER_STAFF, REFERENCE_EDITOR, user_has_role


def is_bank_user_only(user) -> bool:
    """A partner bank's user (and nothing else): its pages are its bank's commitments."""
    return (user.is_authenticated and not user.is_superuser and user_has_role(user, BANK_USER)
            and not user_has_role(user, BROKER_STAFF, AUDITOR, REFERENCE_EDITOR))


def sees_office_work(user) -> bool:
    """Declarations, ETPP, commitments and cases: broker staff and auditors (and superusers); a
    reference editor alone works on the tariff and the admin, its menu shows no page it may not open."""
    return user.is_authenticated and (user.is_superuser or user_has_role(user, BROKER_STAFF, AUDITOR))


def roles(request) -> dict:
    return {"bank_user_only": is_bank_user_only(request.user), "sees_office_work": sees_office_work(request.user)}
