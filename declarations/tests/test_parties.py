"""The one party record (issue 20): found or created by its ICE / CIN."""
import pytest

from declarations.models import Party
from declarations.parties import party_get_or_create


@pytest.mark.django_db(transaction=True)  # no test transaction around it: as from a shell or a script
def test_party_get_or_create_runs_outside_a_callers_transaction():
    created = party_get_or_create(name="Bench Import SA", identifier="009999999000011")
    again = party_get_or_create(name="Autre nom", identifier="009 999 999 000 011")
    assert again == created and Party.objects.get(ice="009999999000011").name == "Bench Import SA"
