"""gunicorn settings (``gunicorn -c config/gunicorn.py config.wsgi``).

No ``Server`` banner: gunicorn names itself and its version in every answer, which only helps
someone looking for a known flaw. The pages, the admin and the API answer within gunicorn's
default 30 s timeout: anything longer runs as a Celery job (what-if, recalculation, imports)."""
import os

from gunicorn.http import wsgi

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))


class _Response(wsgi.Response):
    def default_headers(self):
        return [h for h in super().default_headers() if not h.lower().startswith("server:")]


wsgi.Response = _Response
