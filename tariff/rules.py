"""Tax rules of the tariff engine: pure functions over the reference rows.

Sources: DI — tariff of LF 25-00 art. 4 §I as amended (circ. 6255/210, 6522/210);
TIC — dahir 1-77-340 art. 9, tables A, G, H, I, J, K, L; TVA — CGI art. 121, 123.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .characteristics import (
    CHARACTERISTICS,
    PRODUCT_KIND,
    InvalidAttribute,
    MissingAttribute,
    clean_attributes,
    clean_value,
    field_of,
    label_of,
)
from .characteristics import finite_decimal as _finite_decimal
from .kit.money import percent_of, to_decimal, truncate
from .kit.numbers import format_percent, format_plain, format_quantity
from .models import BlanketDutyChange, DutyRate, ExciseCategory, ExciseRate, FinanceLaw

__all__ = ["InvalidAttribute", "MissingAttribute", "clean_attributes"]  # re-exported: their home is characteristics

ZERO = Decimal("0")


@dataclass(frozen=True)
class RateDecision:
    rate: Decimal
    law: FinanceLaw
    detail: str = ""


def blanket_change_spares(change: BlanketDutyChange, line) -> bool:
    """Whether the blanket ``change`` leaves ``line`` at its own rate, whatever that rate: a line
    of an excluded chapter, or flagged at 40 % before LFR 35-20 when the change spares those.
    The queryset form, for the lines it can rewrite, is ``tariff.selectors.blanket_change_lines``."""
    # LF 2024 art. 4-I (circ. 6522/210 §II.1): « à l'exception des produits du chapitre 24 et de ceux
    # dont la quotité était fixée à 40 % avant la LFR 35-20 ».
    return line.chapter in change.excluded_chapter_list or (
        change.exclude_lines_at_40_before_lfr_2020 and line.di_40_before_lfr_2020)


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
        if blanket_change_spares(change, line):
            continue
        decision = RateDecision(
            change.to_rate,
            change.law,
            change.description or f"{format_percent(change.from_rate)} → {format_percent(change.to_rate)} ({change.law})",
        )
    return decision


# --- TIC ------------------------------------------------------------------------------------
# The characteristics the TIC tables read, their types, bounds and French labels, and the check
# run when they are entered: tariff.characteristics (one catalogue). What follows reads them at
# quote/liquidation time and keeps a defensive check (a bad stored value is a 400, never a 500).


def _missing(name: str, why: str) -> MissingAttribute:
    return MissingAttribute(f"« {label_of(name)} » est requis ({why}).", field=field_of(name))


def _attr(attributes: dict, name: str, *, why: str):
    value = attributes.get(name)
    if value is None or value == "":
        raise _missing(name, why)
    return value


def _attr_decimal(attributes: dict, name: str, *, why: str) -> Decimal:
    """The number ``name``, checked again by the catalogue's rule (a value stored before the
    check at creation — NaN, 1e999, -5 — is an ``InvalidAttribute``, never a server error)."""
    value = _attr(attributes, name, why=why)
    return Decimal(clean_value(CHARACTERISTICS[name], value))


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


def product_kinds_of(categories: list[ExciseCategory]) -> list[tuple[str, str]]:
    """(code, French label) of the product kinds that tell apart the TIC categories of a line."""
    return sorted(((c.product_kind, c.label) for c in categories if c.product_kind), key=lambda kind: kind[1])


def select_excise_category(categories: list[ExciseCategory], attributes: dict) -> ExciseCategory | None:
    if not categories:
        return None
    if len(categories) == 1:
        return categories[0]
    kinds = ", ".join(label for _code, label in product_kinds_of(categories))
    kind = attributes.get(PRODUCT_KIND)
    if not kind:
        raise MissingAttribute(
            f"« {label_of(PRODUCT_KIND)} » est requise pour choisir la catégorie TIC de cette position "
            f"(possibles : {kinds}).",
            field=field_of(PRODUCT_KIND),
        )
    for category in categories:
        if category.product_kind == kind:
            return category
    raise MissingAttribute(
        f"« {label_of(PRODUCT_KIND)} » : « {kind} » ne convient pas à cette position (possibles : {kinds}).",
        field=field_of(PRODUCT_KIND),
    )


def select_excise_band(category: ExciseCategory, rates: list[ExciseRate], attributes: dict) -> ExciseRate:
    conditioned = [r for r in rates if r.has_band_condition]
    fallback = [r for r in rates if not r.has_band_condition]
    if category.band_attribute and conditioned:
        name = category.band_attribute
        value = attributes.get(name)
        if value is None or value == "":
            if category.band_attribute_required or not fallback:
                bands = ", ".join(r.band_label for r in conditioned)
                raise MissingAttribute(
                    f"« {label_of(name)} » est requis pour la TIC {category.table} "
                    f"« {category.label} » (tranches : {bands}).",
                    field=field_of(name),
                )
            return fallback[0]
        for rate in conditioned:
            if band_matches(rate, value):
                return rate
        if fallback:
            return fallback[0]
        raise MissingAttribute(
            f"Aucune tranche de la TIC « {category.label} » pour « {label_of(name)} » = {format_plain(value) if isinstance(value, Decimal) else value}.",
            field=field_of(name),
        )
    return (fallback or rates)[0]


def excise_band_required(category: ExciseCategory, rates: list[ExciseRate]) -> bool:
    """Whether ``select_excise_band`` needs the category's band characteristic."""
    conditioned = any(r.has_band_condition for r in rates)
    fallback = any(not r.has_band_condition for r in rates)
    return bool(category.band_attribute) and conditioned and (category.band_attribute_required or not fallback)


