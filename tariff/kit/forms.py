"""Form fields and helpers every page uses: amounts and quantities typed the French way, dates
typed day first, and a ``DomainError`` shown next to the field it names."""
from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .errors import DomainError
from .money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, QUANTITY_DECIMAL_PLACES, QUANTITY_MAX_DIGITS

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
