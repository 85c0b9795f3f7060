"""Filters of the case list (django-filter): status, offence, dates, party, and a search by
case number, party or declaration reference."""
from __future__ import annotations

import re

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from declarations.parties import party_matches
from tariff.kit.tables import date_filter

from .models import Case, CaseOffence, CaseParty, Offence

_KEY_SEPARATOR = "|"


def _article_order(article: str) -> tuple[int, str]:
    match = re.match(r"\d+", article)
    return (int(match.group()) if match else 0, article)


def offence_choices() -> list[tuple[str, str]]:
    """One choice per offence of the catalogue (every version of ``281-1°`` is one offence),
    in the order of the code's articles."""
    offences = {}
    for offence in Offence.objects.order_by("valid_from"):
        offences[(offence.article, offence.paragraph, offence.variant)] = offence
    keys = sorted(offences, key=lambda key: (_article_order(key[0]), key[1], key[2]))
    return [(_KEY_SEPARATOR.join(key), offences[key].citation) for key in keys]


def _party_named(term: str) -> Q:
    """A party of the case (``CaseParty``) or the operator of its declaration, by name or identifier."""
    parties = CaseParty.objects.filter(case=OuterRef("pk")).filter(party_matches(term, "party__"))
    return Q(Exists(parties)) | party_matches(term, "declaration__party__")


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Recherche"), method="search", max_length=60,
        widget=forms.TextInput(attrs={"placeholder": _("n° de dossier, partie, référence de la DUM")}))
    status = django_filters.ChoiceFilter(label=_("Statut"), choices=Case.Status.choices, empty_label=_("Tous"))
    offence = django_filters.ChoiceFilter(label=_("Infraction"), choices=offence_choices, method="by_offence",
                                          empty_label=_("Toutes"))
    party = django_filters.CharFilter(label=_("Partie ou opérateur"), method="by_party", max_length=100)
    opened_from = date_filter(_("Ouvert du"), "created_at__date", "gte")
    opened_to = date_filter(_("au"), "created_at__date", "lte")
    facts_from = date_filter(_("Faits du"), "facts_date", "gte")
    facts_to = date_filter(_("au"), "facts_date", "lte")

    class Meta:
        model = Case
        fields: list[str] = []

    def search(self, queryset, name, value):
        """Case number, a party's name or identifier, or the declaration's reference."""
        term = value.strip()
        return queryset.filter(Q(reference__icontains=term) | _party_named(term)
                               | Q(declaration_reference__icontains=term) | Q(declaration__reference__icontains=term))

    def by_party(self, queryset, name, value):
        return queryset.filter(_party_named(value.strip()))

    def by_offence(self, queryset, name, value):
        article, paragraph, variant = (value.split(_KEY_SEPARATOR) + ["", ""])[:3]
        charged = CaseOffence.objects.filter(case=OuterRef("pk"), offence__article=article,
                                             offence__paragraph=paragraph, offence__variant=variant)
        return queryset.filter(Exists(charged))
