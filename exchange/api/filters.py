"""Query filters of the commitment list (django-filter)."""
import django_filters
from django import forms

from ..models import Commitment, PersonalImport


class IntegerFilter(django_filters.NumberFilter):
    """An id or a year: ``0.5`` is a 400 with a field message, not a decimal handed to the query."""

    field_class = forms.IntegerField


class CommitmentFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Commitment.Status.choices, help_text="statut (répétable)")
    importer = IntegerFilter(field_name="importer_id", min_value=1, help_text="identifiant de l'importateur")
    number = django_filters.CharFilter(field_name="number", lookup_expr="icontains")
    subscribed_after = django_filters.DateFilter(field_name="subscribed_on", lookup_expr="gte")
    subscribed_before = django_filters.DateFilter(field_name="subscribed_on", lookup_expr="lte")
    domiciled_after = django_filters.DateFilter(field_name="domiciliation_confirmed_at", lookup_expr="date__gte")
    domiciled_before = django_filters.DateFilter(field_name="domiciliation_confirmed_at", lookup_expr="date__lte")

    class Meta:
        model = Commitment
        fields = ("status", "importer", "number")


class PersonalImportFilter(django_filters.FilterSet):
    importer = IntegerFilter(field_name="importer_id", min_value=1)
    year = IntegerFilter(field_name="date", lookup_expr="year", min_value=1900, max_value=9999)

    class Meta:
        model = PersonalImport
        fields = ("importer", "year")
