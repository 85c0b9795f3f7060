"""Embedded default: a newcomer's first run (SQLite, Celery eager, DEBUG on)."""
from .base import *  # noqa: F401,F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-for-production-use")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "0.0.0.0"])
# The demo office's logins on the login page, ``load_demo_office`` allowed (issue 18).
DEMO_MODE = env.bool("DJANGO_DEMO_MODE", default=True)
