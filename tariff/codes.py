"""Tariff codes: 10-digit national nomenclature (SH 6 digits + 4 national digits).

Stored canonical form: ten digits, no dots (``8517130000``); displayed dotted as
the circulars print them (``8517.13.00.00``).
"""
import re

from .kit.errors import DomainError

_CODE_RE = re.compile(r"^\d{10}$")


class InvalidTariffCode(DomainError):
    code = "invalid_tariff_code"


def normalize_tariff_code(value: str, *, field: str = "tariff_code") -> str:
    if type(value) is str and len(value) == 10 and value.isdigit():
        return value  # already canonical (every stored code): the hot path of bulk liquidation
    raw = str(value or "").strip()
    digits = re.sub(r"[.\s]", "", raw)
    if not _CODE_RE.match(digits):
        raise InvalidTariffCode(
            f"Code tarifaire invalide « {raw} » : 10 chiffres attendus (ex. 8517.13.00.00).",
            field=field,
        )
    return digits


def normalize_code_prefix(value: str) -> str:
    """A nomenclature prefix (chapter, heading, SH6, ...) in digits only."""
    digits = re.sub(r"[.\s]", "", str(value or "").strip())
    if not digits.isdigit() or len(digits) > 10:
        raise InvalidTariffCode(f"Préfixe tarifaire invalide « {value} ».", field="tariff_prefixes")
    return digits


def format_tariff_code(code: str) -> str:
    return f"{code[0:4]}.{code[4:6]}.{code[6:8]}.{code[8:10]}" if len(code) == 10 else code


def split_prefixes(text: str) -> list[str]:
    return [normalize_code_prefix(p) for p in re.split(r"[,;\s]+", text or "") if p.strip()]
