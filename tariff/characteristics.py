"""The catalogue of an article's characteristics (``Article.attributes``, the quote's
``attributes``): one entry per key, with its type, bounds, French label and unit, and the TIC
tables that read it; then the check every entry point runs (API, pages, services).

TIC characteristics: dahir 1-77-340 art. 9 as amended by LF 76-21 (circ. 6255/210 annexe III)
and LF 55-23 (circ. 6522/210 annexe III). Exemption claims: read by ``declarations.exemptions`` (keys in ``claims``)
(circ. 6522/210 §IV-1 for code 2013, §I.3 quotas, CGI art. 123-22° investment goods, CDII art. 13).

Stored keys and values keep their historical shape: numbers as exact decimal text, yes/no as
JSON booleans, choices as their code. This module imports no tariff model: which keys a tariff
line needs on a date is ``tariff.services.excise_characteristics_required``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from .kit.errors import DomainError, DomainErrors
from .kit.money import MONEY_MAX_DIGITS, QUANTITY_DECIMAL_PLACES, QUANTITY_MAX_DIGITS
from .kit.numbers import format_plain

DECIMAL = "decimal"
BOOLEAN = "boolean"
CHOICE = "choice"
TEXT = "text"
INTEGER = "integer"

# Numbers are kept to this many decimals at most ("1e-9999" is not a volume).
MAX_DECIMAL_PLACES = 6
TEXT_MAX_LENGTH = 40
TRUE_WORDS = ("true", "oui", "vrai", "1", "yes")
FALSE_WORDS = ("false", "non", "faux", "0", "no")


class InvalidAttribute(DomainError):
    code = "invalid_attribute"


class UnknownAttribute(InvalidAttribute):
    code = "unknown_attribute"


class MissingAttribute(DomainError):
    code = "missing_attribute"


@dataclass(frozen=True)
class Characteristic:
    key: str
    kind: str
    label: str
    unit: str = ""
    tables: tuple[str, ...] = ()  # TIC tables that read it; empty for an exemption claim
    max_value: Decimal | None = None  # inclusive; every number is >= 0
    max_digits: int = QUANTITY_MAX_DIGITS - QUANTITY_DECIMAL_PLACES  # digits before the decimal point
    step: str = "any"  # of the page's number input
    choices: tuple[tuple[str, str], ...] = ()  # (code, French label); product kinds come from the data
    help_text: str = ""

    @property
    def is_claim(self) -> bool:
        return not self.tables

    @property
    def verbose(self) -> str:
        """« Volume (ml) » — the label pages and messages show."""
        return f"{self.label} ({self.unit})" if self.unit else str(self.label)

    def choice_label(self, code) -> str:
        for value, label in self.choices:
            if value == code:
                return str(label)
        return str(code)


ENERGY_CLASSES = tuple((c, c) for c in "ABCDEFG")
VEHICLE_KINDS = (
    ("car", _("automobile ou autre véhicule")),
    ("wheelchair", _("fauteuil roulant adapté")),
    ("moped", _("cyclomoteur")),
    ("motorcycle", _("motocycle")),
    ("tricycle", _("tricycle")),
)

# Product kinds tell apart the TIC categories of one tariff line (ExciseCategory.product_kind);
# their codes and French labels are the reference data's (tariff/data/excise_categories.csv).
PRODUCT_KIND = "product_kind"

CHARACTERISTICS: dict[str, Characteristic] = {c.key: c for c in (
    # --- TIC (excise) -------------------------------------------------------------------------
    Characteristic(PRODUCT_KIND, CHOICE, _("Nature du produit"), tables=("A", "K", "L"),
                   help_text=_("Quand la position couvre plusieurs catégories TIC.")),
    # Table A (circ. 6522/210 annexe III): DH per hl; spirits per hl of pure alcohol.
    Characteristic("volume_l", DECIMAL, _("Volume"), "l", tables=("A",), step="0.001"),
    Characteristic("alcohol_pct_vol", DECIMAL, _("Titre alcoométrique"), "% vol", tables=("A",),
                   max_value=Decimal("100"), step="0.1"),
    # Tables A and L: taxed above a sugar threshold, in g per 100 g or 100 ml.
    Characteristic("sugar_g_per_100", DECIMAL, _("Teneur en sucre"), "g/100 g ou ml", tables=("A", "L"),
                   max_value=Decimal("100"), step="0.01"),
    # Table G (circ. 6255/210 §III.5): ad valorem on the retail price excl. VAT and specific TIC.
    Characteristic("retail_value", DECIMAL, _("Prix de vente public HT hors TIC spécifique"), "DH", tables=("G",),
                   max_digits=MONEY_MAX_DIGITS - 2, step="0.01",
                   help_text=_("Pour toute la quantité de l'article.")),
    # Table H (circ. 6255/210 annexe III): per 10 ml, with or without nicotine.
    Characteristic("volume_ml", DECIMAL, _("Volume"), "ml", tables=("H",), step="0.001"),
    Characteristic("contains_nicotine", BOOLEAN, _("Contient de la nicotine"), tables=("H",)),
    # Tables I (per kg) and L (per 100 kg); an article's own net mass when not given.
    Characteristic("net_mass_kg", DECIMAL, _("Masse nette"), "kg", tables=("I", "L"), step="0.001"),
    # Table J (circ. 6255/210 annexe III): appliances by energy class.
    Characteristic("energy_class", CHOICE, _("Classe énergétique"), tables=("J",), choices=ENERGY_CLASSES),
    # Table K (circ. 6255/210 annexe III).
    Characteristic("screen_size_inches", DECIMAL, _("Taille d'écran"), "pouces", tables=("K",),
                   max_value=Decimal("1000"), step="0.1"),
    Characteristic("has_screen", BOOLEAN, _("Avec écran"), tables=("K",)),
    Characteristic("vehicle_kind", CHOICE, _("Véhicule de la batterie"), tables=("K",), choices=VEHICLE_KINDS),
    # --- exemption claims (declarations.exemptions) --------------------------------------------
    Characteristic("school_supply_item", INTEGER, _("N° de la fourniture scolaire (annexe IV-1)"),
                   max_value=Decimal("9999"), step="1"),
    Characteristic("school_supply_material", BOOLEAN, _("Produit ou matière entrant dans une fourniture scolaire")),
    Characteristic("quota_partial", BOOLEAN, _("Contingent : accepter un dépassement au taux normal")),
    Characteristic("investment_convention", TEXT, _("N° de la convention d'investissement")),
    Characteristic("investment_goods_vat_exempt", BOOLEAN, _("Biens d'investissement exonérés de TVA")),
    Characteristic("transitional_clause_art13", BOOLEAN, _("Clause transitoire (CDII art. 13)")),
)}

EXCISE_CHARACTERISTICS = tuple(c for c in CHARACTERISTICS.values() if not c.is_claim)
CLAIMS = tuple(c for c in CHARACTERISTICS.values() if c.is_claim)


def characteristic(key: str) -> Characteristic | None:
    return CHARACTERISTICS.get(key)


def label_of(key: str) -> str:
    """The French label of ``key`` (the key itself for a name outside the catalogue)."""
    entry = CHARACTERISTICS.get(key)
    return entry.verbose if entry else key


def field_of(key: str, prefix: str = "attributes") -> str:
    return f"{prefix}.{key}"


# --- values ------------------------------------------------------------------------------------

def finite_decimal(value) -> Decimal | None:
    """``value`` as a finite Decimal (numbers, or text with a dot or a decimal comma), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        return None
    if isinstance(value, Decimal):
        number = value
    else:
        try:
            number = Decimal(str(value).strip().replace(",", "."))
        except (InvalidOperation, ValueError):
            return None
    return number if number.is_finite() else None


