"""Sortable tables of the declaration lists (django-tables2); exported as filtered (tariff.tables)."""
from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tariff.money import format_date
from tariff.tables import MoneyColumn, Table

from .models import Declaration


class DeclarationTable(Table):
    reference = tables.Column(_("Référence"), linkify=("declarations:detail", {"pk": tables.A("pk")}))
    customs_office = tables.Column(_("Bureau"))
    procedure = tables.Column(_("Régime"), accessor="procedure__code", order_by="procedure__code")
    party = tables.Column(_("Opérateur"), accessor="party__name", order_by="party__name")
    ice = tables.Column(_("ICE"), accessor="party__ice", order_by="party__ice", default="—")
    status = tables.Column(_("Statut"))
    registered_on = tables.Column(_("Enregistrée le"), default="—")
    invoice_total = MoneyColumn(currency_field="invoice_currency", verbose_name=_("Montant facturé"))
    invoice_currency = tables.Column(_("Devise"), visible=False)  # beside the amount in the page, own column in exports
    duties_total = MoneyColumn(_("Droits et taxes (MAD)"), default="—")

    class Meta(Table.Meta):
        model = Declaration
        fields = ()
        sequence = ("reference", "customs_office", "procedure", "party", "ice", "status", "registered_on",
                    "invoice_total", "invoice_currency", "duties_total")
        empty_text = _("Aucune déclaration.")

    def render_status(self, record):
        return format_html('<span class="badge badge-{}">{}</span>', record.status, record.get_status_display())

    def value_status(self, record):
        return record.get_status_display()

    def render_registered_on(self, value):
        return format_date(value)

    def value_registered_on(self, value):
        return value
