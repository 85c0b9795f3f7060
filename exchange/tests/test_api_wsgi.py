"""config.wsgi: the JSON API (/api/v1/) through the lean middleware chain, the pages through the
full one — and what must not change for the API: authentication, CSRF on session-authenticated
writes, clickjacking and security headers (issue 4's load target depends on the lean chain)."""
import json

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from rest_framework.authtoken.models import Token

from config.wsgi import PAGES_ONLY_MIDDLEWARE, application
from exchange.models import Payment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("wsgi_keeps_the_test_connection")]


def call(method: str, path: str, body: dict | None = None, **headers):
    """The response of ``config.wsgi.application`` (status, headers, body bytes)."""
    request = RequestFactory().generic(
        method, path, json.dumps(body).encode() if body is not None else b"", content_type="application/json", **headers
    )
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), response_headers

    chunks = application(request.environ, start_response)
    content = b"".join(chunks)
    getattr(chunks, "close", lambda: None)()
    return answer["status"], answer["headers"], content


def names(headers) -> set[str]:
    return {name.lower() for name, _ in headers}


def test_the_api_chain_is_the_settings_chain_minus_the_pages_only_middleware():
    api_chain = application.api
    pages_chain = application.pages
    assert api_chain._middleware_chain is not pages_chain._middleware_chain
    assert PAGES_ONLY_MIDDLEWARE & set(settings.MIDDLEWARE)  # the pages keep them
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE  # check --deploy sees it


def test_token_api_call_goes_through_the_lean_chain(agent_a, commitment):
    token = Token.objects.create(user=agent_a)
    status, headers, content = call("GET", "/api/v1/commitments/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert status == 200 and json.loads(content)["count"] == 1
    present = names(headers)
    assert "x-frame-options" in present  # clickjacking protection kept
    assert "content-language" not in present  # no language negotiation
    assert "set-cookie" not in present  # no CSRF cookie, no session written
    status, _, _ = call("GET", "/api/v1/commitments/")
    assert status == 401


def test_pages_keep_the_full_chain():
    status, headers, _ = call("GET", "/accounts/login/")
    assert status == 200
    present = dict((name.lower(), value) for name, value in headers)
    assert present["content-language"] == "fr"
    assert "csrftoken" in present.get("set-cookie", "")


def test_session_authenticated_api_write_still_needs_the_csrf_token(agent_a, commitment):
    session = SessionStore()
    session[SESSION_KEY] = str(agent_a.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = agent_a.get_session_auth_hash()
    session.create()
    cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    status, _, content = call("POST", f"/api/v1/commitments/{commitment.pk}/payments/",
                              {"kind": "advance", "amount": "1000"}, HTTP_COOKIE=cookie)
    assert status == 403 and b"CSRF" in content
    assert not Payment.objects.exists()
    status, _, _ = call("GET", "/api/v1/commitments/", HTTP_COOKIE=cookie)
    assert status == 200  # the session itself is accepted (reads need no CSRF token)
