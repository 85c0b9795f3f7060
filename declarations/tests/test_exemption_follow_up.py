"""The "to watch" list (quota balances, expiring certificates, assets under the 60-month
rule, regularisations, guarantees not released, conventions ending) in the back office and
through GET /api/v1/follow-up/ — and warehouse abandonment/destruction (CDII art. 130-4°,
LF 2024, circ. 6522/210 §I.2)."""
import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import make_user
from declarations.exemptions import services as exemptions
from declarations.exemptions.claims import ExemptionError
from declarations.exemptions.selectors import FollowUpKind, follow_up_items
from declarations.models import (
    ExemptAsset,
    FranchiseCondition,
    InvestmentConvention,
    QuotaAllocation,
    VatGuarantee,
    WarehouseDisposal,
)
from declarations.services import declaration_liquidate, declaration_register
from tariff.kit.errors import DomainErrors
from tariff.kit.roles import AUDITOR, BANK_USER
from tariff.models import WarehouseDisposalReason

from .factories import PartyFactory, article, make_declaration

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 6, 2)
ON = dt.date(2024, 3, 15)
DOCUMENTS = [{"kind": "invoice", "reference": "F-FU"}, {"kind": "transport", "reference": "BL-FU"}]


@pytest.fixture
def importer():
    return PartyFactory(name="Atlas Industrie SA")


@pytest.fixture
def watched(importer):
    """One of each follow-up item."""
    from tariff.tests.factories import line_with_rate

    line_with_rate("8479899000", "2.5", description="Machines")
    exemptions.investment_convention_create(
        number="CONV-7", party=importer, amount=D("80000000"), signed_on=dt.date(2023, 1, 10),
        valid_from=dt.date(2023, 1, 10), valid_to=dt.date(2025, 12, 31), goods_description="Presses")
    exemptions.franchise_condition_create(franchise_code="2013", kind="dgi_certificate", party=importer,
                                          reference="DGI-2025-44", issued_on=dt.date(2025, 2, 3))
    exemptions.franchise_condition_create(franchise_code="2013", kind="dgi_certificate", party=importer,
                                          reference="DGI-2024-01", issued_on=dt.date(2024, 2, 3))  # expired
    d = make_declaration(party=importer, currency="MAD", documents=DOCUMENTS, articles=[
        article("8479.89.90.00", value="600000", quantity="1", is_equipment=True,
                attributes={"investment_goods_vat_exempt": True})])
    exemptions.vat_guarantee_create(declaration=d, kind=VatGuarantee.Kind.CONSIGNATION, reference="CONS-9",
                                    amount=D("123000"), constituted_on=ON)
    declaration_register(declaration=d, on_date=ON)
    declaration_liquidate(declaration=d)
    return d


def test_follow_up_lists_every_item_with_its_due_date_soonest_first(watched):
    items = follow_up_items(today=TODAY)
    rows = [(i.kind, i.reference, i.due_on) for i in items]
    assert rows == [
        ("certificate", "DGI-2025-44", dt.date(2025, 12, 31)),  # valid only for its year of issue
        ("convention", "CONV-7", dt.date(2025, 12, 31)),
        ("quota", "1086 2025", dt.date(2025, 12, 31)),
        ("quota", "1086 2026", dt.date(2026, 12, 31)),
        ("asset", f"{watched.reference} art. 1", dt.date(2029, 3, 15)),
        ("guarantee", "CONS-9", dt.date(2029, 3, 15)),
    ]
    asset = items[4]
    # 15/03/2024 → 02/06/2025: 15 started months, 123,000 × 45/60 = 92,250 if disposed today.
    assert asset.amount == D("92250.00") and "15 mois entamés sur 60" in asset.detail
    assert items[2].amount == D("15000000") and items[2].unit == "kg"


def test_follow_up_shows_a_regularisation_until_it_is_paid(watched):
    asset = ExemptAsset.objects.get(article__declaration=watched)
    exemptions.exempt_asset_dispose(asset=asset, disposed_on=dt.date(2025, 5, 20))
    items = follow_up_items(today=TODAY, kinds=[FollowUpKind.REGULARISATION, FollowUpKind.ASSET])
    assert [(i.kind, i.due_on, i.amount) for i in items] == [("regularisation", dt.date(2025, 5, 20), D("92250.00"))]
    guarantee = follow_up_items(today=TODAY, kinds=[FollowUpKind.GUARANTEE])[0]
    assert "mainlevée à demander" in guarantee.detail
    exemptions.exempt_asset_settle(asset=asset, settled_on=dt.date(2025, 5, 30))
    assert follow_up_items(today=TODAY, kinds=[FollowUpKind.REGULARISATION]) == []


