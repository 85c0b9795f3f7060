"""Sortable tables of the declaration lists (django-tables2); exported as filtered (tariff.tables)."""
from __future__ import annotations

import django_tables2 as tables
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tariff.money import format_date
from tariff.tables import MoneyColumn, Table

from .models import Declaration, EtppAuthorisation


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


class EtppTable(Table):
    number = tables.Column(_("Numéro"), linkify=("declarations:etpp-detail", {"pk": tables.A("pk")}))
    exporter = tables.Column(_("Exportateur"), accessor="exporter__name", order_by="exporter__name")
    department = tables.Column(_("Département"))
    channel = tables.Column(_("Canal"))
    requested_on = tables.Column(_("Demandée le"))
    due_on = tables.Column(_("Échéance (60 j)"), accessor="requested_on", order_by="requested_on")
    state = tables.Column(_("État"), accessor="pk", orderable=False)
    valid_from = tables.Column(_("Valable du"), default="—")
    valid_to = tables.Column(_("Valable jusqu'au"), default="—")
    item_count = tables.Column(_("Marchandises"), attrs={"th": {"class": "num"}, "td": {"class": "num"}})

    class Meta(Table.Meta):
        model = EtppAuthorisation
        fields = ()
        sequence = ("number", "exporter", "department", "channel", "requested_on", "due_on", "state", "valid_from",
                    "valid_to", "item_count")
        empty_text = _("Aucune autorisation.")

    def render_department(self, record):
        text = record.get_department_display()
        return text if len(text) <= 40 else text[:39] + "…"

    def value_department(self, record):
        return record.get_department_display()

    def render_channel(self, record):
        return record.get_channel_display()

    def state_text(self, record) -> tuple[str, str]:
        today = timezone.localdate()
        if record.issued_on:
            return "issued", _("délivrée le %(d)s") % {"d": format_date(record.issued_on)}
        if record.is_overdue(today):
            days = (today - record.due_on).days
            return "overdue", ngettext("en retard de %(n)d jour", "en retard de %(n)d jours", days) % {"n": days}
        return "pending", str(_("en attente"))

    def render_state(self, record):
        kind, text = self.state_text(record)
        return format_html('<span class="badge badge-{}">{}</span>', kind, text)

    def value_state(self, record):
        return self.state_text(record)[1]

    def render_requested_on(self, value):
        return format_date(value)

    def render_due_on(self, record):
        return format_date(record.due_on)

    def value_due_on(self, record):
        return record.due_on

    def render_valid_from(self, value):
        return format_date(value)

    def render_valid_to(self, value):
        return format_date(value)
