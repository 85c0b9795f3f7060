"""Forms of the tariff pages (search, rates as of a date, duty calculator), the customs currency
field, and ``add_page_errors`` (a service error shown on a page, characteristics included). The
generic field factories are in ``tariff.kit.forms``."""
from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import characteristics as ch
from .currencies import validate_customs_currency
from .kit.errors import DomainError
from .kit.forms import YES_NO_CHOICES, date_field, domain_error_list, money_field, quantity_field
from .kit.money import LOCAL_CURRENCY
from .selectors import get_tariff_index

# --- customs fields -------------------------------------------------------------------------

currency_validator = RegexValidator(r"^[A-Z]{3}$", _("Code devise ISO à 3 lettres (ex. EUR, MAD)."))


class CurrencyField(forms.CharField):
    def __init__(self, label, **kwargs):
        kwargs.setdefault("initial", LOCAL_CURRENCY)
        super().__init__(label=label, max_length=3, min_length=3, validators=[currency_validator, validate_customs_currency],
                         widget=forms.TextInput(attrs={"class": "currency", "list": "currencies",
                                                       "autocomplete": "off"}), **kwargs)

    def to_python(self, value):
        return super().to_python(value).strip().upper()


franchise_code_validator = RegexValidator(r"^\d{4}$", _("Code franchise à 4 chiffres (ex. 2015)."))


# --- service errors → page errors (forms with row formsets) --------------------------------------

ROW_FIELD = re.compile(r"^(?P<prefix>\w+)\[(?P<index>\d+)\]\.(?P<field>\w+(\.\w+)?)$")


def _add(form: forms.BaseForm, field: str | None, message) -> None:
    field = getattr(form, "field_aliases", {}).get(field, field)
    field = characteristic_field_name(form, field)
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

class AsOfDateForm(forms.Form):
    date = date_field(_("Taux en vigueur le"), required=False)

    def as_of(self):
        if self.is_valid() and self.cleaned_data.get("date"):
            return self.cleaned_data["date"]
        return timezone.localdate()


# --- duty calculator ----------------------------------------------------------------------------

# --- characteristics (tariff.characteristics): one typed field per catalogue entry ----------------

def product_kind_choices() -> list[tuple[str, str]]:
    """The product kinds of the reference data, in French: « Chocolat (TIC L) »."""
    kinds = {c.product_kind: f"{c.label} (TIC {c.table})" for c in get_tariff_index().excise_categories if c.product_kind}
    return sorted(kinds.items(), key=lambda kind: kind[1])


class CharacteristicField(forms.Field):
    """One characteristic of the catalogue: a number input with its step and bounds, a select for
    yes/no and for choices, checked by the catalogue's own rule (message naming the French label)."""

    def __init__(self, entry: ch.Characteristic, *, choices=None, **kwargs):
        self.entry = entry
        self.codes = [code for code, _label in (choices or entry.choices)]
        if entry.kind in (ch.DECIMAL, ch.INTEGER):
            attrs = {"step": entry.step, "min": "0", "class": "num", "inputmode": "decimal"}
            if entry.max_value is not None:
                attrs["max"] = f"{entry.max_value.normalize():f}"
            widget = forms.NumberInput(attrs=attrs)
        elif entry.kind == ch.BOOLEAN:
            widget = forms.Select(choices=YES_NO_CHOICES)
        elif entry.kind == ch.CHOICE:
            widget = forms.Select(choices=[("", "—")] + list(choices or entry.choices))
        else:
            widget = forms.TextInput(attrs={"maxlength": ch.TEXT_MAX_LENGTH})
        kwargs.setdefault("label", entry.verbose)
        kwargs.setdefault("help_text", entry.help_text)
        super().__init__(required=False, widget=widget, **kwargs)

    def prepare_value(self, value):
        return ("true" if value else "false") if isinstance(value, bool) else value

    def to_python(self, value):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return ch.clean_value(self.entry, value, product_kinds=self.codes or None)
        except DomainError as exc:
            raise ValidationError(exc.message, code=exc.code) from None


def characteristic_fields(keys) -> dict[str, forms.Field]:
    """Typed fields for the catalogue entries ``keys`` (named after their keys)."""
    fields = {}
    for key in keys:
        entry = ch.CHARACTERISTICS[key]
        choices = product_kind_choices() if key == ch.PRODUCT_KIND else None
        fields[key] = CharacteristicField(entry, choices=choices)
    return fields


def characteristics_of(form: forms.BaseForm, keys) -> dict:
    """The filled characteristics of a valid form, as the engine reads them."""
    return {key: form.cleaned_data[key] for key in keys if form.cleaned_data.get(key) is not None}


def characteristic_field_name(form: forms.BaseForm, field: str | None) -> str | None:
    """``attributes.volume_ml`` (a service error's field) → the form's ``volume_ml`` field."""
    if field and field.startswith("attributes."):
        key = field.split(".", 1)[1]
        return key if key in form.fields else field
    return field


# The characteristics the calculator offers: those the TIC tables read.
QUOTE_CHARACTERISTICS = tuple(c.key for c in ch.EXCISE_CHARACTERISTICS)


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
        self.fields.update(characteristic_fields(QUOTE_CHARACTERISTICS))

    @property
    def attribute_bound_fields(self):
        return [self[name] for name in QUOTE_CHARACTERISTICS]

    def attributes(self) -> dict:
        """The filled characteristics, as the engine reads them (numbers as exact strings)."""
        return characteristics_of(self, QUOTE_CHARACTERISTICS)

    def add_quote_error(self, error: DomainError) -> None:
        for item in domain_error_list(error):
            name = characteristic_field_name(self, item.field)
            self.add_error(name if name in self.fields else None, item.message)
