"""Domain errors shared by every app.

A ``DomainError`` carries a machine-readable ``code``, a French ``message`` and the
input ``field`` it concerns; the API turns it into a 400 with field messages
(tariff.kit.api.errors), pages turn it into form errors. Raising one never leaves a
partial write: services raise before writing or inside ``transaction.atomic``.
"""
from __future__ import annotations


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None, params=None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code
        self.params = params or {}

    def as_dict(self) -> dict:
        payload = {"code": self.code, "detail": self.message}
        if self.field:
            payload[self.field] = [self.message]
        return payload


class DomainErrors(DomainError):
    """Several violations reported at once (business-rule checker)."""

    code = "business_rules"

    def __init__(self, errors: list[DomainError]):
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors

    def as_dict(self) -> dict:
        payload: dict = {"code": self.code, "detail": self.message, "errors": []}
        for e in self.errors:
            payload["errors"].append({"code": e.code, "detail": e.message, "field": e.field})
            if e.field:
                payload.setdefault(e.field, []).append(e.message)
        return payload


def raise_all(errors: list[DomainError]) -> None:
    """Raise the one error, or all of them at once (``DomainErrors``); nothing when empty."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DomainErrors(errors)
