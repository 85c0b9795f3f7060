"""Text that can be stored and compared: no NUL character (PostgreSQL refuses it in text) and
no lone UTF-16 surrogate (not encodable in UTF-8). One check for the whole project: the API's
JSON parser, the query-string and path guard (``config.middleware``) and form fields use it."""
import re

from django.core.exceptions import ValidationError

BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


def has_bad_characters(value: str) -> bool:
    return bool(BAD_CHARACTERS.search(value))


def validate_plain_text(value) -> None:
    if isinstance(value, str) and has_bad_characters(value):
        raise ValidationError("Caractère interdit (NUL ou demi-paire UTF-16).", code="invalid_characters")
