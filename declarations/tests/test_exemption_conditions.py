"""Conditional franchise codes (circ. 6522/210 §IV-1): 2013 school supplies (importer's
undertaking, DGI certificate valid only for its year of issue, annexe IV-1 list, exemption
request for other supplies), 0040 FM6SS equipment, 2015 replacing 2006 and 2025 — and the
transitional clause of CDII art. 13 refused for alcoholic beverages from 2024 (LF 2024
art. 5-IV, circ. 6522/210 §III.2). A code whose condition is not met is refused, saying which."""
import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from declarations.exemptions.claims import ExemptionError
from declarations.exemptions.services import franchise_condition_create
from declarations.models import Declaration, FranchiseCondition
from declarations.services import declaration_liquidate, declaration_register
from tariff.kit.errors import DomainErrors

from .factories import PartyFactory, article, make_declaration

pytestmark = pytest.mark.django_db
ON = dt.date(2024, 9, 2)
DOCUMENTS = [{"kind": "invoice", "reference": "F-2013"}, {"kind": "transport", "reference": "BL-2013"}]


@pytest.fixture(autouse=True)
def lines(db):
    from tariff.tests.factories import line_with_rate

    line_with_rate("4820200000", "2.5", description="Cahiers")
    line_with_rate("3906900000", "2.5", description="Polymères acryliques (matière pour fournitures)")
    line_with_rate("9018900000", "2.5", description="Instruments et appareils pour la médecine")
    line_with_rate("3004900000", "2.5", description="Médicaments")


@pytest.fixture
def importer():
    return PartyFactory(name="Librairie Al Maarifa")


def declaration(importer, code="4820.20.00.00", franchise="2013", **attributes):
    extra = {k: attributes.pop(k) for k in ("is_equipment",) if k in attributes}
    return make_declaration(party=importer, documents=DOCUMENTS, articles=[
        article(code, value="1000", quantity="100", franchise_code=franchise, attributes=attributes, **extra)])


def condition(importer, kind, *, franchise="2013", issued_on=dt.date(2024, 8, 1), **extra):
    return franchise_condition_create(franchise_code=franchise, kind=kind, party=importer, reference=f"{kind}-1",
                                      issued_on=issued_on, **extra)


def refused(d, on=ON) -> ExemptionError:
    with pytest.raises(ExemptionError) as exc:
        declaration_register(declaration=d, on_date=on)
    d.refresh_from_db()
    assert d.status == Declaration.Status.DRAFT
    return exc.value


# --- code 2013 ------------------------------------------------------------------------------------

def test_code_2013_without_undertaking_is_refused_naming_the_missing_undertaking(importer):
    error = refused(declaration(importer, school_supply_item=5))
    assert (error.code, error.field) == ("franchise_condition_missing", "articles[0].franchise_code")
    assert error.params == {"missing": "undertaking"}
    assert "engagement de l'importateur d'utiliser les fournitures pour un usage strictement scolaire" in error.message


def test_code_2013_with_the_importers_undertaking_exempts_the_vat(importer):
    condition(importer, FranchiseCondition.Kind.UNDERTAKING)
    d = declaration(importer, school_supply_item=5)  # 5. Cahiers (annexe IV-1)
    declaration_register(declaration=d, on_date=ON)
    vat = declaration_liquidate(declaration=d).lines.get(tax="TVA")
    assert (vat.amount, vat.law.code) == (D("0.00"), "LF-55-23")


def test_an_undertaking_given_for_another_declaration_does_not_count(importer):
    other = declaration(importer, school_supply_item=5)
    condition(importer, FranchiseCondition.Kind.UNDERTAKING, declaration=other)
    assert refused(declaration(importer, school_supply_item=5)).code == "franchise_condition_missing"
    declaration_register(declaration=other, on_date=ON)


def test_dgi_certificate_of_the_year_of_registration_is_accepted(importer):
    cert = condition(importer, FranchiseCondition.Kind.DGI_CERTIFICATE, issued_on=dt.date(2024, 2, 1))
    assert cert.valid_to == dt.date(2024, 12, 31)
    d = declaration(importer, school_supply_material=True, code="3906.90.00.00")
    declaration_register(declaration=d, on_date=ON)


def test_dgi_certificate_of_last_year_is_refused_saying_it_is_valid_only_for_its_year(importer):
    condition(importer, FranchiseCondition.Kind.DGI_CERTIFICATE, issued_on=dt.date(2024, 11, 5))
    error = refused(declaration(importer, school_supply_material=True, code="3906.90.00.00"), on=dt.date(2025, 1, 6))
    assert error.params == {"missing": "dgi_certificate"}
    assert "n'est valable que pour l'année 2024" in error.message


def test_a_dgi_certificate_cannot_run_beyond_its_year_of_issue(importer):
    with pytest.raises(ValidationError) as exc:
        condition(importer, FranchiseCondition.Kind.DGI_CERTIFICATE, issued_on=dt.date(2024, 11, 5),
                  valid_to=dt.date(2025, 11, 4))
    assert "année de sa délivrance" in str(exc.value)


def test_materials_need_the_dgi_certificate_even_with_an_undertaking(importer):
    condition(importer, FranchiseCondition.Kind.UNDERTAKING)
    error = refused(declaration(importer, school_supply_material=True, code="3906.90.00.00"))
    assert error.params == {"missing": "dgi_certificate"}


