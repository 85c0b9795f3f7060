"""The tariff lines list (issue 18 point 3, issue 21): django-tables2 over django-filter
(``tariff.kit.tables`` kit) — sortable columns; filters: code or words (accents and case aside,
``selectors.tariff_lines_matching``), chapter, a DI rate in force on a date; CSV/XLSX export of
exactly the filtered rows."""
from __future__ import annotations

import django_filters
import django_tables2 as tables
from django import forms
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import selectors
from .kit.forms import DATE_INPUT_ATTRS
from .kit.tables import Table
from .models import DutyRate, TariffLine


def _chapter_choices():
    return [(chapter, chapter) for chapter in selectors.tariff_chapters()]


class TariffLineFilter(django_filters.FilterSet):
    IN_FORCE = "yes"
    NOT_IN_FORCE = "no"

    q = django_filters.CharFilter(
        label=_("Code ou mots de la désignation"), method="search", max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("ex. 8517.13, 85 ou téléphones"), "autofocus": True}))
    chapter = django_filters.ChoiceFilter(label=_("Chapitre"), choices=_chapter_choices, method="by_chapter",
                                          empty_label=_("Tous"))
    in_force = django_filters.ChoiceFilter(
        label=_("Taux DI"), method="by_rate_in_force", empty_label=_("Tous"),
        choices=((IN_FORCE, _("en vigueur à la date")), (NOT_IN_FORCE, _("aucun en vigueur à la date"))))
    on = django_filters.DateFilter(
        label=_("Date"), method="keep", input_formats=["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs=dict(DATE_INPUT_ATTRS), format="%d/%m/%Y"),
        help_text=_("aujourd'hui si vide"))

    class Meta:
        model = TariffLine
        fields: list[str] = []

    def search(self, queryset, name, value):
        return selectors.tariff_lines_matching(queryset, value)

    def by_chapter(self, queryset, name, value):
        return queryset.filter(code__startswith=value)

    def keep(self, queryset, name, value):
        return queryset  # the date is read by ``by_rate_in_force``

    def by_rate_in_force(self, queryset, name, value):
        on_date = self.form.cleaned_data.get("on") or timezone.localdate()
        in_force = Exists(DutyRate.objects.as_of(on_date).filter(tariff_line=OuterRef("pk")))
        return queryset.filter(in_force if value == self.IN_FORCE else ~in_force)


class TariffLineTable(Table):
    code = tables.Column(_("Position"), attrs={"td": {"class": "code"}})
    description = tables.Column(_("Désignation"), order_by=("search_text", "code"))
    unit = tables.Column(_("Unité"))
    di_40_before_lfr_2020 = tables.BooleanColumn(_("DI à 40 % avant la LFR 35-20"), yesno=(_("oui"), _("non")))
    calculate = tables.Column("", accessor="code", orderable=False)

    class Meta(Table.Meta):
        model = TariffLine
        fields = ()
        sequence = ("code", "description", "unit", "di_40_before_lfr_2020", "calculate")
        attrs = {"class": "list", "id": "tariff-lines"}
        empty_text = _("Aucune position ne correspond.")
        export_exclude = ("calculate",)

    def render_code(self, record):
        return format_html('<a href="{}">{}</a>', reverse("tariff:line", args=[record.code]), record.dotted_code)

    def value_code(self, record):
        return record.dotted_code

    def render_di_40_before_lfr_2020(self, value):
        return _("oui") if value else _("non")

    def value_di_40_before_lfr_2020(self, value):
        return str(_("oui") if value else _("non"))

    def render_calculate(self, record):
        return format_html('<a href="{}?tariff_code={}">{}</a>', reverse("tariff:calculator"), record.dotted_code,
                           _("Calculer"))
