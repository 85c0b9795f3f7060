"""Investment conventions ≥ 50 M MAD (CDII art. 164-1°-p, CGI art. 123-22°-b; 100 M before
LF 2022, circ. 6255/210 §I.7 and §V) and investment goods imported VAT-exempt under real
guarantees, kept 60 months, with a regularisation on early disposal (LF 2024 art. 6,
circ. 6522/210 §IV-5)."""
import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from declarations.exemptions import services as exemptions
from declarations.exemptions.claims import ExemptionError
from declarations.models import Declaration, ExemptAsset, InvestmentConvention, VatGuarantee
from declarations.services import declaration_liquidate, declaration_register
from tariff.tests.helpers import plain

from .factories import PartyFactory, article, make_declaration

pytestmark = pytest.mark.django_db
ON = dt.date(2024, 3, 15)
DOCUMENTS = [{"kind": "invoice", "reference": "F-INV"}, {"kind": "transport", "reference": "BL-INV"}]
MACHINE = "8479.89.90.00"


@pytest.fixture(autouse=True)
def machine_line(db):
    from tariff.tests.factories import line_with_rate

    line_with_rate(MACHINE.replace(".", ""), "2.5", description="Machines et appareils mécaniques")


@pytest.fixture
def investor():
    return PartyFactory(name="Atlas Industrie SA")


def convention(investor, *, amount="60000000", signed_on=dt.date(2023, 5, 2), number="CONV-2023-17", **extra):
    return exemptions.investment_convention_create(
        number=number, party=investor, amount=D(amount), signed_on=signed_on, valid_from=signed_on,
        valid_to=extra.pop("valid_to", dt.date(2026, 12, 31)), goods_description="Ligne d'extrusion", **extra)


def machine_declaration(investor, value="600000", *, is_equipment=True, franchise="", **attributes):
    # Invoiced in MAD, DI 2.5 %: 600,000 MAD of customs value.
    return make_declaration(party=investor, currency="MAD", documents=DOCUMENTS, articles=[
        article(MACHINE, value=value, quantity="1", is_equipment=is_equipment, franchise_code=franchise,
                attributes=attributes)])


# --- conventions ----------------------------------------------------------------------------------

def test_rule_exo1_convention_threshold_100_million_before_2022(investor):
    with pytest.raises(ExemptionError) as exc:
        convention(investor, signed_on=dt.date(2021, 6, 30))
    assert exc.value.code == "convention_below_threshold" and "100 000 000,00 MAD" in plain(exc.value.message)
    assert convention(investor, amount="120000000", signed_on=dt.date(2021, 6, 30), number="C-2021").pk


def test_rule_exo1_convention_threshold_50_million_from_2022(investor):
    assert convention(investor, amount="50000000", signed_on=dt.date(2022, 1, 1)).pk
    with pytest.raises(ExemptionError):
        convention(investor, amount="49999999.99", signed_on=dt.date(2024, 1, 1), number="C-low")
    row = InvestmentConvention(number="C-admin", party=investor, amount=D("40000000"), signed_on=dt.date(2024, 1, 1),
                               valid_from=dt.date(2024, 1, 1), goods_description="x")
    with pytest.raises(ValidationError) as exc:
        row.full_clean()  # admin path
    assert "EXO1" in str(exc.value)


def test_convention_goods_are_exempt_from_di_and_vat_and_tracked_60_months_without_guarantee(investor):
    convention(investor)
    d = machine_declaration(investor, investment_convention="CONV-2023-17")
    declaration_register(declaration=d, on_date=ON)
    liq = declaration_liquidate(declaration=d)
    lines = {line.tax: line for line in liq.lines.all()}
    assert (lines["DI"].amount, lines["DI"].law.code) == (D("0.00"), "LF-76-21")
    assert "164-1°-p" in lines["DI"].detail and "défense commerciale" in lines["DI"].detail
    assert (lines["TVA"].base, lines["TVA"].amount) == (D("600000"), D("0.00"))
    assert "TVA exonérée 120 000,00 MAD" in plain(lines["TVA"].detail)
    assert liq.total == D("0.00")
    asset = ExemptAsset.objects.get(article__declaration=d)
    assert (asset.exempted_vat, asset.imported_on, asset.keep_until, asset.convention.number) == (
        D("120000.00"), ON, dt.date(2029, 3, 15), "CONV-2023-17")