def test_a_supply_outside_annexe_iv_1_needs_an_accepted_exemption_request(importer):
    condition(importer, FranchiseCondition.Kind.UNDERTAKING)
    error = refused(declaration(importer, school_supply_item=35))
    assert error.params == {"missing": "exemption_request"}
    assert "la fourniture n° 35 ne figure pas à la liste de l'annexe IV-1" in error.message
    request = condition(importer, FranchiseCondition.Kind.EXEMPTION_REQUEST, status=FranchiseCondition.Status.PENDING,
                        description="Tableaux blancs pour écoliers")
    assert "la demande exemption_request-1 est en cours d'examen" in refused(
        declaration(importer, school_supply_item=35)).message
    FranchiseCondition.objects.filter(pk=request.pk).update(status=FranchiseCondition.Status.GRANTED)
    declaration_register(declaration=declaration(importer, school_supply_item=35), on_date=ON)


def test_code_2013_without_an_annexe_number_says_how_to_claim_it(importer):
    error = refused(declaration(importer))
    assert "indiquez le n° de la fourniture dans la liste de l'annexe IV-1" in error.message


# --- code 0040 ------------------------------------------------------------------------------------

def test_code_0040_needs_the_fm6ss_status_then_equipment(importer):
    d = declaration(importer, code="9018.90.00.00", franchise="0040", is_equipment=True)
    error = refused(d)
    assert error.params == {"missing": "fm6ss_beneficiary"} and "Fondation Mohammed VI" in error.message
    condition(importer, FranchiseCondition.Kind.FM6SS_BENEFICIARY, franchise="0040", issued_on=dt.date(2023, 7, 12))
    error = refused(declaration(importer, code="9018.90.00.00", franchise="0040"))
    assert error.params == {"missing": "equipment"}
    declaration_register(declaration=d, on_date=ON)
    assert declaration_liquidate(declaration=d).lines.get(tax="TVA").amount == D("0.00")


def test_evidence_serves_only_its_own_code(importer):
    with pytest.raises(ValidationError) as exc:
        condition(importer, FranchiseCondition.Kind.UNDERTAKING, franchise="0040")
    assert "vaut pour le code 2013" in str(exc.value)


# --- 2015 replaces 2006 and 2025 ------------------------------------------------------------------

def test_codes_2006_and_2025_are_refused_at_registration_from_2024_pointing_to_2015(importer):
    for old in ("2006", "2025"):
        error = refused(declaration(importer, code="3004.90.00.00", franchise=old), on=dt.date(2024, 1, 2))
        assert (error.code, error.params) == ("franchise_code_replaced", {"replaced_by": "2015"})
        assert "remplacé par le code 2015" in error.message and "6522/210" in error.message
    declaration_register(declaration=declaration(importer, code="3004.90.00.00", franchise="2006"),
                         on_date=dt.date(2023, 12, 29))
    declaration_register(declaration=declaration(importer, code="3004.90.00.00", franchise="2015"),
                         on_date=dt.date(2024, 1, 2))


def test_several_unmet_conditions_are_reported_together(importer):
    d = make_declaration(party=importer, documents=DOCUMENTS, articles=[
        article("4820.20.00.00", value="500", franchise_code="2013", attributes={"school_supply_item": 5}),
        article("3004.90.00.00", value="500", franchise_code="2025")])
    with pytest.raises(DomainErrors) as exc:
        declaration_register(declaration=d, on_date=ON)
    assert [(e.code, e.field) for e in exc.value.errors] == [
        ("franchise_condition_missing", "articles[0].franchise_code"),
        ("franchise_code_replaced", "articles[1].franchise_code")]


def test_api_registration_refused_is_400_with_the_code(broker_client, importer):
    d = declaration(importer, school_supply_item=5)
    response = broker_client.post(f"/api/v1/declarations/{d.pk}/register/", {"date": "2024-09-02"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "franchise_condition_missing" and "articles[0].franchise_code" in body
    created = broker_client.post("/api/v1/franchise-conditions/", {
        "franchise_code": "2013", "kind": "undertaking", "party": importer.pk, "reference": "ENG-24-001",
        "issued_on": "2024-08-30"}, format="json")
    assert created.status_code == 201, created.content
    response = broker_client.post(f"/api/v1/declarations/{d.pk}/register/", {"date": "2024-09-02"}, format="json")
    assert response.status_code == 200, response.content


# --- alcohol: no transitional clause from 2024 --------------------------------------------------

@pytest.mark.parametrize("code", ["2203.00.00.00", "2204.21.00.00", "2208.30.00.00"])
def test_transitional_clause_of_art_13_is_refused_for_alcohol_imported_from_2024(importer, code):
    from tariff.tests.factories import line_with_rate

    line_with_rate(code.replace(".", ""), "40", description="Boisson alcoolisée")
    claim = {"transitional_clause_art13": True, "volume_l": "100", "alcohol_pct_vol": "40"}  # TIC A needs them
    error = refused(declaration(importer, code=code, franchise="", **claim), on=dt.date(2024, 1, 1))
    assert (error.code, error.field) == ("transitional_clause_refused", "articles[0].attributes")
    assert "LF 2024 art. 5-IV" in error.message
    declaration_register(declaration=declaration(importer, code=code, franchise="", **claim),
                         on_date=dt.date(2023, 12, 29))


def test_transitional_clause_claim_is_not_refused_by_this_rule_for_other_goods(importer):
    declaration_register(declaration=declaration(importer, franchise="", transitional_clause_art13=True), on_date=ON)
