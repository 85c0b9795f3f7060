"""Tax rules of the tariff engine: pure functions over the reference rows.

Sources: DI — tariff of LF 25-00 art. 4 §I as amended (circ. 6255/210, 6522/210);
TIC — dahir 1-77-340 art. 9, tables A, G, H, I, J, K, L; TVA — CGI art. 121, 123.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .errors import DomainError
from .models import BlanketDutyChange, DutyRate, ExciseCategory, ExciseRate, FinanceLaw
from .money import QUANTITY_DECIMAL_PLACES, QUANTITY_MAX_DIGITS, percent_of, to_decimal, truncate

ZERO = Decimal("0")


class MissingAttribute(DomainError):
    code = "missing_attribute"


@dataclass(frozen=True)
class RateDecision:
    rate: Decimal
    law: FinanceLaw
    detail: str = ""


def decide_duty_rate(*, line, explicit: DutyRate, blanket_changes: list[BlanketDutyChange]) -> RateDecision:
    """DI rate of ``line``: its own row, unless a later blanket change rewrote that rate.

    LF 2024 art. 4-I (circ. 6522/210 §II.1): every 40% line becomes 30%, except chapter
    24 and lines already at 40% before LFR 35-20 (2020) — decided from the line's flag.
    A blanket change applies only to a rate set before it took effect; a row a law
    sets on or after that date is the law's own word and wins.
    """
    decision = RateDecision(explicit.rate, explicit.law, explicit.note)
    for change in blanket_changes:
        if explicit.valid_from >= change.valid_from or decision.rate != change.from_rate:
            continue
        if line.chapter in change.excluded_chapter_list:
            continue
        if change.exclude_lines_at_40_before_lfr_2020 and line.di_40_before_lfr_2020:
            continue
        decision = RateDecision(
            change.to_rate,
            change.law,
            change.description or f"{change.from_rate}% → {change.to_rate}% ({change.law})",
        )
    return decision


# --- TIC ------------------------------------------------------------------------------------

class InvalidAttribute(DomainError):
    code = "invalid_attribute"


# The characteristics the TIC tables read (dahir 1-77-340 art. 9, tables A, G, H, I, J, K, L),
# by kind. Numbers are non-negative and finite: a NaN or an infinity can never be a volume.
NUMERIC_ATTRIBUTES = ("sugar_g_per_100", "retail_value", "volume_l", "volume_ml", "alcohol_pct_vol", "net_mass_kg",
                      "screen_size_inches")
BOOLEAN_ATTRIBUTES = ("contains_nicotine", "has_screen")
WORD_ATTRIBUTES = ("energy_class", "product_kind", "vehicle_kind")
ATTRIBUTES = ("energy_class", "sugar_g_per_100", "product_kind", "retail_value", "volume_l", "volume_ml",
              "alcohol_pct_vol", "net_mass_kg", "screen_size_inches", "contains_nicotine", "has_screen", "vehicle_kind")


def _finite_decimal(value) -> Decimal | None:
    """``value`` as a finite Decimal (numbers, or text with a dot or a decimal comma), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", ".")) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def clean_attributes(attributes: dict) -> dict:
    """Check the excise characteristics when an article or a quote is entered, so a bad one is a
    400 naming it, never an error at liquidation: numbers finite and not
    negative (kept as exact text), yes/no for the booleans, short words for the others. Other
    names are claims other rules read (``declarations.exemptions``): simple values only."""
    if not isinstance(attributes, dict):
        raise InvalidAttribute("Les caractéristiques doivent être un objet nom → valeur.", field="attributes")
    cleaned: dict = {}
    for name, value in attributes.items():
        if isinstance(value, (dict, list)):
            raise InvalidAttribute(f"« {name} » : valeur simple attendue.", field="attributes")
        if value is None or value == "":
            continue
        if name not in ATTRIBUTES:  # a claim read by another rule (exemption codes): kept as given
            if isinstance(value, float) and not math.isfinite(value):
                raise InvalidAttribute(f"« {name} » doit être un nombre fini.", field="attributes")
            cleaned[name] = value
        elif name in NUMERIC_ATTRIBUTES:
            number = _finite_decimal(value)
            if number is None:
                raise InvalidAttribute(f"« {name} » doit être un nombre fini (ex. 330 ou 12,5).", field="attributes")
            if number < 0:
                raise InvalidAttribute(f"« {name} » ne peut pas être négatif.", field="attributes")
            if number.adjusted() >= QUANTITY_MAX_DIGITS - QUANTITY_DECIMAL_PLACES:
                raise InvalidAttribute(f"« {name} » : nombre trop grand.", field="attributes")
            cleaned[name] = str(value).strip().replace(",", ".") if isinstance(value, str) else str(number)
        elif name in BOOLEAN_ATTRIBUTES:
            if isinstance(value, str) and value.strip().lower() in ("true", "false"):
                value = value.strip().lower() == "true"  # "true" / "false" as text, as the API took them
            if not isinstance(value, bool):
                raise InvalidAttribute(f"« {name} » : oui ou non (true / false).", field="attributes")
            cleaned[name] = value
        else:
            if not isinstance(value, str) or len(value) > 40:
                raise InvalidAttribute(f"« {name} » : un mot de 40 caractères au plus.", field="attributes")
            cleaned[name] = value.strip()
    return cleaned