def as_boolean(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    return None


def clean_value(entry: Characteristic, value, *, product_kinds=None, field: str | None = None):
    """``value`` of ``entry`` as it is stored, or ``InvalidAttribute`` naming the French label."""
    field = field or field_of(entry.key)
    name = f"« {entry.verbose} »"
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidAttribute(f"{name} doit être un nombre fini.", field=field)
    if entry.kind in (DECIMAL, INTEGER):
        number = finite_decimal(value)
        if number is None:
            raise InvalidAttribute(f"{name} doit être un nombre fini (ex. 330 ou 12,5).", field=field)
        if number < 0:
            raise InvalidAttribute(f"{name} ne peut pas être négatif.", field=field)
        if number.adjusted() >= entry.max_digits or (entry.max_value is not None and number > entry.max_value):
            limit = f" (au plus {format_plain(entry.max_value)})" if entry.max_value is not None else ""
            raise InvalidAttribute(f"{name} : nombre trop grand{limit}.", field=field)
        if entry.kind == INTEGER:
            if number != number.to_integral_value():
                raise InvalidAttribute(f"{name} doit être un nombre entier.", field=field)
            return int(number)
        if number and number.normalize().as_tuple().exponent < -MAX_DECIMAL_PLACES:
            raise InvalidAttribute(f"{name} : {MAX_DECIMAL_PLACES} décimales au plus.", field=field)
        return f"{number:f}"  # exact decimal text, as the engine has always read it ("330", "12.5")
    if entry.kind == BOOLEAN:
        flag = as_boolean(value)
        if flag is None:
            raise InvalidAttribute(f"{name} : oui ou non (true / false).", field=field)
        return flag
    if not isinstance(value, str) or len(value.strip()) > TEXT_MAX_LENGTH:
        raise InvalidAttribute(f"{name} : un texte de {TEXT_MAX_LENGTH} caractères au plus.", field=field)
    text = value.strip()
    if entry.kind == CHOICE:
        codes = [code for code, _label in entry.choices] if entry.choices else list(product_kinds or ())
        if entry.key == "energy_class":
            text = text.upper()
        if codes and text not in codes:
            raise InvalidAttribute(f"{name} : valeur « {text} » inconnue (possibles : {', '.join(codes)}).",
                                   field=field)
    return text


def clean_attributes(attributes, *, product_kinds=None, prefix: str = "attributes") -> dict:
    """Check an article's or a quote's characteristics as they are entered, so a bad one is a 400
    naming it (``attributes.volume_ml``), never an error at liquidation: known keys only, numbers
    finite, not negative and within bounds, yes/no for the booleans, a listed code for the
    choices. Every violation is reported at once. ``product_kinds``: the codes a ``product_kind``
    may take (``None``: not checked here, the engine refuses an unknown one)."""
    if not isinstance(attributes, dict):
        raise InvalidAttribute("Les caractéristiques doivent être un objet nom → valeur.", field=prefix)
    cleaned: dict = {}
    errors: list[DomainError] = []
    for key, value in attributes.items():
        field = field_of(str(key), prefix)
        entry = CHARACTERISTICS.get(key)
        if entry is None:
            errors.append(UnknownAttribute(
                f"Caractéristique inconnue « {key} » (possibles : {', '.join(CHARACTERISTICS)}).", field=field))
            continue
        if isinstance(value, (dict, list)):
            errors.append(InvalidAttribute(f"« {entry.verbose} » : valeur simple attendue.", field=field))
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            cleaned[key] = clean_value(entry, value, product_kinds=product_kinds, field=field)
        except InvalidAttribute as exc:
            errors.append(exc)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DomainErrors(errors)
    return cleaned


# --- display -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ShownCharacteristic:
    key: str
    label: str
    value: object  # Decimal for numbers (formatted by the template), else French text
    unit: str = ""

    @property
    def is_number(self) -> bool:
        return isinstance(self.value, Decimal)


def characteristics_display(attributes: dict, *, product_kind_labels: dict | None = None) -> list[ShownCharacteristic]:
    """An article's characteristics for a page: French label, number as a Decimal (the template
    formats it the French way), yes/no and choices in French, in catalogue order."""
    attributes = attributes or {}
    shown = []
    ordered = [k for k in CHARACTERISTICS if k in attributes] + [k for k in attributes if k not in CHARACTERISTICS]
    for key in ordered:
        value = attributes[key]
        if value is None or value == "":
            continue
        entry = CHARACTERISTICS.get(key)
        if entry is None:
            shown.append(ShownCharacteristic(key, key, str(value)))
            continue
        if entry.kind in (DECIMAL, INTEGER) and finite_decimal(value) is not None:
            number = finite_decimal(value)
            number = number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()
            shown.append(ShownCharacteristic(key, str(entry.label), number, entry.unit))
        elif entry.kind == BOOLEAN and as_boolean(value) is not None:
            shown.append(ShownCharacteristic(key, str(entry.label), str(_("oui") if as_boolean(value) else _("non"))))
        elif entry.key == PRODUCT_KIND:
            shown.append(ShownCharacteristic(key, str(entry.label), (product_kind_labels or {}).get(value, str(value))))
        else:
            shown.append(ShownCharacteristic(key, str(entry.label), entry.choice_label(value), entry.unit))
    return shown
