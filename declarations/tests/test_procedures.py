"""Procedures decide what is liquidated (procedure code table: ``liquidates_duties``,
``guarantee_required``; CDII art. 152-1 bis for ETPP 077/771)."""
import datetime as dt
from decimal import Decimal

import pytest

from declarations.models import Declaration, RecalculationResult, RecalculationRun
from declarations.recalculation import recalculation_candidates
from declarations.selectors import liquidated_duties_by_month, month_starts
from declarations.services import declaration_liquidate, declaration_preview, declaration_register
from tariff.services import finance_law_publish

from .factories import PartyFactory, article, make_declaration, make_etpp_authorisation, pet_food_draft_law

pytestmark = pytest.mark.django_db
ON = dt.date(2025, 9, 1)


@pytest.fixture(autouse=True)
def garment_line(db):
    from tariff.tests.factories import line_with_rate

    line_with_rate("6109100000", "30", description="T-shirts en coton")


def tshirts(procedure_code: str, **extra):
    """8,000 EUR of T-shirts: 86,400 MAD; released for consumption, DI 30 % = 25,920 and
    VAT 20 % of 112,320 = 22,464, 48,384 MAD in all."""
    exporter = PartyFactory(name="Textiles du Nord")
    if procedure_code in ("077", "771"):
        extra["etpp_authorisation"] = make_etpp_authorisation(exporter=exporter, quantity="1000")
    return make_declaration(procedure_code=procedure_code, party=exporter,
                            articles=[article("6109.10.00.00", value="8000", quantity="400")], **extra)


def test_release_for_consumption_of_the_tshirts_owes_48_384_mad():
    d = tshirts("010")
    declaration_register(declaration=d, on_date=ON)
    liquidation = declaration_liquidate(declaration=d)
    assert (liquidation.total_di, liquidation.total_vat, liquidation.total) == (
        Decimal("25920.00"), Decimal("22464.00"), Decimal("48384.00"))


@pytest.mark.parametrize("code", ["077", "771"])
def test_etpp_export_liquidates_no_import_duties_and_says_why(code):
    d = tshirts(code)
    declaration_register(declaration=d, on_date=ON)
    liquidation = declaration_liquidate(declaration=d)
    assert (liquidation.total_di, liquidation.total_tic, liquidation.total_vat, liquidation.total) == (0, 0, 0, 0)
    assert liquidation.lines.count() == 0 and liquidation.guarantee_amount is None
    assert f"Régime {code}" in liquidation.duties_note and "exportation" in liquidation.duties_note
    d.refresh_from_db()
    assert d.status == Declaration.Status.LIQUIDATED


def test_temporary_admission_computes_the_suspended_duties_as_the_guarantee_not_as_duties():
    d = tshirts("022")
    declaration_register(declaration=d, on_date=ON)
    liquidation = declaration_liquidate(declaration=d)
    assert liquidation.total == 0 and liquidation.guarantee_amount == Decimal("48384.00")
    assert "engagement cautionné" in liquidation.duties_note


def test_the_preview_follows_the_procedure():
    d = tshirts("077")
    preview = declaration_preview(declaration=d, articles=list(d.articles.all()), on_date=ON)
    assert preview.totals["total"] == 0 and preview.taxes == [] and "Régime 077" in preview.duties_note


def test_a_finance_law_never_reliquidates_an_etpp_export(django_capture_on_commit_callbacks):
    exporter = PartyFactory()
    auth = make_etpp_authorisation(exporter=exporter, code="2309.10.00.00")
    etpp = make_declaration(procedure_code="077", party=exporter, etpp_authorisation=auth,
                            articles=[article("2309.10.00.00", value="1000")])
    declaration_register(declaration=etpp, on_date=ON)
    declaration_liquidate(declaration=etpp)
    consumption = make_declaration(articles=[article("2309.10.00.00", value="1000")])
    declaration_register(declaration=consumption, on_date=ON)
    declaration_liquidate(declaration=consumption)
    law = pet_food_draft_law("77")
    assert recalculation_candidates(law=law) == [consumption.pk]
    with django_capture_on_commit_callbacks(execute=True):
        finance_law_publish(law=law)
    run = RecalculationRun.objects.get(law=law)
    assert list(RecalculationResult.objects.filter(run=run).values_list("declaration_id", flat=True)) == [
        consumption.pk]
    assert etpp.liquidations.count() == 1 and etpp.liquidations.get().total == 0


def test_dashboard_totals_exclude_what_export_declarations_do_not_owe():
    d = tshirts("077")
    declaration_register(declaration=d, on_date=ON)
    declaration_liquidate(declaration=d)
    months = month_starts(today=dt.date.today(), months=1)
    assert liquidated_duties_by_month(months=months) == [(months[0], Decimal("0.00"))]


def test_an_export_is_never_reliquidated_into_import_duties():
    from declarations.services import InvalidTransition, declaration_reliquidate

    d = tshirts("077")
    declaration_register(declaration=d, on_date=ON)
    declaration_liquidate(declaration=d)
    with pytest.raises(InvalidTransition) as exc:
        declaration_reliquidate(declaration=d, reason="contrôle")
    assert exc.value.code == "procedure_owes_no_duties" and d.liquidations.count() == 1


def test_the_preview_of_an_unsaved_form_with_a_conditional_code_does_not_fail():
    from declarations.models import Article
    from declarations.models import Declaration as Dum
    from declarations.tests.factories import procedure
    from tariff.models import TariffLine

    line = TariffLine.objects.get(code="2309100000")
    unsaved = Dum(reference="X", customs_office="309", procedure=procedure("010"), party=PartyFactory(),
                  invoice_currency="MAD", invoice_total=1000, freight_amount=0, insurance_amount=0)
    articles = [Article(number=1, tariff_line=line, origin_country="FR", description="x", invoiced_value=1000,
                        quantity=10, net_mass_kg=10, franchise_code="0040", attributes={"investment_goods": True})]
    preview = declaration_preview(declaration=unsaved, articles=articles, on_date=ON)
    assert preview.blocking  # refused for its reasons, not a server error