def _attr(attributes: dict, name: str, *, why: str):
    value = attributes.get(name)
    if value is None or value == "":
        raise MissingAttribute(f"L'attribut « {name} » est requis ({why}).", field="attributes")
    return value


def _attr_decimal(attributes: dict, name: str, *, why: str) -> Decimal:
    value = _attr(attributes, name, why=why)
    number = _finite_decimal(value)
    if number is None:
        raise MissingAttribute(f"L'attribut « {name} » doit être un nombre.", field="attributes")
    if number < 0:
        raise MissingAttribute(f"L'attribut « {name} » ne peut pas être négatif.", field="attributes")
    return number


def normalize_band_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip().lower()


def band_matches(rate: ExciseRate, value) -> bool:
    if rate.band_values:
        allowed = {v.strip().lower() for v in rate.band_values.split(",")}
        return normalize_band_value(value) in allowed
    if rate.band_min is None and rate.band_max is None:
        return False
    number = _finite_decimal(value)
    if number is None:
        return False
    if rate.band_min is not None:
        if number < rate.band_min or (number == rate.band_min and not rate.band_min_inclusive):
            return False
    if rate.band_max is not None:
        if number > rate.band_max or (number == rate.band_max and not rate.band_max_inclusive):
            return False
    return True


def select_excise_category(categories: list[ExciseCategory], attributes: dict) -> ExciseCategory | None:
    if not categories:
        return None
    if len(categories) == 1:
        return categories[0]
    kinds = sorted(c.product_kind for c in categories if c.product_kind)
    kind = attributes.get("product_kind")
    if not kind:
        raise MissingAttribute(
            "L'attribut « product_kind » est requis pour choisir la catégorie TIC de cette position "
            f"(valeurs possibles : {', '.join(kinds)}).",
            field="attributes",
        )
    for category in categories:
        if category.product_kind == kind:
            return category
    raise MissingAttribute(
        f"product_kind « {kind} » inconnu pour cette position (valeurs possibles : {', '.join(kinds)}).",
        field="attributes",
    )


