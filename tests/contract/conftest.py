"""Fixtures of the generated-client tests (Python and TypeScript): the schema a live test server
serves, and the parties and commitments both clients drive the partner-bank API with."""
from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from exchange.models import Bank, Commitment
from exchange.tests.factories import BankFactory, bank_user_for, broker, domiciled_commitment


@pytest.fixture(scope="module")
def live_server_schema(django_db_setup, django_db_blocker, request) -> bytes:
    """The schema as the live server serves it (module scope: fetched once per test module)."""
    live_server = request.getfixturevalue("live_server")
    with django_db_blocker.unblock():  # the server thread's request may open the connection
        response = httpx.get(f"{live_server.url}/api/schema/?format=json", timeout=60)
    assert response.status_code == 200
    return response.content


@dataclass(frozen=True)
class BankApiParties:
    """Bank A holds two domiciled commitments, ``target`` replacing ``source``; bank B is where
    the office moves ``target``; ``staff`` is the office."""

    bank_a: Bank
    bank_b: Bank
    agent_a: User
    agent_b: User
    staff: User
    source: Commitment
    target: Commitment

    @staticmethod
    def token(user: User) -> str:
        return Token.objects.get_or_create(user=user)[0].key


@pytest.fixture
def bank_api_parties(transactional_db) -> BankApiParties:
    bank_a, bank_b = BankFactory(code="bmce"), BankFactory(code="awb")
    agent_a, agent_b, staff = bank_user_for(bank_a, "agent-a"), bank_user_for(bank_b, "agent-b"), broker()
    source = domiciled_commitment(bank_user=agent_a)
    target = domiciled_commitment(bank_user=agent_a, importer=source.importer, replaces=source)
    return BankApiParties(bank_a, bank_b, agent_a, agent_b, staff, source, target)
