"""Logging filters: a refused request (4xx) is logged on one line, without the traceback of the
``PermissionDenied``/``Http404`` behind it — an office reading the console takes tracebacks for
crashes; a server error (5xx) keeps its traceback."""
import logging


class NoTracebackForClientErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
