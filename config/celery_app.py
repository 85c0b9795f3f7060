"""Celery application (cookiecutter-django wiring).

Settings come from Django settings with the ``CELERY_`` prefix; without
``CELERY_BROKER_URL`` the embedded mode runs tasks eagerly (see settings.base).
"""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("customs")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
