"""The case list (django-tables2 over django-filter, tariff.kit.tables): every stored column sorts,
the fines a case risks are computed by the rules for the rows shown (or every row, exported)."""
from __future__ import annotations

import django_tables2 as tables
from django.db.models import F, Min, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tariff.kit.money import format_date
from tariff.kit.numbers import format_amount
from tariff.kit.tables import MoneyColumn, Table

from . import selectors
from .models import Case
from .rules import DH, Exposure


class CaseTable(Table):
    reference = tables.Column(_("N° de dossier"), linkify=("litigation:case-detail", {"pk": tables.A("pk")}))
    office = tables.Column(_("Bureau"))
    facts_date = tables.Column(_("Date des faits"))
    opened_on = tables.Column(_("Ouvert le"), accessor="created_at", order_by="created_at")
    declaration = tables.Column(_("DUM"), accessor="pk", default="—")
    parties = tables.Column(_("Parties"), accessor="pk")
    offences = tables.Column(_("Infractions"), accessor="pk")
    fines = tables.Column(_("Amendes encourues"), accessor="pk", orderable=False)
    fine_min = MoneyColumn(_("Amende minimum (DH)"), accessor="pk", orderable=False, visible=False)
    fine_max = MoneyColumn(_("Amende maximum (DH)"), accessor="pk", orderable=False, visible=False)
    status = tables.Column(_("Statut"))

    class Meta(Table.Meta):
        model = Case
        fields = ()
        sequence = ("reference", "office", "facts_date", "opened_on", "declaration", "parties", "offences", "fines",
                    "fine_min", "fine_max", "status")
        attrs = {"class": "list", "id": "cases"}
        empty_text = _("Aucun dossier.")
        export_exclude = ("fines",)  # the page's "min – max" text; exports have both figures

    # --- computed for the rows shown (or every row, for an export) ----------------------------

    def exposure(self, record: Case) -> Exposure:
        cache = self.__dict__.setdefault("_exposures", {})
        if record.pk not in cache:
            catalogue = self.__dict__.setdefault("_catalogue", selectors.offence_catalogue())
            cache[record.pk] = selectors.case_exposure(record, catalogue=catalogue)
        return cache[record.pk]

    @staticmethod
    def declaration_text(record: Case) -> str:
        return record.dum_reference

    @staticmethod
    def party_names(record: Case) -> str:
        return ", ".join(party.name for party in record.parties.all())

    def offence_citations(self, record: Case) -> str:
        return ", ".join(line.citation if line.applicable else f"{line.citation} ({_('non applicable')})"
                         for line in self.exposure(record).lines)

    # --- page and export values -----------------------------------------------------------------

    def render_facts_date(self, value):
        return format_date(value)

    def value_facts_date(self, value):
        return value

    def render_opened_on(self, value):
        return format_date(value.date() if value else None)

    def value_opened_on(self, value):
        return value.date() if value else None

    def render_declaration(self, record):
        return self.declaration_text(record) or "—"

    def value_declaration(self, record):
        return self.declaration_text(record)

    def render_parties(self, record):
        return self.party_names(record) or "—"

    def value_parties(self, record):
        return self.party_names(record)

    def render_offences(self, record):
        return self.offence_citations(record) or "—"

    def value_offences(self, record):
        return self.offence_citations(record)

    def render_fines(self, record):
        exposure = self.exposure(record)
        low, high = exposure.fine_min_total, exposure.fine_max_total
        amount = '<span class="nowrap">{}</span>'
        if low == high:
            text = format_html(amount, format_amount(high, DH))
        else:
            text = format_html(f"{amount} – {amount}", format_amount(low, DH), format_amount(high, DH))
        return format_html("{} ({})", text, _("incomplet")) if exposure.incomplete else text

    def value_fine_min(self, record):
        return self.exposure(record).fine_min_total

    def value_fine_max(self, record):
        return self.exposure(record).fine_max_total

    def render_status(self, record):
        return format_html('<span class="badge badge-{}">{}</span>', record.status, record.get_status_display())

    def value_status(self, record):
        return record.get_status_display()

    # --- sorting the computed columns in the database ---------------------------------------------

    def order_declaration(self, queryset, is_descending):
        return _ordered(queryset, Coalesce(NullIf(F("declaration_reference"), Value("")), F("declaration__reference")),
                        is_descending)

    def order_parties(self, queryset, is_descending):
        return _ordered(queryset, Min("parties__party__name"), is_descending)

    def order_offences(self, queryset, is_descending):
        return _ordered(queryset, Min("case_offences__offence__article"), is_descending)


def _ordered(queryset, key, is_descending):
    """``queryset`` sorted on ``key`` (cases without one last), then by number."""
    sort = F("sort_key").desc(nulls_last=True) if is_descending else F("sort_key").asc(nulls_last=True)
    return queryset.annotate(sort_key=key).order_by(sort, "reference"), True
