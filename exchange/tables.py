"""The commitment list (django-tables2 over django-filter, tariff.kit.tables): sortable, filtered,
exported as filtered."""
from __future__ import annotations

import django_filters
import django_tables2 as tables
from django import forms
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from declarations.parties import party_matches
from tariff.kit.money import format_date
from tariff.kit.tables import MoneyColumn, Table, date_filter

from . import selectors
from .models import Bank, Commitment, Payment


class CommitmentFilter(django_filters.FilterSet):
    number = django_filters.CharFilter(label=_("Numéro"), lookup_expr="icontains", max_length=40,
                                       widget=forms.TextInput(attrs={"placeholder": _("ex. EI-2025")}))
    status = django_filters.ChoiceFilter(label=_("Statut"), choices=Commitment.Status.choices, empty_label=_("Tous"))
    importer = django_filters.CharFilter(label=_("Importateur (nom ou ICE)"), method="by_importer", max_length=100)
    bank = django_filters.ModelChoiceFilter(label=_("Banque"), queryset=Bank.objects.order_by("name"),
                                            empty_label=_("Toutes"))
    subscribed_from = date_filter(_("Souscrit du"), "subscribed_on", "gte")
    subscribed_to = date_filter(_("au"), "subscribed_on", "lte")

    class Meta:
        model = Commitment
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.request is not None and selectors.bank_for_user(self.request.user) is not None:
            del self.filters["bank"]  # a bank sees its own commitments only: no list of the other banks

    def by_importer(self, queryset, name, value):
        term = value.strip()
        return queryset.filter(party_matches(term, "importer__party__"))


class CommitmentTable(Table):
    number = tables.Column(_("Numéro"), linkify=("exchange:commitment-detail", {"pk": tables.A("pk")}))
    importer = tables.Column(_("Importateur"), accessor="importer__party__name", order_by="importer__party__name")
    bank = tables.Column(_("Banque"), accessor="bank__name", order_by="bank__name")
    status = tables.Column(_("Statut"))
    subscribed_on = tables.Column(_("Souscrit le"))
    subscribed_amount = MoneyColumn(currency_field="currency", verbose_name=_("Montant souscrit"))
    currency = tables.Column(_("Devise"), visible=False)  # beside the amount in the page, own column in exports
    imputed = MoneyColumn(_("Imputé"), accessor="pk", orderable=False)
    paid = MoneyColumn(_("Réglé"), accessor="pk", orderable=False)

    class Meta(Table.Meta):
        model = Commitment
        fields = ()
        sequence = ("number", "importer", "bank", "status", "subscribed_on", "subscribed_amount", "currency",
                    "imputed", "paid")
        attrs = {"class": "list", "id": "commitments"}
        empty_text = _("Aucun engagement.")

    def totals(self, record):
        """Imputed and paid totals, computed for the page shown (or every row, for an export)."""
        cache = self.__dict__.setdefault("_totals", {})
        if record.pk not in cache:
            page = getattr(self, "page", None)
            records = [row.record for row in page.object_list] if page else list(self.data)
            if record.pk not in {r.pk for r in records}:
                records = list(self.data)
            cache.update(selectors.commitment_totals_many(commitments=records))
        return cache[record.pk]

    def render_status(self, record):
        return format_html('<span class="badge badge-{}">{}</span>', record.status, record.get_status_display())

    def value_status(self, record):
        return record.get_status_display()

    def render_subscribed_on(self, value):
        return format_date(value)

    def value_subscribed_on(self, value):
        return value

    def render_imputed(self, record):
        return self.columns["imputed"].column.render(self.totals(record).imputed)

    def value_imputed(self, record):
        return self.totals(record).imputed

    def render_paid(self, record):
        return self.columns["paid"].column.render(self.totals(record).paid)

    def value_paid(self, record):
        return self.totals(record).paid


# --- payments of every commitment (exchange.list_views) ---------------------------------------------

class PaymentFilter(django_filters.FilterSet):
    commitment = django_filters.CharFilter(label=_("N° d'engagement"), field_name="commitment__number",
                                           lookup_expr="icontains", max_length=40,
                                           widget=forms.TextInput(attrs={"placeholder": _("ex. EI-2025")}))
    kind = django_filters.ChoiceFilter(label=_("Nature"), choices=Payment.Kind.choices, empty_label=_("Toutes"))
    bank = django_filters.ModelChoiceFilter(label=_("Banque"), queryset=Bank.objects.order_by("name"),
                                            empty_label=_("Toutes"))
    currency = django_filters.CharFilter(label=_("Devise"), lookup_expr="iexact", max_length=3,
                                         widget=forms.TextInput(attrs={"placeholder": _("ex. EUR")}))
    paid_from = date_filter(_("Réglé du"), "date", "gte")
    paid_to = date_filter(_("au"), "date", "lte")

    class Meta:
        model = Payment
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.request is not None and selectors.bank_for_user(self.request.user) is not None:
            del self.filters["bank"]  # a bank sees its own payments only


class PaymentTable(Table):
    date = tables.Column(_("Date"))
    commitment = tables.Column(_("Engagement"), accessor="commitment__number", order_by="commitment__number",
                               linkify=("exchange:commitment-detail", {"pk": tables.A("commitment_id")}))
    importer = tables.Column(_("Importateur"), accessor="commitment__importer__party__name",
                             order_by="commitment__importer__party__name")
    bank = tables.Column(_("Banque"), accessor="bank__name", order_by="bank__name")
    kind = tables.Column(_("Nature"))
    amount = MoneyColumn(currency_field="currency", verbose_name=_("Montant"))
    currency = tables.Column(_("Devise"), visible=False)  # beside the amount in the page, own column in exports
    amount_mad = MoneyColumn(_("Contre-valeur (MAD)"))
    funding = tables.Column(_("Financement"))

    class Meta(Table.Meta):
        model = Payment
        fields = ()
        sequence = ("date", "commitment", "importer", "bank", "kind", "amount", "currency", "amount_mad", "funding")
        attrs = {"class": "list", "id": "payments"}
        empty_text = _("Aucun règlement.")

    def render_date(self, value):
        return format_date(value)

    def value_date(self, value):
        return value

    def render_kind(self, record):
        text = record.get_kind_display()
        return f"{text} ({record.get_reason_display()})" if record.reason else text

    def value_kind(self, record):
        return self.render_kind(record)

    def render_funding(self, record):
        return record.get_funding_display()

    def value_funding(self, record):
        return record.get_funding_display()
