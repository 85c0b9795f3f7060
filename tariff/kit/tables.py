"""Lists people can work with (issue 21): django-tables2 tables (sortable columns) over
django-filter filter sets, and the CSV/XLSX export of exactly the filtered rows, every cell
neutralised against spreadsheet formulas (``tariff.kit.spreadsheets``).

Part of the base kit: imports no domain code. A list view is::

    class DeclarationListView(FilePageMixin, FilteredTableView):
        table_class, filterset_class = DeclarationTable, DeclarationFilter
        export_name = "declarations"
"""
from __future__ import annotations

import django_filters
import django_tables2 as tables
import tablib
from django import forms
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import Http404, HttpResponse
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.views import FilterView
from django_tables2.views import SingleTableMixin

from .forms import DATE_INPUT_ATTRS
from .spreadsheets import SafeCSV, SafeXLSX

EXPORT_PARAM = "export"
EXPORTS = {
    "csv": (SafeCSV, "text/csv; charset=utf-8"),
    "xlsx": (SafeXLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def date_filter(label, field_name: str, lookup: str) -> django_filters.DateFilter:
    """A date bound typed ``jj/mm/aaaa`` (the forms' date input): ``lookup`` ``gte`` or ``lte``."""
    return django_filters.DateFilter(
        label=label, field_name=field_name, lookup_expr=lookup, input_formats=["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs=dict(DATE_INPUT_ATTRS), format="%d/%m/%Y"))


class Table(tables.Table):
    """The office's table: our markup (``includes/table.html``), French empty text, 25 a page."""

    class Meta:
        template_name = "includes/table.html"
        attrs = {"class": "list"}
        empty_text = _("Aucun résultat.")
        per_page = 25


class MoneyColumn(tables.Column):
    """An amount, right-aligned, localised in the page (``1 000,00``, followed by the record's
    ``currency_field`` when given), native in exports (the currency in a column of its own)."""

    def __init__(self, *args, currency_field: str | None = None, **kwargs):
        kwargs.setdefault("attrs", {"th": {"class": "num"}, "td": {"class": "num"}})
        self.currency_field = currency_field
        super().__init__(*args, **kwargs)

    def render(self, value, record=None):

        text = floatformat(value, "2g")
        if self.currency_field and record is not None:
            text = f"{text} {getattr(record, self.currency_field)}"
        return text

    def value(self, value):
        return value


def export_response(table: tables.Table, fmt: str, name: str) -> HttpResponse:
    """The whole filtered and sorted table (not only the page) as a CSV or XLSX download."""
    file_format, content_type = EXPORTS[fmt]
    rows = list(table.as_values(exclude_columns=getattr(table.Meta, "export_exclude", ())))
    dataset = tablib.Dataset(headers=[str(h) for h in rows[0]])
    for row in rows[1:]:
        dataset.append(["" if cell is None else cell for cell in row])
    content = file_format().export_data(dataset)
    response = HttpResponse(content, content_type=content_type)
    stamp = timezone.localdate().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    return response


class FilteredTableView(SingleTableMixin, FilterView):
    """A filtered, sorted, paginated list; ``?export=csv|xlsx`` downloads what is filtered."""

    export_name = "export"
    strict = False  # an invalid filter shows its error and the unfiltered list, as the old pages did

    def get_table_pagination(self, table):
        pagination = super().get_table_pagination(table)
        if pagination is not False:
            pagination = {**(pagination or {}), "silent": False}  # a page past the end is a 404
        return pagination

    def get_table(self, **kwargs):
        try:
            return super().get_table(**kwargs)
        except (EmptyPage, PageNotAnInteger) as exc:
            raise Http404(str(exc)) from exc

    def render_to_response(self, context, **kwargs):
        fmt = self.request.GET.get(EXPORT_PARAM)
        if fmt in EXPORTS:
            return export_response(context["table"], fmt, self.export_name)
        return super().render_to_response(context, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop(EXPORT_PARAM, None)
        context["export_links"] = [
            (label, f"?{query.urlencode()}&{EXPORT_PARAM}={fmt}" if query else f"?{EXPORT_PARAM}={fmt}")
            for fmt, label in (("csv", "CSV"), ("xlsx", "XLSX"))]
        context["filter_form"] = context["filter"].form
        # The page shown is the table's (sorted) page: ``page_obj`` and the named list follow it.
        table = context["table"]
        page = getattr(table, "page", None)
        context["page_obj"] = page
        context["is_paginated"] = bool(page and page.paginator.num_pages > 1)
        rows = page.object_list if page else table.rows
        context[self.get_context_object_name(self.object_list) or "object_list"] = [row.record for row in rows]
        return context
