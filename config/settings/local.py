"""Embedded default: a small office on one machine (SQLite, Celery eager), DEBUG off.

DEBUG stays off so that everyone in the office sees the French error pages (404, 403, 500) and
never a traceback, and no query is kept in memory; ``DJANGO_DEBUG=true`` turns it on for a
developer. Static files are served by WhiteNoise straight from the apps' folders (no
``collectstatic`` step), as ``runserver`` only serves them itself with DEBUG on.
"""
from .base import *  # noqa: F401,F403
from .base import MIDDLEWARE, env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-for-production-use")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "0.0.0.0"])
# The demo office's logins on the login page, ``load_demo_office`` allowed (issue 18).
DEMO_MODE = env.bool("DJANGO_DEMO_MODE", default=True)

MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
WHITENOISE_USE_FINDERS = True  # the files where they are: templates/static, the apps' and admin's static/
WHITENOISE_AUTOREFRESH = DEBUG
STATIC_ROOT = None  # nothing collected in this mode (WhiteNoise would warn of the missing folder)
