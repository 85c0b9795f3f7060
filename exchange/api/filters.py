"""Query filters of the commitment list (django-filter)."""
import django_filters

from ..models import Commitment, PersonalImport


class CommitmentFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Commitment.Status.choices, help_text="statut (répétable)")
    importer = django_filters.NumberFilter(field_name="importer_id", help_text="identifiant de l'importateur")
    number = django_filters.CharFilter(field_name="number", lookup_expr="icontains")
    subscribed_after = django_filters.DateFilter(field_name="subscribed_on", lookup_expr="gte")
    subscribed_before = django_filters.DateFilter(field_name="subscribed_on", lookup_expr="lte")
    domiciled_after = django_filters.DateFilter(field_name="domiciliation_confirmed_at", lookup_expr="date__gte")
    domiciled_before = django_filters.DateFilter(field_name="domiciliation_confirmed_at", lookup_expr="date__lte")

    class Meta:
        model = Commitment
        fields = ("status", "importer", "number")


class PersonalImportFilter(django_filters.FilterSet):
    importer = django_filters.NumberFilter(field_name="importer_id")
    year = django_filters.NumberFilter(field_name="date", lookup_expr="year")

    class Meta:
        model = PersonalImport
        fields = ("importer", "year")
