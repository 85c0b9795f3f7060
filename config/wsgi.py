"""WSGI entry point (gunicorn ``config.wsgi``).

Requests to the JSON API (``/api/v1/``) go through a lean middleware chain; everything else
(pages, admin, static files, the API docs) through the full ``settings.MIDDLEWARE``. The API
is called with a token by the partner banks' systems: the middleware that serves browser
pages — static files, language negotiation, the CSRF cookie, flash messages, the login
lockout — only cost it CPU (0.6 ms of a 4 ms request: issue 4's load target is met with the
lean chain, not without). CSRF is still enforced on session-authenticated API writes, by DRF's
``SessionAuthentication`` itself; the API chain keeps security headers, sessions, the user,
clickjacking protection and the audit-history user.
"""
import os

from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")

API_PREFIX = "/api/v1/"
# Browser-only middleware left out of the API chain (the rest of settings.MIDDLEWARE is kept, in order).
PAGES_ONLY_MIDDLEWARE = {
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "axes.middleware.AxesMiddleware",
    "csp.middleware.CSPMiddleware",  # JSON answers run no script; the API docs page has the pages' chain
}


class APIHandler(WSGIHandler):
    """Django's WSGI handler with the middleware of ``settings.MIDDLEWARE`` minus
    ``PAGES_ONLY_MIDDLEWARE`` (the settings are read once, when the chain is built)."""

    def load_middleware(self, is_async=False):
        from django.conf import settings

        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = [path for path in full if path not in PAGES_ONLY_MIDDLEWARE]
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


class PathDispatcher:
    """Sends ``/api/v1/…`` to the API handler, anything else to the pages' handler."""

    def __init__(self, pages, api, prefix: str = API_PREFIX):
        self.pages, self.api, self.prefix = pages, api, prefix

    def __call__(self, environ, start_response):
        handler = self.api if environ.get("PATH_INFO", "").startswith(self.prefix) else self.pages
        return handler(environ, start_response)


pages_application = get_wsgi_application()  # also runs django.setup()
application = PathDispatcher(pages_application, APIHandler())
