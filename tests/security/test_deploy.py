"""Production settings pass Django's deployment checklist and take their secrets from the environment."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _production_env(**overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "CELERY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="example.ma",
        # `check` does not connect to the database.
        DATABASE_URL="postgres://x:y@127.0.0.1:5432/z",
    )
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=180
    )


def test_check_deploy_is_clean_on_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    result = _manage("check", env=_production_env(DJANGO_SECRET_KEY=None))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set in production" in result.stderr


def test_production_refuses_sqlite():
    result = _manage("check", env=_production_env(DATABASE_URL=None))
    assert result.returncode != 0
    assert "Production needs DATABASE_URL" in result.stderr


def test_production_security_values():
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS > 0, s.CSRF_TRUSTED_ORIGINS)"
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup();" + code],
        cwd=BASE_DIR, env=_production_env(), capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False True True True True ['https://example.ma']"


def _production_value(expression: str, **overrides) -> str:
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings as s; print({expression})"],
        cwd=BASE_DIR, env=_production_env(**overrides), capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_hsts_is_a_year_when_preload_is_announced():
    """Issue 19: 30 days with ``preload`` was refused by the preload list (it needs a year)."""
    assert _production_value("(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_PRELOAD)") == "(31536000, True)"
    assert _production_value("(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_PRELOAD)",
                             DJANGO_SECURE_HSTS_SECONDS="2592000") == "(2592000, False)"


def test_gunicorn_sends_no_server_banner(tmp_path):
    """The gunicorn settings of the README (config/gunicorn.py) drop the ``Server`` header."""
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = _production_env(DJANGO_SECURE_SSL_REDIRECT="false", DJANGO_ALLOWED_HOSTS="127.0.0.1",
                          GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="1")
    server = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "-c", "config/gunicorn.py",
                               "config.wsgi"], cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                response = urllib.request.urlopen(f"http://127.0.0.1:{port}/api/schema/", timeout=5)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("gunicorn did not answer")
        assert response.status == 200 and "Server" not in response.headers, dict(response.headers)
    finally:
        server.terminate()
        server.wait(timeout=20)