def test_follow_up_api_for_staff_and_auditors_with_filters(broker_client, api_client, watched):
    response = broker_client.get("/api/v1/follow-up/", {"as_of": "2025-06-02"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["kind"] for r in body] == ["certificate", "convention", "quota", "quota", "asset", "guarantee"]
    assert body[0]["due_on"] == "2025-12-31" and body[0]["kind_label"].startswith("Justificatif")
    only = broker_client.get("/api/v1/follow-up/", {"as_of": "2025-06-02", "kind": "quota",
                                                   "due_before": "2025-12-31"}).json()
    assert [(r["reference"], r["amount"], r["unit"]) for r in only] == [("1086 2025", "15000000.000", "kg")]
    api_client.force_authenticate(make_user("audit", AUDITOR))
    assert api_client.get("/api/v1/follow-up/").status_code == 200
    api_client.force_authenticate(make_user("bank", BANK_USER))
    assert api_client.get("/api/v1/follow-up/").status_code == 403
    bad = broker_client.get("/api/v1/follow-up/", {"kind": "nope", "due_before": "demain"})
    assert bad.status_code == 400


def test_follow_up_api_needs_authentication(api_client):
    assert api_client.get("/api/v1/follow-up/").status_code in (401, 403)


# --- back office ----------------------------------------------------------------------------------

@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root9", "root9@example.ma", "pw"))
    return client


def test_back_office_to_watch_page_lists_the_items(admin_client, watched):
    response = admin_client.get(reverse("admin:declarations_followupentry_changelist"), {"as_of": "2025-06-02"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "DGI-2025-44" in html and "CONS-9" in html and "1086 2025" in html and "15/03/2029" in html


def test_back_office_asset_page_shows_the_regularisation_schedule(admin_client, watched):
    asset = ExemptAsset.objects.get(article__declaration=watched)
    html = admin_client.get(reverse("admin:declarations_exemptasset_change", args=[asset.pk])).content.decode()
    assert "Régularisation selon la date de cession" in html and "16/04/2026 – 15/05/2026" in html


def test_back_office_disposal_computes_the_regularisation(admin_client, watched):
    asset = ExemptAsset.objects.get(article__declaration=watched)
    url = reverse("admin:declarations_exemptasset_change", args=[asset.pk])
    response = admin_client.post(url, {"disposed_on": "2026-04-18", "regularisation_settled_on": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    asset.refresh_from_db()
    assert asset.regularisation_amount == D("69700.00")  # 123,000 × 34/60


@pytest.mark.parametrize("model", [FranchiseCondition, InvestmentConvention, VatGuarantee, ExemptAsset,
                                   QuotaAllocation, WarehouseDisposal])
def test_back_office_changelists_render(admin_client, watched, model):
    url = reverse(f"admin:declarations_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize("name", ["quota", "schoolsupplyitem", "warehousedisposalreason"])
def test_back_office_reference_changelists_render(admin_client, name):
    assert admin_client.get(reverse(f"admin:tariff_{name}_changelist")).status_code == 200


def test_staff_and_auditors_may_view_the_follow_up_in_the_back_office(client):
    auditor = make_user("audit-bo", AUDITOR, is_staff=True)
    assert auditor.has_perm("declarations.view_followupentry") and auditor.has_perm("tariff.view_quota")
    assert not auditor.has_perm("declarations.change_exemptasset")


# --- warehouse goods abandoned or destroyed (CDII art. 130-4°) ------------------------------------

def disposal(importer, **extra):
    data = {"party": importer, "goods_description": "Yaourts en entrepôt", "quantity": D("1200"),
            "kind": WarehouseDisposal.Kind.DESTRUCTION, "reason_code": "expired",
            "justification": "DLC dépassée le 12/05/2025", "requested_on": TODAY}
    data.update(extra)
    return exemptions.warehouse_disposal_create(**data)


def test_warehouse_destruction_with_a_listed_reason_and_no_duties_paid_is_recorded(importer):
    record = disposal(importer)
    assert record.pk and record.reason.provisional


def test_art_130_4_warehouse_disposal_is_refused_when_duties_were_paid_or_guaranteed(importer):
    with pytest.raises(ExemptionError) as exc:
        disposal(importer, duties_paid_or_guaranteed=True)
    assert exc.value.code == "warehouse_disposal_duties_paid_or_guaranteed" and "130-4°" in exc.value.message


def test_art_130_4_warehouse_disposal_reports_every_unmet_condition(importer):
    with pytest.raises(DomainErrors) as exc:
        disposal(importer, duties_paid_or_guaranteed=True, reason_code="whim", costs_borne_by_operator=False,
                 justification=" ")
    assert [e.code for e in exc.value.errors] == [
        "warehouse_disposal_duties_paid_or_guaranteed", "warehouse_disposal_reason_not_listed",
        "warehouse_disposal_cost_to_treasury", "warehouse_disposal_justification_missing"]


def test_rule_exo3_guards_the_back_office_path_too(importer):
    row = WarehouseDisposal(party=importer, goods_description="x", quantity=D("1"), kind="abandonment",
                            reason=WarehouseDisposalReason.objects.first(), justification="y",
                            duties_paid_or_guaranteed=True, requested_on=TODAY)
    with pytest.raises(ValidationError) as exc:
        row.full_clean()
    assert "EXO3" in str(exc.value)


def test_warehouse_disposal_api(broker_client, importer):
    payload = {"party": importer.pk, "goods_description": "Pièces détachées", "quantity": "40",
               "kind": "abandonment", "reason_code": "obsolete", "justification": "Fin de série",
               "duties_paid_or_guaranteed": False, "requested_on": "2025-06-02"}
    response = broker_client.post("/api/v1/warehouse-disposals/", payload, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["reason_provisional"] is True
    refused = broker_client.post("/api/v1/warehouse-disposals/", {**payload, "duties_paid_or_guaranteed": True},
                                 format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "warehouse_disposal_duties_paid_or_guaranteed"
