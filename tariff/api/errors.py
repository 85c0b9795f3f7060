"""DRF exception handler: domain errors become 400 with field messages, never 500."""
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tariff.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            payload = {k: list(v) for k, v in exc.message_dict.items()}
        else:
            payload = {"non_field_errors": list(exc.messages)}
        payload.setdefault("code", "invalid")
        return Response(payload, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)