@pytest.mark.parametrize("setup, code", [
    (lambda inv: convention(PartyFactory()), "convention_other_party"),
    (lambda inv: convention(inv, valid_to=dt.date(2023, 12, 31)), "convention_not_valid"),
    (lambda inv: convention(inv, tariff_prefixes="8477"), "convention_goods_not_covered"),
    (lambda inv: None, "convention_not_found"),
])
def test_convention_claims_are_refused_saying_why(investor, setup, code):
    setup(investor)
    d = machine_declaration(investor, investment_convention="CONV-2023-17")
    with pytest.raises(ExemptionError) as exc:
        declaration_register(declaration=d, on_date=ON)
    assert exc.value.code == code and exc.value.field == "articles[0].attributes"


def test_convention_covers_capital_goods_only(investor):
    convention(investor)
    d = machine_declaration(investor, is_equipment=False, investment_convention="CONV-2023-17")
    with pytest.raises(ExemptionError) as exc:
        declaration_register(declaration=d, on_date=ON)
    assert (exc.value.code, exc.value.field) == ("capital_goods_only", "articles[0].is_equipment")


# --- investment goods VAT-exempt under real guarantees (LF 2024) ----------------------------------

def test_lf_2024_art_6_investment_goods_without_a_guarantee_are_refused_at_registration(investor):
    d = machine_declaration(investor, investment_goods_vat_exempt=True)
    with pytest.raises(ExemptionError) as exc:
        declaration_register(declaration=d, on_date=ON)
    assert (exc.value.code, exc.value.field) == ("vat_guarantee_missing", "vat_guarantees")
    assert "garanties réelles" in exc.value.message


def test_lf_2024_art_6_a_guarantee_short_of_the_exempted_vat_refuses_the_liquidation(investor):
    # 600,000 + DI 15,000 = 615,000 → VAT 20 % = 123,000 exempted.
    d = machine_declaration(investor, investment_goods_vat_exempt=True)
    exemptions.vat_guarantee_create(declaration=d, kind=VatGuarantee.Kind.CONSIGNATION, reference="CONS-1",
                                    amount=D("100000"), constituted_on=ON)
    declaration_register(declaration=d, on_date=ON)
    with pytest.raises(ExemptionError) as exc:
        declaration_liquidate(declaration=d)
    assert exc.value.code == "vat_guarantee_insufficient"
    message = plain(exc.value.message)
    assert "123 000,00 MAD" in message and "il manque 23 000,00 MAD" in message
    d.refresh_from_db()
    assert d.status == Declaration.Status.REGISTERED and not ExemptAsset.objects.filter(article__declaration=d)


def test_covered_investment_goods_pay_di_not_vat_and_are_kept_60_months(investor):
    d = machine_declaration(investor, investment_goods_vat_exempt=True)
    exemptions.vat_guarantee_create(declaration=d, kind=VatGuarantee.Kind.PLEDGE, reference="NANT-7",
                                    amount=D("123000"), constituted_on=ON)
    declaration_register(declaration=d, on_date=ON)
    liq = declaration_liquidate(declaration=d)
    lines = {line.tax: line for line in liq.lines.all()}
    assert lines["DI"].amount == D("15000.00")
    assert (lines["TVA"].amount, lines["TVA"].law.code) == (D("0.00"), "LF-55-23")
    asset = ExemptAsset.objects.get(article__declaration=d)
    assert (asset.exempted_vat, asset.keep_until, asset.convention) == (D("123000.00"), dt.date(2029, 3, 15), None)


def test_before_2024_investment_goods_need_no_guarantee_and_no_follow_up(investor):
    d = machine_declaration(investor, investment_goods_vat_exempt=True)
    declaration_register(declaration=d, on_date=dt.date(2023, 11, 2))
    assert declaration_liquidate(declaration=d).total_vat == D("0.00")
    assert not ExemptAsset.objects.filter(article__declaration=d).exists()


