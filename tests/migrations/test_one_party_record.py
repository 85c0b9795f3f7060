"""The data migrations that merge today's records into one party per company (issue 20, issue 17
point 3) and turn copied DUM references into links: run from the schema before them, on rows as
they were, and checked after."""
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("declarations", "0011_paid_before_payments_are_cleared"), ("exchange", "0007_commitment_goods_category"),
          ("litigation", "0004_settlement_fine_retained")]
AFTER = [("declarations", "0012_party_one_record_per_identifier"), ("exchange", "0010_imputation_dum_linked_or_named"),
         ("litigation", "0007_dum_linked_or_named")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_importers_case_parties_and_duplicates_become_one_party_each():
    old = migrate(BEFORE)
    Party = old.get_model("declarations", "Party")
    Declaration = old.get_model("declarations", "Declaration")
    ProcedureCode = old.get_model("declarations", "ProcedureCode")
    Importer = old.get_model("exchange", "Importer")
    Case = old.get_model("litigation", "Case")
    CaseParty = old.get_model("litigation", "CaseParty")
    User = old.get_model("auth", "User")

    atlas = Party.objects.create(name="Atlas Import SARL", ice="001234567000089")
    atlas_twice = Party.objects.create(name="ATLAS IMPORT", ice="001234567000089")  # entered twice
    user = User.objects.create(username="migration")
    procedure = ProcedureCode.objects.get_or_create(code="010", defaults={"label": "Mise à la consommation",
                                                                          "flow": "import"})[0]
    declaration = Declaration.objects.create(
        reference="DUM-MIG-1", procedure=procedure, declarant=user, party=atlas_twice, invoice_currency="MAD", invoice_total=Decimal("1000"),
        freight_amount=Decimal("0"), insurance_amount=Decimal("0"),
    )
    atlas_importer = Importer.objects.create(kind="company", name="Atlas Import", id_number="001 234 567 000 089",
                                             trade_register_number="RC-CASA-1", is_oc_categorised=True)
    person = Importer.objects.create(kind="natural", name="Karim Alami", id_number="bk123456")
    case = Case.objects.create(reference="CTX-MIG-1", office="309", facts_date=dt.date(2025, 3, 1),
                               declaration_reference="DUM-MIG-1")
    CaseParty.objects.create(case=case, name="Atlas (contrevenant)", identifier="001234567000089", role="offender")
    CaseParty.objects.create(case=case, name="Transports Rif", identifier="", address="Tanger", role="carrier")

    new = migrate(AFTER)
    Party = new.get_model("declarations", "Party")
    Importer = new.get_model("exchange", "Importer")
    CaseParty = new.get_model("litigation", "CaseParty")
    Case = new.get_model("litigation", "Case")
    Declaration = new.get_model("declarations", "Declaration")

    # One Atlas: the oldest record stays and keeps the declaration of the duplicate.
    assert list(Party.objects.filter(ice="001234567000089").values_list("pk", flat=True)) == [atlas.pk]
    assert Declaration.objects.get(reference="DUM-MIG-1").party_id == atlas.pk
    # The importer is the same party, its Office des Changes profile kept; the RC filled in.
    importer = Importer.objects.get(pk=atlas_importer.pk)
    assert importer.party_id == atlas.pk and importer.is_oc_categorised
    assert Party.objects.get(pk=atlas.pk).trade_register_number == "RC-CASA-1"
    karim = Importer.objects.get(pk=person.pk).party
    assert (karim.name, karim.kind, karim.national_id) == ("Karim Alami", "natural", "BK123456")
    # Case parties: Atlas found by its ICE, the carrier without identifier created.
    roles = {row.role: row.party for row in CaseParty.objects.filter(case_id=case.pk)}
    assert roles["offender"].pk == atlas.pk
    assert (roles["carrier"].name, roles["carrier"].address, roles["carrier"].ice) == ("Transports Rif", "Tanger", "")
    # The case's DUM typed as text is the office's: it becomes the link.
    migrated = Case.objects.get(pk=case.pk)
    assert (migrated.declaration_id, migrated.declaration_reference) == (declaration.pk, "")
