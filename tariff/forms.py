"""Forms of the tariff pages (search, rates as of a date, duty calculator), and the
helpers every page uses to show a ``DomainError`` next to the field it names."""
from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .currencies import validate_customs_currency
from .errors import DomainError
from .rules import ATTRIBUTES
from .money import LOCAL_CURRENCY, MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, QUANTITY_DECIMAL_PLACES, QUANTITY_MAX_DIGITS

# --- shared field factories -------------------------------------------------------------------


class GroupedDecimalField(forms.DecimalField):
    """A decimal typed the French way: digit groups separated by spaces, no-break or narrow
    no-break spaces ("120 000,50"), decimal comma or dot."""

    def to_python(self, value):
        if isinstance(value, str):
            value = re.sub(r"[\s\u00a0\u202f]", "", value)
        return super().to_python(value)


def money_field(label, *, required=True, **kwargs) -> forms.DecimalField:
    """An amount typed the French way ("1 234,56") or with a dot; never negative."""
    return GroupedDecimalField(
        label=label, required=required, min_value=0, max_digits=MONEY_MAX_DIGITS,
        decimal_places=MONEY_DECIMAL_PLACES, localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "num"}), **kwargs,
    )


def quantity_field(label, *, required=True, **kwargs) -> forms.DecimalField:
    return GroupedDecimalField(
        label=label, required=required, min_value=0, max_digits=QUANTITY_MAX_DIGITS,
        decimal_places=QUANTITY_DECIMAL_PLACES, localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "num"}), **kwargs,
    )


currency_validator = RegexValidator(r"^[A-Z]{3}$", _("Code devise ISO à 3 lettres (ex. EUR, MAD)."))


class CurrencyField(forms.CharField):
    def __init__(self, label, **kwargs):
        kwargs.setdefault("initial", LOCAL_CURRENCY)
        super().__init__(label=label, max_length=3, min_length=3, validators=[currency_validator, validate_customs_currency],
                         widget=forms.TextInput(attrs={"class": "currency", "list": "currencies",
                                                       "autocomplete": "off"}), **kwargs)

    def to_python(self, value):
        return super().to_python(value).strip().upper()


# Typed and shown day first (jj/mm/aaaa) whatever the browser's locale: a text input, not
# ``type=date`` (Chromium shows that one month first under en-US). ISO dates are accepted too.
DATE_INPUT_ATTRS = {
    "placeholder": "jj/mm/aaaa", "pattern": r"\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-\d{2}-\d{2}",
    "inputmode": "numeric", "autocomplete": "off", "class": "date",
}


def date_field(label, *, required=True, **kwargs) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, input_formats=["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs=dict(DATE_INPUT_ATTRS), format="%d/%m/%Y"), **kwargs,
    )


YES_NO_CHOICES = [("", "—"), ("true", _("Oui")), ("false", _("Non"))]

franchise_code_validator = RegexValidator(r"^\d{4}$", _("Code franchise à 4 chiffres (ex. 2015)."))


# --- DomainError → form errors ----------------------------------------------------------------

def domain_error_list(error: DomainError) -> list[DomainError]:
    """The individual violations of a ``DomainError`` (``DomainErrors`` carries several)."""
    return list(getattr(error, "errors", None) or [error])


def add_domain_error(form: forms.BaseForm, error: DomainError, *, aliases: dict[str, str] | None = None) -> None:
    """Attach each violation to the form field its ``field`` names (after ``aliases``),
    or to the form's general errors when the form has no such field."""
    for item in domain_error_list(error):
        name = (aliases or {}).get(item.field or "", item.field)
        form.add_error(name if name in form.fields else None, item.message)


# --- service errors → page errors (forms with row formsets) --------------------------------------

ROW_FIELD = re.compile(r"^(?P<prefix>\w+)\[(?P<index>\d+)\]\.(?P<field>\w+)$")


def _add(form: forms.BaseForm, field: str | None, message) -> None:
    field = getattr(form, "field_aliases", {}).get(field, field)
    form.add_error(field if field in form.fields else None, message)


def add_page_errors(error: Exception, *, form: forms.BaseForm, rows: dict[str, list[forms.BaseForm]]) -> None:
    """Show a service error on the page: ``DomainError``/``DomainErrors`` next to the
    field they name (``"freight_amount"``, ``"articles[1].tariff_code"`` → second
    filled article row), a model ``ValidationError`` on its field; the rest on top."""
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            for field, messages in error.message_dict.items():
                for message in messages:
                    _add(form, field, message)
        else:
            for message in error.messages:
                form.add_error(None, message)
        return
    for item in domain_error_list(error):
        match = ROW_FIELD.match(item.field or "")
        if match and match["prefix"] in rows and int(match["index"]) < len(rows[match["prefix"]]):
            _add(rows[match["prefix"]][int(match["index"])], match["field"], item.message)
        else:
            _add(form, item.field, item.message)


