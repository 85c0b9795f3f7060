"""Login rate limiting (django-axes) on the login page and the admin login; CSRF on the login
form; DRF throttling of the API."""
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from conftest import make_user

pytestmark = pytest.mark.django_db

LOCKOUT_MESSAGE = "Compte verrouillé : trop de tentatives de connexion échouées"


def _post_login(client, url, username, password):
    return client.post(url, {"username": username, "password": password})


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_five_failures_lock_the_account_even_with_the_right_password(url):
    make_user("agent", is_staff=True)
    client = Client()
    for _ in range(4):
        response = _post_login(client, url, "agent", "wrong")
        assert response.status_code == 200  # the form again, with its error
    response = _post_login(client, url, "agent", "wrong")  # 5th failure locks
    assert response.status_code == 429

    response = _post_login(client, url, "agent", "pw-agent")
    assert response.status_code == 429
    assert LOCKOUT_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_ip():
    make_user("agent")
    make_user("other")
    client = Client()
    for _ in range(5):
        _post_login(client, "/accounts/login/", "agent", "wrong")
    # Same IP, another username: not locked.
    response = _post_login(client, "/accounts/login/", "other", "pw-other")
    assert response.status_code == 302
    # Same username, another IP: not locked.
    response = Client(REMOTE_ADDR="10.0.0.9").post("/accounts/login/", {"username": "agent", "password": "pw-agent"})
    assert response.status_code == 302


def test_right_password_before_the_limit_logs_in_and_resets_the_count():
    make_user("agent")
    client = Client()
    for _ in range(4):
        _post_login(client, "/accounts/login/", "agent", "wrong")
    assert _post_login(client, "/accounts/login/", "agent", "pw-agent").status_code == 302
    client.logout()
    for _ in range(4):
        _post_login(client, "/accounts/login/", "agent", "wrong")
    assert _post_login(client, "/accounts/login/", "agent", "pw-agent").status_code == 302


def test_login_form_enforces_csrf():
    make_user("agent")
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "agent", "password": "pw-agent"})
    assert response.status_code == 403
    # With the token from the form, the same login succeeds.
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/", {"username": "agent", "password": "pw-agent", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_token_api_is_not_subject_to_axes():
    """API token authentication does not call authenticate(): a locked username keeps its token."""
    from rest_framework.authtoken.models import Token

    from tariff.kit.roles import BROKER_STAFF

    user = make_user("agent", BROKER_STAFF)
    for _ in range(5):
        _post_login(Client(), "/accounts/login/", "agent", "wrong")
    token = Token.objects.create(user=user)
    response = Client().get("/api/v1/tariff/finance-laws/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


def test_api_throttling_is_configured():
    from django.conf import settings

    from config.settings import base

    assert base.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] == (
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    )
    assert base.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] == {"anon": "30/minute", "user": "300/second"}
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] == base.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]


def test_anonymous_api_calls_are_throttled(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/minute", raising=False)
    cache.clear()
    client = Client()
    statuses = [client.get("/api/schema/").status_code for _ in range(4)]
    cache.clear()
    assert statuses == [200, 200, 200, 429]


def test_authenticated_api_calls_are_throttled(monkeypatch):
    from rest_framework.test import APIClient

    from tariff.kit.roles import BROKER_STAFF

    monkeypatch.setattr(UserRateThrottle, "rate", "3/minute", raising=False)
    cache.clear()
    client = APIClient()
    client.force_authenticate(make_user("agent", BROKER_STAFF))
    statuses = [client.get("/api/v1/tariff/finance-laws/").status_code for _ in range(4)]
    cache.clear()
    assert statuses == [200, 200, 200, 429]
    assert get_user_model().objects.filter(username="agent").exists()
