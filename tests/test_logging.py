"""The console log of a refused request is one line; a server error keeps its traceback."""
import logging
import sys

from config.logging import NoTracebackForClientErrors


def _record(status_code):
    try:
        raise PermissionError("refusé")
    except PermissionError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Forbidden: /x/", None, exc_info)
    record.status_code = status_code
    return record


def test_a_4xx_is_logged_without_its_traceback_a_5xx_with_it():
    keep = NoTracebackForClientErrors()
    forbidden, error = _record(403), _record(500)
    assert keep.filter(forbidden) and keep.filter(error)
    assert logging.Formatter().format(forbidden) == "Forbidden: /x/"
    assert "Traceback" in logging.Formatter().format(error)