def convention_asset(investor) -> ExemptAsset:
    """120,000 MAD of VAT exempted on 15/03/2024 (convention goods, DI exempt: 600,000 × 20 %)."""
    convention(investor)
    d = machine_declaration(investor, investment_convention="CONV-2023-17")
    declaration_register(declaration=d, on_date=ON)
    declaration_liquidate(declaration=d)
    return ExemptAsset.objects.get(article__declaration=d)


def test_cgi_104_ii_2_disposal_after_25_months_and_3_days_owes_68000(investor):
    asset = convention_asset(investor)
    asset = exemptions.exempt_asset_dispose(asset=asset, disposed_on=dt.date(2026, 4, 18))
    assert asset.regularisation_amount == D("68000.00")  # 120,000 × (60 − 26) / 60
    with pytest.raises(ExemptionError) as exc:
        exemptions.exempt_asset_dispose(asset=asset, disposed_on=dt.date(2026, 5, 1))
    assert exc.value.code == "asset_already_disposed"


def test_disposal_after_60_months_owes_nothing_and_before_import_is_refused(investor):
    asset = convention_asset(investor)
    with pytest.raises(ExemptionError) as exc:
        exemptions.exempt_asset_dispose(asset=asset, disposed_on=dt.date(2024, 3, 14))
    assert exc.value.code == "disposal_before_import"
    assert exemptions.exempt_asset_dispose(asset=asset, disposed_on=dt.date(2029, 3, 15)).regularisation_amount == D(
        "0.00")


def test_a_guarantee_is_released_only_after_60_months_or_once_the_regularisation_is_paid(investor):
    d = machine_declaration(investor, investment_goods_vat_exempt=True)
    guarantee = exemptions.vat_guarantee_create(declaration=d, kind=VatGuarantee.Kind.MORTGAGE, reference="HYP-3",
                                                amount=D("123000"), constituted_on=ON)
    declaration_register(declaration=d, on_date=ON)
    declaration_liquidate(declaration=d)
    with pytest.raises(ExemptionError) as exc:
        exemptions.vat_guarantee_release(guarantee=guarantee, released_on=dt.date(2025, 1, 1))
    assert exc.value.code == "guarantee_still_needed" and "15/03/2029" in exc.value.message
    asset = exemptions.exempt_asset_dispose(asset=ExemptAsset.objects.get(article__declaration=d),
                                            disposed_on=dt.date(2025, 1, 1))
    assert asset.regularisation_amount == D("102500.00")  # 9 months + 17 days → 10 started: 123,000 × 50/60
    with pytest.raises(ExemptionError):
        exemptions.vat_guarantee_release(guarantee=guarantee, released_on=dt.date(2025, 1, 2))
    exemptions.exempt_asset_settle(asset=asset, settled_on=dt.date(2025, 1, 20))
    released = exemptions.vat_guarantee_release(guarantee=guarantee, released_on=dt.date(2025, 1, 21))
    assert released.released_on == dt.date(2025, 1, 21)


def test_asset_api_shows_the_schedule_and_records_a_disposal(broker_client, investor):
    asset = convention_asset(investor)
    detail = broker_client.get(f"/api/v1/exempt-assets/{asset.pk}/").json()
    assert detail["exempted_vat"] == "120000.00" and detail["keep_until"] == "2029-03-15"
    assert len(detail["schedule"]) == 61
    assert detail["schedule"][26] == {"month": 26, "disposed_from": "2026-04-16", "disposed_to": "2026-05-15",
                                      "amount": "68000.00"}
    response = broker_client.post(f"/api/v1/exempt-assets/{asset.pk}/dispose/", {"date": "2026-04-18"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["regularisation_amount"] == "68000.00"
    again = broker_client.post(f"/api/v1/exempt-assets/{asset.pk}/dispose/", {"date": "2026-04-19"}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "asset_already_disposed"


def test_convention_api_checks_the_threshold(broker_client, investor):
    response = broker_client.post("/api/v1/investment-conventions/", {
        "number": "C-API", "party": investor.pk, "amount": "60000000", "signed_on": "2021-03-01",
        "valid_from": "2021-03-01", "goods_description": "Four"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "convention_below_threshold"
