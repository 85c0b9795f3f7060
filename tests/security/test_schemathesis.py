"""Property-based API test from the OpenAPI schema (Schemathesis, in-process through WSGI).

Every operation of /api/schema/ is called as a superuser and as a bank user with a DRF token; each answer must
not be a server error and must match the documented response schema.

Bounded: a few derandomized examples per operation, no deadline.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application

MAX_EXAMPLES = 12

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)


@pytest.fixture(params=["superuser", "bank"])
def api_token(request, db, wsgi_keeps_the_test_connection):
    """Every operation as a superuser (all roles), then as a partner bank's user (issue 19)."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from exchange.tests.factories import BankFactory, bank_user_for

    if request.param == "superuser":
        user = get_user_model().objects.create_superuser("fuzz-root", password="fuzz-root-pw-123")
    else:
        user = bank_user_for(BankFactory(code="fuzz-bank"), "fuzz-bank-agent")
    return Token.objects.create(user=user).key


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, api_token):
    case.call_and_validate(
        headers={"Authorization": f"Token {api_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
