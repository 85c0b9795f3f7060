"""Spreadsheet files safe to open: a cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return is a formula to Excel and LibreOffice (OWASP "CSV injection"), so every
export writes it behind a ``'`` and every import takes that ``'`` off again: a round trip gives
back the same text, and a description such as ``- - Autres`` stays as the tariff prints it.

Plain numbers (``-12,50``) are left alone. Used by the admin's import-export formats
(``settings.IMPORT_EXPORT_FORMATS``) and by every CSV/XLSX the application writes."""
from __future__ import annotations

import csv
import io
import re

from import_export.formats import base_formats
from import_export.forms import SelectableFieldsExportForm

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?\d[\d\s\u00a0\u202f]*([.,]\d+)?$")


def neutralise(value):
    if isinstance(value, str) and (value.startswith("'") or (
            value.startswith(FORMULA_START) and not PLAIN_NUMBER.match(value))):
        return "'" + value
    return value


def restore(value):
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith((*FORMULA_START, "'")):
        return value[1:]
    return value


def _map_dataset(dataset, func):
    for i in range(len(dataset)):
        dataset[i] = tuple(func(cell) for cell in dataset[i])
    return dataset


class SafeCSV(base_formats.CSV):
    def export_data(self, dataset, **kwargs):
        return super().export_data(_map_dataset(dataset, neutralise), **kwargs)

    def create_dataset(self, in_stream, **kwargs):
        return _map_dataset(super().create_dataset(in_stream, **kwargs), restore)


class SafeXLSX(base_formats.XLSX):
    def export_data(self, dataset, **kwargs):
        return super().export_data(_map_dataset(dataset, neutralise), **kwargs)

    def create_dataset(self, in_stream):
        return _map_dataset(super().create_dataset(in_stream), restore)


def csv_text(header: list[str], rows) -> str:
    """A CSV document (``;``-free: comma-separated, quoted as needed) with every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(cell) for cell in row])
    return out.getvalue()


SAFE_FORMATS = [SafeCSV, SafeXLSX]


class FrenchExportForm(SelectableFieldsExportForm):
    """The admin's export page names each column to tick as the file will head it (a resource's
    ``header_of``, tariff.resources.FrenchHeadersMixin), not by its field name in English."""

    def _get_field_label(self, resource, field_name: str) -> str:
        instance = resource()
        field = instance.fields.get(field_name)
        if field is not None and hasattr(instance, "header_of"):
            return instance.header_of(field)
        return super()._get_field_label(resource, field_name)


class SafeFormatsMixin:
    """Admin import-export with the neutralising CSV and XLSX only, columns named in French on
    the export page (put before the import-export admin class)."""

    formats = SAFE_FORMATS
    export_form_class = FrenchExportForm

    def import_action(self, request, *args, **kwargs):
        """The import page names the columns it reads in French too (a file may head them either way)."""
        response = super().import_action(request, *args, **kwargs)
        context = getattr(response, "context_data", None) or {}
        if "fields_list" in context:
            resources = [resource_class(**self.get_import_resource_kwargs(request))
                         for resource_class in self.get_import_resource_classes(request)]
            context["fields_list"] = [
                (name, [f"{headers[column]} ({column})" if headers.get(column, column) != column else column
                        for column in columns])
                for (name, columns), headers in zip(
                    context["fields_list"],
                    (getattr(resource, "french_headers", dict)() for resource in resources),
                )
            ]
        return response
