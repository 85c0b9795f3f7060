"""Project-wide pytest fixtures (root conftest).

The test database gets the reference data shipped in tariff/data once per session,
so tests run against the circulars' own numbers; each test then runs in a
transaction that is rolled back.
"""
import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from tariff.kit.roles import sync_roles
    from tariff.services import reference_data_import

    with django_db_blocker.unblock():
        reference_data_import()
        sync_roles()


@pytest.fixture(scope="module")
def reference_data_back_after_flush(django_db_setup, django_db_blocker):
    """For modules of transactional tests (``pytest.mark.usefixtures``): such a test ends
    with a flush of every table; the session's reference data is put back after the
    module, for the tests that run after it."""
    yield
    from tariff.kit.roles import sync_roles
    from tariff.services import reference_data_import

    with django_db_blocker.unblock():
        reference_data_import()
        sync_roles()


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """For tests that call ``config.wsgi.application`` directly: the WSGI handler's
    request_started/finished signals close a connection whose autocommit differs from its
    settings — the test's transaction on PostgreSQL. Django's own test client disconnects
    them the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def make_user(username: str, *roles: str, **extra):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(username=username, password="pw-" + username, **extra)
    user.groups.add(*Group.objects.filter(name__in=roles))
    return user


@pytest.fixture
def broker_user(db):
    from tariff.kit.roles import BROKER_STAFF

    return make_user("broker", BROKER_STAFF)


@pytest.fixture
def editor_user(db):
    from tariff.kit.roles import REFERENCE_EDITOR

    return make_user("editor", REFERENCE_EDITOR, is_staff=True)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def broker_client(broker_user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(broker_user)
    return client


@pytest.fixture(autouse=True)
def api_answers_match_the_schema(request, monkeypatch):
    """Every answer of ``/api/v1/`` a test receives through Django's test client is checked
    against the OpenAPI schema (tests/contract/schema.py): the test fails on a mismatch
    (issue 17: generated clients rely on the contract). ``@pytest.mark.no_contract`` opts out."""
    if request.node.get_closest_marker("no_contract"):
        yield
        return
    from django.test.client import Client

    from tests.contract.schema import API_PREFIX, response_contract

    mismatches: list[str] = []
    original = Client.request

    def checked_request(self, **environ):
        response = original(self, **environ)
        path = environ.get("PATH_INFO", "")
        if path.startswith(API_PREFIX) and response.status_code < 500 and not getattr(response, "streaming", False):
            method = environ.get("REQUEST_METHOD", "GET")
            if method not in ("HEAD", "OPTIONS"):
                mismatches.extend(response_contract().check(
                    method=method, path=path, status=response.status_code,
                    content_type=response.get("Content-Type", ""), body=response.content,
                ))
        return response

    monkeypatch.setattr(Client, "request", checked_request)
    yield
    if mismatches:
        pytest.fail("Réponses hors du schéma OpenAPI :\n" + "\n".join(mismatches), pytrace=False)
