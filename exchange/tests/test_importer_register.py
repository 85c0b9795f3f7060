"""One record per company (issue 17 point 3, issue 20): an importer is the Office des Changes
profile of the party the declarations name, whether entered through the API, the service or the
admin's bulk import."""
from decimal import Decimal as D

import pytest
import tablib

from declarations.models import Party
from declarations.parties import party_matches
from declarations.tests.factories import PartyFactory
from exchange import services
from exchange.models import Importer
from exchange.resources import ImporterResource, ImporterWidget
from tariff.kit.errors import DomainError

pytestmark = pytest.mark.django_db


def test_register_attaches_the_profile_to_the_declarations_party():
    party = PartyFactory(name="Atlas Import SARL", ice="001234567000089", trade_register_number="")
    importer = services.importer_register(name="Atlas Import", id_number="001234567000089",
                                          trade_register_number="RC 4521", is_oc_categorised=True)
    party.refresh_from_db()
    assert importer.party == party and importer.is_oc_categorised
    assert (party.name, party.trade_register_number) == ("Atlas Import", "RC 4521")  # one record, kept current
    assert importer.name == "Atlas Import" and importer.id_number == "001234567000089"


def test_correcting_an_importers_identity_corrects_the_party_and_refuses_anothers_ice():
    other = PartyFactory(ice="001111111000022")
    importer = services.importer_register(name="Rif Négoce", id_number="002222222000033")
    services.importer_register(importer=importer, name="Rif Négoce SA", id_number="002222222000033")
    assert Party.objects.get(ice="002222222000033").name == "Rif Négoce SA"
    with pytest.raises(DomainError) as refused:
        services.importer_register(importer=importer, name="Rif Négoce SA", id_number=other.ice)
    assert refused.value.code == "party_identifier_conflict" and refused.value.field == "id_number"
    assert Importer.objects.get(pk=importer.pk).party.ice == "002222222000033"


def test_admin_import_of_importers_reuses_the_party_and_round_trips():
    party = PartyFactory(name="Souss Textiles", ice="003333333000044")
    rows = tablib.Dataset(headers=["id_number", "kind", "name", "trade_register_number", "is_resident",
                                   "is_aeronautics_registered", "is_oc_categorised", "is_exporter_with_fx_account",
                                   "fx_account_available_balance", "fx_account_currency"])
    rows.append(["003333333000044", "company", "Souss Textiles", "", "1", "0", "1", "0", "0", "MAD"])
    rows.append(["CD778899", "natural", "Nadia Berrada", "", "1", "0", "0", "0", "0", "MAD"])
    result = ImporterResource().import_data(rows, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert Importer.objects.get(party=party).is_oc_categorised
    assert Party.objects.get(national_id="CD778899").kind == "natural"
    assert Party.objects.count() == 2

    exported = ImporterResource().export()
    again = ImporterResource().import_data(tablib.Dataset().load(exported.csv, format="csv"), dry_run=False)
    assert [row.import_type for row in again.rows] == ["skip", "skip"]
    assert Importer.objects.get(party=party).fx_account_available_balance == D("0")


def test_an_operator_is_found_by_part_of_its_name_ice_or_cin():
    atlas = services.importer_register(name="Atlas Import", id_number="001234567000089")
    karim = services.importer_register(name="Karim Alami", id_number="BK123456", kind="natural")
    found = {term: set(Importer.objects.filter(party_matches(term, "party__"))) for term in ("atlas", "4567", "bk12")}
    assert found == {"atlas": {atlas}, "4567": {atlas}, "bk12": {karim}}


def test_a_commitments_importer_is_found_by_its_partys_ice_in_one_query(django_assert_num_queries):
    importer = services.importer_register(name="Souss Textiles", id_number="003333333000044")
    widget = ImporterWidget()
    with django_assert_num_queries(1):
        assert widget.clean(" 003333333000044 ") == importer and widget.render(importer) == "003333333000044"
    with pytest.raises(ValueError, match="Aucun importateur n'a l'identifiant « 009999999000099 »"):
        widget.clean("009999999000099")
