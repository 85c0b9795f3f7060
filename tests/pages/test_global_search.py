"""The header's global search (issue 21): one page answering by declaration reference, operator
name or ICE, commitment number, tariff code, case reference — each section for the roles that read it."""
import pytest
from django.urls import reverse

from declarations.tests.factories import PartyFactory, make_declaration
from exchange.tests.factories import BankFactory, CommitmentFactory, ImporterFactory, bank_user_for
from litigation.tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def test_one_box_answers_from_every_kind_of_file(broker):
    party = PartyFactory(name="Atlas Négoce", ice="001234567000089")
    declaration = make_declaration(party=party)
    commitment = CommitmentFactory(importer=ImporterFactory(name="Atlas Négoce SA"))
    case = CaseFactory(reference="CT-ATLAS-1")
    page = broker.get(reverse("search"), {"q": "atlas"}).content.decode()
    assert declaration.reference in page and commitment.number in page and "CT-ATLAS-1" in page
    assert reverse("litigation:case-detail", args=[case.pk]) in page
    by_ice = broker.get(reverse("search"), {"q": "001234567"}).content.decode()
    assert declaration.reference in by_ice
    by_code = broker.get(reverse("search"), {"q": "2309.10"}).content.decode()
    assert "2309.10.00.00" in by_code
    assert 'action="/search/"' in broker.get(reverse("home")).content.decode()  # the header's box


def test_a_bank_user_finds_only_its_own_commitments(client, db):
    bank = BankFactory(code="bq1", name="Banque 1")
    mine = CommitmentFactory(number="EI-MINE-1", bank=bank)
    CommitmentFactory(number="EI-OTHER-1")
    make_declaration()
    client.force_login(bank_user_for(bank, "agent-search"))
    page = client.get(reverse("search"), {"q": "EI-"}).content.decode()
    assert mine.number in page and "EI-OTHER-1" not in page
    assert "Déclarations" not in page.split("<main>")[1]