def excise_characteristics_needed(category: ExciseCategory, rates: list[ExciseRate], *,
                                  quantity_given: bool = False) -> list[str]:
    """The characteristics ``excise_due`` and ``select_excise_band`` read for ``category`` with
    the ``rates`` in force: its taxable quantity, its band, the sugar content when a threshold
    applies (tables A, L), the retail value when an ad valorem part applies (table G)."""
    source = category.quantity_source
    needed = {
        ExciseCategory.QuantitySource.VOLUME_L: ["volume_l"],
        ExciseCategory.QuantitySource.VOLUME_ML: ["volume_ml"],
        ExciseCategory.QuantitySource.PURE_ALCOHOL_L: ["volume_l", "alcohol_pct_vol"],
        ExciseCategory.QuantitySource.NET_MASS_KG: [] if quantity_given else ["net_mass_kg"],
    }.get(source, [])
    if excise_band_required(category, rates):
        needed.append(category.band_attribute)
    if any(r.sugar_threshold is not None for r in rates):
        needed.append("sugar_g_per_100")
    if any(r.ad_valorem_rate is not None for r in rates):
        needed.append("retail_value")
    return list(dict.fromkeys(needed))


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
            raise _missing("net_mass_kg", why)
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
            return ExciseDue(ZERO, qty, blocks, f"teneur en sucre {format_quantity(sugar, 'g')} ≤ seuil {format_quantity(rate.sugar_threshold, 'g')} : non taxable")
    amount = blocks * rate.specific_amount
    parts = [f"{format_plain(blocks)} × {format_quantity(rate.specific_amount, 'DH')}"]
    if rate.ad_valorem_rate is not None:
        retail = _attr_decimal(attributes, "retail_value", why="assiette ad valorem de la TIC")
        amount += percent_of(retail, rate.ad_valorem_rate)
        parts.append(f"{format_percent(rate.ad_valorem_rate)} × {format_quantity(retail, 'DH')}")
    detail = " + ".join(parts)
    if rate.minimum_amount is not None:
        minimum = blocks * rate.minimum_amount
        if minimum > amount:
            return ExciseDue(minimum, qty, blocks, f"minimum de perception {format_quantity(rate.minimum_amount, 'DH')} × {format_plain(blocks)}")
    return ExciseDue(amount, qty, blocks, detail)
