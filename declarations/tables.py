"""Sortable tables of the declaration, ETPP, declaration payment and recalculation run lists
(django-tables2); exported as filtered (tariff.kit.tables)."""
from __future__ import annotations

import django_tables2 as tables
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tariff.kit.money import format_date
from tariff.kit.tables import MoneyColumn, Table

from .models import Declaration, DeclarationPayment, EtppAuthorisation, RecalculationRun

NUMERIC = {"th": {"class": "num"}, "td": {"class": "num"}}


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


class DeclarationPaymentTable(Table):
    declaration = tables.Column(_("Déclaration"), accessor="declaration__reference",
                                order_by="declaration__reference",
                                linkify=("declarations:detail", {"pk": tables.A("declaration_id")}))
    party = tables.Column(_("Opérateur"), accessor="declaration__party__name", order_by="declaration__party__name")
    ice = tables.Column(_("ICE"), accessor="declaration__party__ice", order_by="declaration__party__ice", default="—")
    paid_on = tables.Column(_("Payé le"))
    means = tables.Column(_("Mode de paiement"))
    reference = tables.Column(_("Quittance"))
    amount = MoneyColumn(currency_field="currency", verbose_name=_("Montant payé"))
    currency = tables.Column(_("Devise"), visible=False)  # beside the amount in the page, own column in exports

    class Meta(Table.Meta):
        model = DeclarationPayment
        fields = ()
        sequence = ("declaration", "party", "ice", "paid_on", "means", "reference", "amount", "currency")
        attrs = {"class": "list", "id": "declaration-payments"}
        empty_text = _("Aucun paiement.")

    def render_paid_on(self, value):
        return format_date(value)

    def value_paid_on(self, value):
        return value

    def render_means(self, record):
        return record.get_means_display()

    def value_means(self, record):
        return record.get_means_display()


class RecalculationRunTable(Table):
    law = tables.Column(_("Loi"), accessor="law__code", order_by=("law__effective_date", "law__code"),
                        linkify=("declarations:recalculation-detail", {"pk": tables.A("pk")}))
    kind = tables.Column(_("Nature"))
    status = tables.Column(_("Statut"))
    progress = tables.Column(_("Progression"), accessor="processed", order_by="processed")
    candidates = tables.Column(_("Candidates"), attrs=NUMERIC)
    changed = tables.Column(_("Modifiées"), attrs=NUMERIC)
    unchanged = tables.Column(_("Inchangées"), attrs=NUMERIC)
    failed = tables.Column(_("Erreurs"), attrs=NUMERIC)
    created_at = tables.Column(_("Lancé le"))
    finished_at = tables.Column(_("Terminé le"), default="—")

    class Meta(Table.Meta):
        model = RecalculationRun
        fields = ()
        sequence = ("law", "kind", "status", "progress", "candidates", "changed", "unchanged", "failed", "created_at",
                    "finished_at")
        attrs = {"class": "list", "id": "runs"}
        empty_text = _("Aucun recalcul pour l'instant.")

    def render_law(self, record):
        return str(record.law)

    def value_law(self, record):
        return str(record.law)

    def render_kind(self, record):
        return record.get_kind_display()

    def value_kind(self, record):
        return record.get_kind_display()

    def render_status(self, record):
        return format_html('<span class="badge badge-{}">{}</span>', record.status, record.get_status_display())

    def value_status(self, record):
        return record.get_status_display()

    def render_progress(self, record):
        return format_html('<progress max="100" value="{}"></progress> {} %', record.progress_percent,
                           record.progress_percent)

    def value_progress(self, record):
        return record.progress_percent

    def render_created_at(self, value):
        return _datetime(value)

    def value_created_at(self, value):
        return timezone.localtime(value).replace(tzinfo=None)

    def render_finished_at(self, value):
        return _datetime(value)

    def value_finished_at(self, value):
        return timezone.localtime(value).replace(tzinfo=None) if value else ""


def _datetime(value) -> str:
    """``01/12/2026 14:05`` in the office's time zone."""
    return date_format(timezone.localtime(value), "d/m/Y H:i")
