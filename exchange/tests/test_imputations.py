"""Customs imputations, partial or final (issue 17): staggered shipments, the advance overshoot
judged against the final invoice once known, imputations beyond the subscribed value, the
declaration link. Numbers of the issue's case (Office des Changes FAQ: acomptes)."""
from decimal import Decimal as D

import pytest

from declarations.models import Declaration
from exchange import selectors
from exchange.models import Commitment, Imputation

from .factories import impute, pay
from .test_payments import SETTLEMENT, assert_refused

pytestmark = pytest.mark.django_db


def test_partial_imputation_judges_the_advance_overshoot_against_the_subscribed_value(commitment, agent_a, staff):
    # 1,000,000 MAD, contract advance 30 %, 300,000 advanced; customs imputes 500,000 (first of two
    # shipments): the settlement of 200,000 is accepted (30 % of the subscribed 1,000,000 = 300,000).
    pay(commitment, agent_a, "advance", "300000")
    impute(commitment, staff, "500000")
    payment = pay(commitment, agent_a, SETTLEMENT, "200000")
    assert payment.amount == D("200000.00")
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.PARTIALLY_IMPUTED
    assert selectors.commitment_headroom(commitment=commitment).settlement_needs_oc_authorisation is False


def test_final_imputation_judges_the_advance_overshoot_against_the_final_invoice(commitment, agent_a, staff):
    # Second shipment: 100,000, final. Final invoice 600,000: 30 % = 180,000, overshoot 120,000 = 20 % > 5 %:
    # the balance now needs the Office des Changes' authorisation, and the room shown says so.
    pay(commitment, agent_a, "advance", "300000")
    impute(commitment, staff, "500000")
    pay(commitment, agent_a, SETTLEMENT, "200000")
    impute(commitment, staff, "100000", kind="final")
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.TOTALLY_IMPUTED  # 600,000 imputed, 500,000 paid
    room = selectors.commitment_headroom(commitment=commitment)
    assert room.settlement_needs_oc_authorisation is True and room.settlement_room == D("0")
    assert_refused("advance_overshoot_needs_authorisation", pay, commitment, agent_a, SETTLEMENT, "100000")


def test_final_imputation_totally_imputes_the_commitment(commitment, staff):
    impute(commitment, staff, "400000")
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.PARTIALLY_IMPUTED
    impute(commitment, staff, "450000", kind="final")
    commitment.refresh_from_db()
    assert commitment.status == Commitment.Status.TOTALLY_IMPUTED and commitment.is_totally_imputed


def test_imputation_after_the_final_one_is_refused(commitment, staff):
    impute(commitment, staff, "1000000", kind="final")
    error = assert_refused("imputation_after_final", impute, commitment, staff, "1000")
    assert "définitive" in error.message
    assert Imputation.objects.filter(commitment=commitment).count() == 1


def test_imputation_beyond_the_subscribed_value_is_allowed_and_flagged(commitment, staff):
    # FAQ: peut-on dépasser la valeur — a settlement may exceed the subscribed amount if customs imputed it.
    first = impute(commitment, staff, "900000")
    second = impute(commitment, staff, "150000")
    assert (first.imputed_to_date, second.imputed_to_date) == (D("900000.00"), D("1050000.00"))
    rows = list(selectors.imputation_list(commitment=commitment))
    assert [row.imputed_to_date for row in rows] == [D("900000.00"), D("1050000.00")]


def test_imputation_links_its_declaration_and_keeps_its_reference(commitment, staff):
    from declarations.tests.factories import make_declaration

    declaration = make_declaration()
    imputation = impute(commitment, staff, "1000", declaration=declaration)
    assert imputation.declaration == declaration and imputation.dum_reference == declaration.reference
    assert imputation.declaration_reference == ""  # a link, not a copy of its reference
    assert Declaration.objects.get(imputations=imputation) == declaration
    other = impute(commitment, staff, "1000", declaration_reference="DUM-AUTRE-BUREAU-1")
    assert other.declaration is None and other.declaration_reference == "DUM-AUTRE-BUREAU-1"
    typed = impute(commitment, staff, "1000", declaration_reference=f" {declaration.reference} ")
    assert (typed.declaration, typed.declaration_reference) == (declaration, "")  # the office keeps it: linked


def test_api_imputation_answer_says_partial_or_final_and_flags_beyond_subscribed(staff, commitment):
    from .test_api import token_client, url

    client = token_client(staff)
    first = client.post(url(commitment, "imputations/"), {"amount": "900000"}, format="json")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert (body["kind"], body["beyond_subscribed"], body["notice"], body["declaration"]) == (
        "partial", False, None, None
    )
    final = client.post(url(commitment, "imputations/"), {"amount": "150000", "kind": "final"}, format="json")
    body = final.json()
    assert (final.status_code, body["kind"], body["imputed_to_date"], body["beyond_subscribed"]) == (
        201, "final", "1050000.00", True
    )
    notice = body["notice"].replace("\xa0", " ")
    assert "1 050 000,00 MAD" in notice and "1 000 000,00 MAD" in notice
    listed = client.get(url(commitment, "imputations/")).json()["results"]
    assert [row["beyond_subscribed"] for row in listed] == [False, True]
    assert client.get(url(commitment)).json()["totals"]["final_imputed"] is True
    after = client.post(url(commitment, "imputations/"), {"amount": "1000"}, format="json")
    assert after.status_code == 400 and after.json()["code"] == "imputation_after_final"


def test_api_imputations_are_searchable_by_declaration_reference(staff, commitment):
    from declarations.tests.factories import make_declaration

    from .test_api import token_client, url

    declaration = make_declaration()
    client = token_client(staff)
    client.post(url(commitment, "imputations/"), {"amount": "1000", "declaration_reference": "DUM-X"}, format="json")
    linked = client.post(url(commitment, "imputations/"), {"amount": "2000", "declaration": declaration.reference},
                         format="json")
    assert linked.status_code == 201 and linked.json()["declaration"] == declaration.reference
    found = client.get(url(commitment, "imputations/"), {"declaration": declaration.reference}).json()["results"]
    assert [(row["declaration_reference"], row["imputed_to_date"]) for row in found] == [
        (declaration.reference, "3000.00")
    ]
    unknown = client.post(
        url(commitment, "imputations/"), {"amount": "1", "declaration": "DUM-INCONNUE"}, format="json"
    )
    assert unknown.status_code == 400 and unknown.json()["field"] == "declaration"
