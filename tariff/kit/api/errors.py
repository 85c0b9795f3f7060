"""DRF exception handler: every 4xx of the API in one French shape, never a 500 for bad input.

    {"code": "<machine code>", "detail": "<French message>", "field": "<input field>"?,
     "errors": [{"code", "detail", "field"}, ...]?}

Domain refusals (``DomainError``) and validation errors also keep their messages under each
field's name (``{"amount": ["…"]}``), as clients of the first versions read them."""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from tariff.kit.errors import DomainError


def _flatten(detail, prefix: str = "") -> list[dict]:
    """``{"articles": [{"tariff_code": ["…"]}]}`` → ``[{"field": "articles[0].tariff_code", …}]``."""
    if isinstance(detail, dict):
        items = []
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            if name.isdigit():  # a list serializer's errors are keyed by position
                path = f"{prefix}[{name}]"
            else:
                path = f"{prefix}.{name}" if prefix and name else (name or prefix)
            items += _flatten(value, path)
        return items
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [{"code": getattr(item, "code", "invalid") or "invalid", "detail": str(item), "field": prefix or None}
                    for item in detail]
        items = []
        for i, value in enumerate(detail):
            items += _flatten(value, f"{prefix}[{i}]")
        return items
    return [{"code": getattr(detail, "code", "invalid") or "invalid", "detail": str(detail), "field": prefix or None}]


def validation_body(detail) -> dict:
    errors = _flatten(detail)
    first = errors[0] if errors else {"code": "invalid", "detail": "Données invalides.", "field": None}
    body = dict(detail) if isinstance(detail, dict) else {}
    body.update(code=first["code"], detail=first["detail"], errors=errors)
    if first["field"]:
        body["field"] = first["field"]
    return body


NOT_FOUND = "Ressource introuvable."  # every 404 of the API, whatever raised it


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = exc.as_dict()
        if exc.field:
            body.setdefault("field", exc.field)
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        detail = ({k: list(v) for k, v in exc.message_dict.items()} if hasattr(exc, "message_dict")
                  else {"non_field_errors": list(exc.messages)})
        return Response(validation_body(detail), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404) or (  # Django's message is English and names the model
            isinstance(exc, exceptions.NotFound) and exc.detail == exceptions.NotFound.default_detail):
        exc = exceptions.NotFound(NOT_FOUND)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        response.data = validation_body(exc.detail)
    elif isinstance(exc.detail, str):
        response.data = {"code": exc.detail.code if hasattr(exc.detail, "code") else exc.default_code,
                         "detail": str(exc.detail)}
    return response
