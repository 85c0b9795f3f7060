"""The API's one request parser: JSON, with limits checked before Python's recursive decoder
can fail (a body nested 1,000 deep is a RecursionError, i.e. a 500, in ``json.loads``).

Refused with a 400 in the API's error shape (``tariff.kit.api.errors``), nothing parsed:
- a body larger than ``settings.API_MAX_BODY_BYTES``;
- nesting deeper than ``MAX_DEPTH`` arrays/objects;
- ``NaN``, ``Infinity`` and numbers that overflow to an infinity (``1e999``);
- text with a NUL character or a lone surrogate (``tariff.kit.text``), in keys and values.
"""
from __future__ import annotations

import json
import math

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer

from tariff.kit.text import has_bad_characters

MAX_DEPTH = 32


class BadJSON(ParseError):
    default_code = "invalid_json"


def _too_deep(text: str, limit: int) -> bool:
    """True when arrays/objects nest deeper than ``limit`` (brackets inside strings ignored)."""
    if text.count("[") + text.count("{") <= limit:  # the usual body: no scan needed
        return False
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _refuse_constant(name: str):
    raise ValueError(f"« {name} » n'est pas un nombre accepté")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"nombre hors limites « {text[:20]} »")
    return value


def _check_text(value, path: str = "") -> None:
    if isinstance(value, str):
        if has_bad_characters(value):
            raise BadJSON(f"Caractère interdit (NUL ou demi-paire UTF-16) dans « {path or 'le corps'} ».",
                          code="invalid_characters")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, path)
            _check_text(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_text(item, f"{path}[{i}]")


class JSONParser(BaseParser):
    media_type = "application/json"
    renderer_class = JSONRenderer

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise BadJSON(f"Corps de requête trop grand (plus de {limit // 1024} Kio).", code="body_too_large")
        try:
            text = raw.decode((parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET)
        except (LookupError, UnicodeError):  # unknown or non-text charset (base64, rot13…)
            raise BadJSON("Corps de requête illisible : UTF-8 attendu.", code="invalid_json") from None
        if _too_deep(text, MAX_DEPTH):
            raise BadJSON(f"JSON trop imbriqué (plus de {MAX_DEPTH} niveaux).", code="json_too_deep")
        try:
            data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
        except json.JSONDecodeError as exc:  # Python's own message is English: its position only
            raise BadJSON(f"JSON invalide (ligne {exc.lineno}, colonne {exc.colno}).", code="invalid_json") from None
        except ValueError as exc:  # a constant or a number refused above: the message is ours, in French
            raise BadJSON(f"JSON invalide : {exc}.", code="invalid_json") from None
        except RecursionError:
            raise BadJSON("JSON invalide.", code="invalid_json") from None
        _check_text(data)
        return data
