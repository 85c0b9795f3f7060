"""Test settings: the database comes from DATABASE_URL (PostgreSQL in CI), SQLite otherwise."""
from .base import *  # noqa: F401,F403
from .base import REST_FRAMEWORK, env

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY", default="test-only-secret-key-not-for-production-0123456789")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = "/tmp/customs-test-media"
# Tests run tasks in-process; the real worker path has its own end-to-end test.
CELERY_TASK_ALWAYS_EAGER = True
# The locmem cache outlives each test and user ids are reused after rollbacks: throttle
# histories would add up across the suite. tests/security/test_login_throttling.py tests the real rates.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"}}
