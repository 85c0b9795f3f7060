"""Filters of the declaration, ETPP, declaration payment and recalculation run lists (django-filter): what people know a file by."""
from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tariff.kit.tables import date_filter
from tariff.models import FinanceLaw

from .models import (
    Article,
    Declaration,
    DeclarationPayment,
    EtppAuthorisation,
    Party,
    ProcedureCode,
    RecalculationRun,
)
from .parties import party_matches
from .selectors import etpp_overdue_requests


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def _has_article_on_line(digits: str) -> Exists:
    """The declaration has an article whose tariff code starts with ``digits``."""
    return Exists(Article.objects.filter(declaration=OuterRef("pk"), tariff_line__code__startswith=digits))


class DeclarationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Recherche"), method="search", max_length=40,
        widget=forms.TextInput(attrs={"placeholder": _("référence, opérateur, ICE, ligne tarifaire")}))
    status = django_filters.ChoiceFilter(label=_("Statut"), choices=Declaration.Status.choices, empty_label=_("Tous"))
    procedure = django_filters.ModelChoiceFilter(
        label=_("Régime"), to_field_name="code", queryset=ProcedureCode.objects.order_by("code"), empty_label=_("Tous"))
    party = django_filters.ModelChoiceFilter(
        label=_("Opérateur"), queryset=Party.objects.order_by("name"), empty_label=_("Tous"))
    line = django_filters.CharFilter(label=_("Ligne tarifaire"), method="by_line", max_length=14,
                                     widget=forms.TextInput(attrs={"placeholder": _("ex. 2309.10")}))
    registered_from = date_filter(_("Enregistrée du"), "registered_on", "gte")
    registered_to = date_filter(_("au"), "registered_on", "lte")

    class Meta:
        model = Declaration
        fields: list[str] = []

    def search(self, queryset, name, value):
        """Reference, operator's name or ICE, or the tariff line (any article's, digits of the code)."""
        value = value.strip()
        match = Q(reference__icontains=value) | party_matches(value, "party__")
        digits = _digits(value)
        if len(digits) >= 4 and len(digits) == len(value.replace(".", "").replace(" ", "")):
            match |= _has_article_on_line(digits)
        return queryset.filter(match)

    def by_line(self, queryset, name, value):
        digits = _digits(value)
        if not digits:
            return queryset
        return queryset.filter(_has_article_on_line(digits))


class EtppFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Recherche"), method="search", max_length=40,
                                  widget=forms.TextInput(attrs={"placeholder": _("numéro, exportateur, ICE")}))
    state = django_filters.ChoiceFilter(label=_("État"), method="by_state", empty_label=_("Toutes"), choices=[
        ("pending", _("En attente")), ("overdue", _("En retard (> 60 jours)")), ("issued", _("Délivrées"))])
    exporter = django_filters.ModelChoiceFilter(label=_("Exportateur"), queryset=Party.objects.order_by("name"),
                                                empty_label=_("Tous"))
    requested_from = date_filter(_("Demandée du"), "requested_on", "gte")
    requested_to = date_filter(_("au"), "requested_on", "lte")

    class Meta:
        model = EtppAuthorisation
        fields: list[str] = []

    def by_state(self, queryset, name, value):
        if value == "overdue":
            return queryset.filter(pk__in=etpp_overdue_requests(today=timezone.localdate()).values("pk"))
        if value == "pending":
            return queryset.filter(issued_on__isnull=True)
        if value == "issued":
            return queryset.filter(issued_on__isnull=False)
        return queryset

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(number__icontains=value) | Q(exporter__name__icontains=value)
                               | Q(exporter__ice__icontains=value))


class DeclarationPaymentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Recherche"), method="search", max_length=60,
                                  widget=forms.TextInput(attrs={"placeholder": _("DUM, quittance, opérateur, ICE")}))
    party = django_filters.ModelChoiceFilter(label=_("Opérateur"), field_name="declaration__party",
                                            queryset=Party.objects.order_by("name"), empty_label=_("Tous"))
    means = django_filters.ChoiceFilter(label=_("Mode de paiement"), choices=DeclarationPayment.Means.choices,
                                        empty_label=_("Tous"))
    amount_min = django_filters.NumberFilter(label=_("Montant d'au moins"), field_name="amount", lookup_expr="gte",
                                             localize=True)
    amount_max = django_filters.NumberFilter(label=_("et au plus"), field_name="amount", lookup_expr="lte",
                                             localize=True)
    paid_from = date_filter(_("Payé du"), "paid_on", "gte")
    paid_to = date_filter(_("au"), "paid_on", "lte")

    class Meta:
        model = DeclarationPayment
        fields: list[str] = []

    def search(self, queryset, name, value):
        """The declaration's reference, the receipt's, or the operator's name or ICE."""
        term = value.strip()
        return queryset.filter(Q(declaration__reference__icontains=term) | Q(reference__icontains=term)
                               | party_matches(term, "declaration__party__"))


class RecalculationRunFilter(django_filters.FilterSet):
    law = django_filters.ModelChoiceFilter(label=_("Loi"), queryset=FinanceLaw.objects.order_by("-effective_date"),
                                           empty_label=_("Toutes"))
    kind = django_filters.ChoiceFilter(label=_("Nature"), choices=RecalculationRun.Kind.choices,
                                       empty_label=_("Toutes"))
    status = django_filters.ChoiceFilter(label=_("Statut"), choices=RecalculationRun.Status.choices,
                                         empty_label=_("Tous"))
    started_from = date_filter(_("Lancé du"), "created_at__date", "gte")
    started_to = date_filter(_("au"), "created_at__date", "lte")

    class Meta:
        model = RecalculationRun
        fields: list[str] = []
