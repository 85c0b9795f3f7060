"""Fixtures of the page tests: a logged-in client per role."""
import pytest

from conftest import make_user
from tariff.kit.roles import AUDITOR, BANK_USER, BROKER_STAFF, REFERENCE_EDITOR


def _client_for(client, username, *roles, **extra):
    client.force_login(make_user(username, *roles, **extra))
    return client


@pytest.fixture
def broker(client, db):
    return _client_for(client, "broker-page", BROKER_STAFF)


@pytest.fixture
def auditor(client, db):
    return _client_for(client, "auditor-page", AUDITOR)


@pytest.fixture
def bank(client, db):
    return _client_for(client, "bank-page", BANK_USER)


@pytest.fixture
def editor(client, db):
    return _client_for(client, "editor-page", REFERENCE_EDITOR, is_staff=True)
