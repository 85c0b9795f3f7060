"""Text that can be stored and compared: no NUL character (PostgreSQL refuses it in text) and
no lone UTF-16 surrogate (not encodable in UTF-8). One check for the whole project: the API's
JSON parser, the query-string and path guard (``config.middleware``) and form fields use it.

``search_key``: text as it is searched (no accents, lower case), the one normalisation the
tariff search stores and queries with."""
import re
import unicodedata

from django.core.exceptions import ValidationError

BAD_CHARACTERS = re.compile("[\x00\ud800-\udfff]")


def has_bad_characters(value: str) -> bool:
    return bool(BAD_CHARACTERS.search(value))


def validate_plain_text(value) -> None:
    if isinstance(value, str) and has_bad_characters(value):
        raise ValidationError("Caractère interdit (NUL ou demi-paire UTF-16).", code="invalid_characters")


LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})  # NFKD keeps them


def search_key(value) -> str:
    """Text as it is searched: accents taken off (``téléphones`` → ``telephones``), lower case,
    spaces collapsed. The one normalisation of searchable text: ``TariffLine.search_text`` is
    stored with it and every query goes through it, on SQLite and PostgreSQL alike."""
    decomposed = unicodedata.normalize("NFKD", str(value or "").translate(LIGATURES))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())
