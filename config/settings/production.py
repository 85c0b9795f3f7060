"""Production: PostgreSQL + Redis + real Celery workers; secure by default."""
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, DATABASES, MIDDLEWARE, SECRET_KEY, env

DEBUG = False
ALLOW_ILLUSTRATIVE_EXCHANGE_RATES = env.bool("ALLOW_ILLUSTRATIVE_EXCHANGE_RATES", default=False)
DEMO_MODE = False  # never list demo logins on a production login page
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and not env.bool(
    "DJANGO_ALLOW_SQLITE", default=False
):
    raise ImproperlyConfigured("Production needs DATABASE_URL (PostgreSQL).")

# WhiteNoise serves the collected static files right after SecurityMiddleware.
MIDDLEWARE = [MIDDLEWARE[0], "whitenoise.middleware.WhiteNoiseMiddleware", *MIDDLEWARE[1:]]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# One year: what the HSTS preload list requires before a site announces ``preload``. Preload is
# only announced with that year (a shorter DJANGO_SECURE_HSTS_SECONDS, e.g. while trying HTTPS
# out, drops it), and can be turned off with DJANGO_SECURE_HSTS_PRELOAD=false.
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True) and SECURE_HSTS_SECONDS >= 60 * 60 * 24 * 365
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# Forms are posted over HTTPS from the served hosts only (override with DJANGO_CSRF_TRUSTED_ORIGINS).
CSRF_TRUSTED_ORIGINS = CSRF_TRUSTED_ORIGINS or [
    f"https://{host.lstrip('.')}" for host in ALLOWED_HOSTS if host not in ("*", "localhost", "127.0.0.1", "[::1]")
]