# --- search and "as of" date --------------------------------------------------------------------

class TariffSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Code ou mots de la désignation"), required=False, max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("ex. 8517.13 ou téléphones"), "autofocus": True}),
    )


class AsOfDateForm(forms.Form):
    date = date_field(_("Taux en vigueur le"), required=False)

    def as_of(self):
        if self.is_valid() and self.cleaned_data.get("date"):
            return self.cleaned_data["date"]
        return timezone.localdate()


# --- duty calculator ----------------------------------------------------------------------------

# The attributes the TIC tables read (tariff.rules), offered as named fields.
ATTRIBUTE_FIELDS = ATTRIBUTES

ENERGY_CLASS_CHOICES = [("", "—")] + [(c, c) for c in "ABCDEFG"]
VEHICLE_KIND_CHOICES = [
    ("", "—"),
    ("car", _("Automobile ou autre véhicule")),
    ("wheelchair", _("Fauteuil roulant adapté")),
    ("moped", _("Cyclomoteur")),
    ("motorcycle", _("Motocycle")),
    ("tricycle", _("Tricycle")),
]


def attribute_form_fields() -> dict[str, forms.Field]:
    """Named fields for the TIC attributes (tables A, G, H, I, J, K, L)."""
    return {
        "energy_class": forms.ChoiceField(
            label=_("Classe énergétique (TIC J)"), choices=ENERGY_CLASS_CHOICES, required=False),
        "sugar_g_per_100": quantity_field(_("Sucre (g / 100 g ou ml) — TIC A, L"), required=False),
        "product_kind": forms.SlugField(
            label=_("Nature de produit (product_kind)"), required=False, max_length=40,
            widget=forms.TextInput(attrs={"list": "product-kinds"})),
        "retail_value": money_field(_("Prix de vente au détail (DH) — TIC G"), required=False),
        "volume_l": quantity_field(_("Volume (litres) — TIC A"), required=False),
        "volume_ml": quantity_field(_("Volume (ml) — TIC H"), required=False),
        "alcohol_pct_vol": quantity_field(_("Titre alcoométrique (% vol) — TIC A"), required=False),
        "net_mass_kg": quantity_field(_("Masse nette (kg) — TIC I, L"), required=False),
        "screen_size_inches": quantity_field(_("Taille d'écran (pouces) — TIC K"), required=False),
        "contains_nicotine": forms.ChoiceField(
            label=_("Contient de la nicotine (TIC H)"), choices=YES_NO_CHOICES, required=False),
        "has_screen": forms.ChoiceField(label=_("Avec écran (TIC K)"), choices=YES_NO_CHOICES, required=False),
        "vehicle_kind": forms.ChoiceField(
            label=_("Véhicule de la batterie (TIC K)"), choices=VEHICLE_KIND_CHOICES, required=False),
    }


def attribute_from_message(message: str) -> str | None:
    """The attribute a TIC error message names (« energy_class », product_kind, …)."""
    for name in ATTRIBUTE_FIELDS:
        if re.search(rf"\b{name}\b", message):
            return name
    return None


class DutyQuoteForm(forms.Form):
    """The inputs of ``tariff.services.quote_duties`` (the same service as the quote API)."""

    tariff_code = forms.CharField(
        label=_("Position tarifaire"), max_length=20,
        widget=forms.TextInput(attrs={"placeholder": "8517.13.00.00", "autocomplete": "off"}),
    )
    date = date_field(_("Date (taux applicables)"))
    customs_value = money_field(_("Valeur en douane (MAD)"))
    quantity = quantity_field(_("Quantité"), required=False)
    franchise_code = forms.CharField(
        label=_("Code franchise"), required=False, max_length=4, validators=[franchise_code_validator])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(attribute_form_fields())

    @property
    def attribute_bound_fields(self):
        return [self[name] for name in ATTRIBUTE_FIELDS]

    def attributes(self) -> dict:
        """The filled attributes, as the engine reads them (numbers as exact strings)."""
        result = {}
        for name in ATTRIBUTE_FIELDS:
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if name in ("contains_nicotine", "has_screen"):
                result[name] = value == "true"
            else:
                result[name] = str(value)
        return result

    def add_quote_error(self, error: DomainError) -> None:
        for item in domain_error_list(error):
            name = item.field
            if name == "attributes":
                name = attribute_from_message(item.message)
            self.add_error(name if name in self.fields else None, item.message)
