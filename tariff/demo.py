"""The demo office's logins (issue 18): who they are, their roles and password.

Plain data, no domain code: the login page reads it (``tariff.templatetags.demo``) in demo mode
only (``settings.DEMO_MODE``), and ``config.demo_office`` creates these users.
"""
from __future__ import annotations

from dataclasses import dataclass

from .kit.roles import AUDITOR, BANK_USER, BROKER_STAFF, REFERENCE_EDITOR, role_label

# One password for every demo login: the office is for exploring, never for production data.
DEMO_PASSWORD = "transit-demo-2026"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    roles: tuple[str, ...]
    is_staff: bool = False  # reaches the admin (reference data)
    bank_code: str = ""  # bank users: the partner bank they work for

    @property
    def password(self) -> str:
        return DEMO_PASSWORD

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def role_labels(self) -> list[str]:
        return [str(role_label(role)) for role in self.roles]


DEMO_USERS: tuple[DemoUser, ...] = (
    # ``demo`` is the user ``setup_demo`` always created: kept, same password.
    DemoUser("demo", "Démo", "Transitaire", (BROKER_STAFF, REFERENCE_EDITOR), is_staff=True),
    DemoUser("declarant", "Salma", "Bennani", (BROKER_STAFF,)),
    DemoUser("referentiel", "Youssef", "Alaoui", (REFERENCE_EDITOR,), is_staff=True),
    DemoUser("auditeur", "Khadija", "Tazi", (AUDITOR,)),
    DemoUser("banque-atlas", "Omar", "Idrissi", (BANK_USER,), bank_code="atlas"),
    DemoUser("banque-sahel", "Nadia", "Berrada", (BANK_USER,), bank_code="sahel"),
)
