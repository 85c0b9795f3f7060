"""Response headers and the login lockout's client address (issue 19)."""
import pytest
from django.test import RequestFactory

from config.middleware import client_ip

pytestmark = pytest.mark.django_db


def test_authenticated_pages_and_api_answers_are_private(client, broker_user, broker_client):
    client.force_login(broker_user)
    page = client.get("/declarations/")
    assert page.status_code == 200 and "private" in page["Cache-Control"] and "no-store" in page["Cache-Control"]
    assert "private" in broker_client.get("/api/v1/declarations/")["Cache-Control"]
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]


@pytest.mark.parametrize("count, forwarded, expected", [
    (0, "6.6.6.6", "10.0.0.1"),                # no trusted proxy: X-Forwarded-For is the client's word
    (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # one nginx: the address it appended
    (2, "6.6.6.6, 203.0.113.7, 10.0.0.9", "203.0.113.7"),
    (1, "", "10.0.0.1"),
])
def test_client_ip_behind_trusted_proxies(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_lockout_behind_a_proxy_locks_one_client_not_the_office(client, settings, broker_user):
    """Five failures from one client behind the proxy lock that client, not the username for
    everyone behind the same proxy address."""
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        client.post("/accounts/login/", {"username": broker_user.username, "password": "wrong"},
                    REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    locked = client.post("/accounts/login/", {"username": broker_user.username, "password": "pw-broker"},
                         REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert locked.status_code in (403, 429)
    other = client.post("/accounts/login/", {"username": broker_user.username, "password": "pw-broker"},
                        REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert other.status_code == 302


def test_no_template_carries_an_inline_script_handler_or_style():
    """The CSP allows only this site's files: an ``onchange=""``, ``style=""`` or inline
    ``<script>`` would be blocked in the browser (whatever Chromium reports it, or when)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    inline = re.compile(r"""\son[a-z]+\s*=\s*["']|\sstyle\s*=\s*["']|<script(?![^>]*\ssrc=)[^>]*>""", re.I)
    found = [f"{path.relative_to(root)}:{n}" for path in root.glob("**/templates/**/*.html") if ".venv" not in path.parts
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if inline.search(line)]
    assert found == []