def select_excise_band(category: ExciseCategory, rates: list[ExciseRate], attributes: dict) -> ExciseRate:
    conditioned = [r for r in rates if r.has_band_condition]
    fallback = [r for r in rates if not r.has_band_condition]
    if category.band_attribute and conditioned:
        value = attributes.get(category.band_attribute)
        if value is None or value == "":
            if category.band_attribute_required or not fallback:
                bands = ", ".join(r.band_label for r in conditioned)
                raise MissingAttribute(
                    f"L'attribut « {category.band_attribute} » est requis pour la TIC {category.table} "
                    f"« {category.label} » (tranches : {bands}).",
                    field="attributes",
                )
            return fallback[0]
        for rate in conditioned:
            if band_matches(rate, value):
                return rate
        if fallback:
            return fallback[0]
        raise MissingAttribute(
            f"Aucune tranche de la TIC « {category.label} » pour {category.band_attribute} = {value}.",
            field="attributes",
        )
    return (fallback or rates)[0]


def excise_taxable_quantity(category: ExciseCategory, *, quantity, attributes: dict) -> Decimal:
    source = category.quantity_source
    why = f"TIC {category.table} {category.label}"
    if source == ExciseCategory.QuantitySource.QUANTITY:
        if quantity is None:
            raise MissingAttribute(f"La quantité est requise ({why}).", field="quantity")
        return to_decimal(quantity)
    if source == ExciseCategory.QuantitySource.NET_MASS_KG:
        # Declarations give the article's net mass; a quote on a line measured in kg may give the quantity.
        if attributes.get("net_mass_kg") not in (None, ""):
            return _attr_decimal(attributes, "net_mass_kg", why=why)
        if quantity is None:
            raise MissingAttribute(f"La masse nette (attributes.net_mass_kg) est requise ({why}).", field="attributes")
        return to_decimal(quantity)
    if source == ExciseCategory.QuantitySource.VOLUME_L:
        return _attr_decimal(attributes, "volume_l", why=why)
    if source == ExciseCategory.QuantitySource.VOLUME_ML:
        return _attr_decimal(attributes, "volume_ml", why=why)
    if source == ExciseCategory.QuantitySource.PURE_ALCOHOL_L:
        volume = _attr_decimal(attributes, "volume_l", why=why)
        # Table A-IV: hectolitre of pure alcohol, "les dixièmes de degré étant taxables".
        degree = truncate(_attr_decimal(attributes, "alcohol_pct_vol", why=why), "0.1")
        return volume * degree / Decimal(100)
    raise ValueError(f"Unknown quantity source {source}")


@dataclass(frozen=True)
class ExciseDue:
    amount: Decimal  # unrounded
    quantity: Decimal
    blocks: Decimal
    detail: str


def excise_due(category: ExciseCategory, rate: ExciseRate, *, quantity, attributes: dict) -> ExciseDue:
    """Specific + ad valorem, at least the minimum (table G); zero unless ABOVE a sugar threshold (A, L)."""
    qty = excise_taxable_quantity(category, quantity=quantity, attributes=attributes)
    blocks = qty / to_decimal(category.per_quantity)
    if rate.sugar_threshold is not None:
        sugar = _attr_decimal(attributes, "sugar_g_per_100", why=f"TIC {category.table} {category.label}")
        if sugar <= rate.sugar_threshold:
            return ExciseDue(ZERO, qty, blocks, f"teneur en sucre {sugar} g ≤ seuil {rate.sugar_threshold} g : non taxable")
    amount = blocks * rate.specific_amount
    parts = [f"{blocks.normalize():f} × {rate.specific_amount.normalize():f} DH"]
    if rate.ad_valorem_rate is not None:
        retail = _attr_decimal(attributes, "retail_value", why="assiette ad valorem de la TIC")
        amount += percent_of(retail, rate.ad_valorem_rate)
        parts.append(f"{rate.ad_valorem_rate.normalize():f} % × {retail.normalize():f} DH")
    detail = " + ".join(parts)
    if rate.minimum_amount is not None:
        minimum = blocks * rate.minimum_amount
        if minimum > amount:
            return ExciseDue(minimum, qty, blocks, f"minimum de perception {rate.minimum_amount.normalize():f} DH × {blocks.normalize():f}")
    return ExciseDue(amount, qty, blocks, detail)
