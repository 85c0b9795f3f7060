"""The partner banks' change feed (issue 17, point 7): ``GET /api/v1/events/?after=<cursor>``.

Each service writes its event(s) in the change's own transaction; a bank reads only its own;
the cursor is stable; and the contract advance rate is stated and checked at subscription."""
from decimal import Decimal as D

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from conftest import make_user
from exchange import rules, selectors, services
from exchange.models import Commitment, CommitmentEvent, Payment
from tariff.kit.errors import DomainError
from tariff.kit.roles import AUDITOR

from .factories import TODAY, BankFactory, CommitmentFactory, ImporterFactory, bank_user_for, impute, pay

pytestmark = pytest.mark.django_db
EVENTS = "/api/v1/events/"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def kinds(bank, **filters) -> list[str]:
    return list(CommitmentEvent.objects.filter(bank=bank, **filters).order_by("transaction_id", "id")
                .values_list("kind", flat=True))


def feed(client, **params) -> dict:
    response = client.get(EVENTS, params)
    assert response.status_code == 200, response.content
    return response.json()


# --- every service writes its event ----------------------------------------------------------

def test_the_life_of_a_commitment_is_in_its_banks_feed(agent_a, staff, bank_a, importer):
    commitment = services.commitment_create(
        user=staff, number="EI-FEED-1", importer=importer, bank=bank_a, currency="MAD",
        subscribed_amount=D("1000000"), goods_description="Machines", contract_advance_rate=D("30"),
    )
    services.commitment_domiciliate(commitment=commitment, user=agent_a, contract_concordance_confirmed=True)
    pay(commitment, agent_a, "advance", "300000")
    impute(commitment, staff, "500000")  # first of two shipments
    impute(commitment, staff, "500000", kind="final")
    pay(commitment, agent_a, "settlement", "700000")
    assert kinds(bank_a) == [
        "commitment_subscribed", "commitment_domiciled", "payment_recorded",
        "imputation_recorded", "status_changed",  # partially imputed
        "imputation_recorded", "status_changed",  # totally imputed (final)
        "payment_recorded", "status_changed",  # settled
    ]
    statuses = [(e.payload["previous_status"], e.payload["status"])
                for e in CommitmentEvent.objects.filter(kind="status_changed").order_by("id")]
    assert statuses == [("domiciled", "partially_imputed"), ("partially_imputed", "totally_imputed"),
                        ("totally_imputed", "settled")]
    settlement = CommitmentEvent.objects.filter(kind="payment_recorded").order_by("id").last()
    assert settlement.payload == {
        "number": "EI-FEED-1", "status": "totally_imputed", "payment": Payment.objects.get(kind="settlement").pk,
        "kind": "settlement", "amount": "700000.00", "currency": "MAD", "amount_in_commitment_currency": "700000.00",
        "date": TODAY.isoformat(),
    }
    final = CommitmentEvent.objects.filter(kind="imputation_recorded").order_by("id").last()
    assert (final.payload["kind"], final.payload["imputed_to_date"]) == ("final", "1000000.00")


def test_a_bank_change_is_in_both_banks_feeds_and_nobody_elses(commitment, agent_a, agent_b, staff, bank_a,
                                                               bank_b):
    bank_c = BankFactory(code="cih")
    change = services.commitment_request_bank_change(commitment=commitment, to_bank=bank_b, user=staff)
    services.bank_change_record_settlements(bank_change=change, user=agent_a)
    services.bank_change_accept(bank_change=change, user=agent_b)
    transfer = ["bank_change_requested", "bank_change_settlements_recorded", "bank_change_accepted"]
    assert kinds(bank_a) == ["commitment_domiciled", *transfer]
    assert kinds(bank_b) == transfer  # the new bank never sees what happened before
    assert kinds(bank_c) == []
    accepted = CommitmentEvent.objects.get(bank=bank_b, kind="bank_change_accepted")
    assert (accepted.payload["from_bank"], accepted.payload["to_bank"], accepted.payload["bank_change"]) == (
        "bmce", "awb", change.pk)
    pay(commitment, agent_b, "advance", "1000")  # now at bank B: its event is bank B's alone
    assert kinds(bank_a)[-1] == "bank_change_accepted" and kinds(bank_b)[-1] == "payment_recorded"


def test_a_rejected_bank_change_and_modifications_are_events(commitment, agent_a, agent_b, staff, bank_a, bank_b):
    change = services.commitment_request_bank_change(commitment=commitment, to_bank=bank_b, user=staff)
    services.bank_change_reject(bank_change=change, user=agent_b, reason="Dossier incomplet")
    rejected = CommitmentEvent.objects.filter(kind="bank_change_rejected")
    assert {e.bank_id for e in rejected} == {bank_a.pk, bank_b.pk}
    assert rejected[0].payload["rejection_reason"] == "Dossier incomplet"

    first = services.commitment_modify(commitment=commitment, user=staff, changes={"subscribed_amount": "1200000"})
    services.modification_validate(modification=first, user=agent_a)
    second = services.commitment_modify(commitment=commitment, user=staff, changes={"goods_description": "Pompes"})
    services.modification_reject(modification=second, user=agent_a, reason="Non conforme au contrat")
    assert kinds(bank_a)[-4:] == ["modification_requested", "modification_validated", "modification_requested",
                                  "modification_rejected"]
    requested = CommitmentEvent.objects.filter(kind="modification_requested").order_by("id").first()
    assert requested.payload["changes"] == first.changes == {"subscribed_amount": "1200000"}  # as requested
    assert requested.payload["previous"] == {"subscribed_amount": "1000000.00"}
    assert kinds(bank_b) == ["bank_change_requested", "bank_change_rejected"]


def test_a_carry_over_closes_the_source_in_the_feed(commitment, agent_a, staff, bank_a):
    pay(commitment, agent_a, "advance", "100000")
    target = services.commitment_create(
        user=staff, number="EI-REMPL", importer=commitment.importer, bank=bank_a, currency="MAD",
        subscribed_amount=D("1000000"), goods_description="Machines", contract_advance_rate=D("30"),
        replaces=commitment,
    )
    services.commitment_domiciliate(commitment=target, user=agent_a, contract_concordance_confirmed=True)
    services.commitment_carry_over_advances(source=commitment, target=target, user=agent_a, on_date=TODAY)
    carried = CommitmentEvent.objects.get(kind="advances_carried_over")
    assert (carried.commitment_id, carried.payload["source"], carried.payload["amount"]) == (
        target.pk, commitment.number, "100000.00")
    closed = CommitmentEvent.objects.get(kind="status_changed", commitment=commitment)
    assert (closed.payload["previous_status"], closed.payload["status"]) == ("domiciled", "closed")


def test_a_refused_action_writes_no_event(commitment, agent_a, agent_b, staff):
    before = CommitmentEvent.objects.count()
    with pytest.raises(rules.AdvanceOverLimit):
        pay(commitment, agent_a, "advance", "300001")
    with pytest.raises(rules.NotCommitmentBank):
        pay(commitment, agent_b, "advance", "10")
    with pytest.raises(rules.ModificationEmpty):
        services.commitment_modify(commitment=commitment, user=staff, changes={"subscribed_amount": "1000000"})
    assert CommitmentEvent.objects.count() == before


def test_a_replayed_payment_is_not_a_second_event(commitment, agent_a):
    pay(commitment, agent_a, "advance", "1000", idempotency_key="K-1")
    pay(commitment, agent_a, "advance", "1000", idempotency_key="K-1")
    assert kinds(commitment.bank, kind="payment_recorded") == ["payment_recorded"]


# --- the feed: isolation, cursor, page size, roles ----------------------------------------------

def test_a_bank_reads_its_own_events_only(commitment, make_commitment, agent_a, agent_b, bank_a, bank_b):
    other = make_commitment(bank_user=agent_b, number="EI-B-1")
    pay(other, agent_b, "advance", "5000")
    a, b = feed(token_client(agent_a)), feed(token_client(agent_b))
    assert {e["commitment"] for e in a["results"]} == {commitment.pk}
    assert [e["kind"] for e in b["results"]] == ["commitment_domiciled", "payment_recorded"]
    assert {e["bank"] for e in b["results"]} == {"awb"} and {e["commitment_number"] for e in b["results"]} == {
        "EI-B-1"}
    # another bank's event is no cursor: refused, and nothing of it is told
    response = token_client(agent_a).get(EVENTS, {"after": b["next"]})
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("invalid_cursor", "after")


def test_the_cursor_reads_each_event_once_in_a_stable_order(commitment, agent_a, staff):
    for n in range(4):
        pay(commitment, agent_a, "advance", str(1000 + n))
    client = token_client(agent_a)
    everything = feed(client)
    assert len(everything["results"]) == 5 and everything["has_more"] is False
    ids = [e["id"] for e in everything["results"]]
    assert everything["next"] == ids[-1]

    first = feed(client, limit=2)
    assert [e["id"] for e in first["results"]] == ids[:2] and first["has_more"] is True and first["next"] == ids[1]
    second = feed(client, after=first["next"], limit=2)
    third = feed(client, after=second["next"], limit=2)
    assert [e["id"] for e in second["results"] + third["results"]] == ids[2:]
    assert third["has_more"] is False
    # nothing new: an empty page, the same cursor to come back with
    idle = feed(client, after=third["next"])
    assert idle == {"results": [], "next": third["next"], "has_more": False}
    # a new event comes after the cursor; the old pages read the same again
    impute(commitment, staff, "400000")
    later = feed(client, after=third["next"])
    assert [e["kind"] for e in later["results"]] == ["imputation_recorded", "status_changed"]
    assert later["results"][0]["payload"]["amount"] == "400000.00"
    assert later["results"][1]["status"] == "partially_imputed"
    assert feed(client, limit=2) == first


def test_the_feed_page_size_is_limited(agent_a, client=None):
    client = token_client(agent_a)
    for value, code in (("0", "min_value"), ("501", "max_value"), ("abc", "invalid")):
        response = client.get(EVENTS, {"limit": value})
        assert response.status_code == 400 and response.json()["code"] == code, value
    response = client.get(EVENTS, {"after": "-1"})
    assert response.status_code == 400 and response.json()["field"] == "after"
    response = client.get(EVENTS, {"after": "999999"})
    assert response.status_code == 400 and response.json()["code"] == "invalid_cursor"
    assert "Curseur inconnu" in response.json()["detail"]


def test_the_feed_caps_a_page_at_the_maximum(commitment, agent_a):
    CommitmentEvent.objects.bulk_create([
        CommitmentEvent(bank=commitment.bank, commitment=commitment, kind="payment_recorded",
                        payload={"number": commitment.number, "status": commitment.status})
        for _ in range(selectors.EVENT_PAGE_MAX + 5)
    ])
    page = selectors.event_list_for(bank=commitment.bank, limit=10_000)
    assert len(page.events) == selectors.EVENT_PAGE_MAX and page.has_more
    assert len(feed(token_client(agent_a))["results"]) == selectors.EVENT_PAGE_SIZE


def test_the_feed_is_for_banks_only(api_client, staff, commitment):
    assert api_client.get(EVENTS).status_code == 401
    for user in (staff, make_user("auditor-feed", AUDITOR)):
        response = token_client(user).get(EVENTS)
        assert response.status_code == 403
        assert response.json()["detail"] == "Réservé aux utilisateurs d'une banque partenaire."


# --- contract advance rate: stated, and checked at subscription --------------------------------

def _subscribe(staff, bank, importer, rate, number="EI-TAUX"):
    return services.commitment_create(
        user=staff, number=number, importer=importer, bank=bank, currency="MAD", subscribed_amount=D("1000000"),
        goods_description="Machines", contract_advance_rate=rate,
    )


def test_a_contract_rate_over_30_percent_is_refused_at_subscription(staff, bank_a, importer):
    with pytest.raises(DomainError) as info:
        _subscribe(staff, bank_a, importer, D("40"))
    assert (info.value.code, info.value.field) == ("contract_advance_rate_over_limit", "contract_advance_rate")
    assert str(info.value).replace("\xa0", " ") == (
        "Le contrat prévoit 40 % d'acompte, au-delà du taux réglementaire de 30 %.")
    assert not Commitment.objects.exists() and not CommitmentEvent.objects.exists()
    assert _subscribe(staff, bank_a, importer, D("30")).contract_advance_rate == D("30")


def test_aeronautics_50_percent_and_exporters_with_fx_account_the_contracts_rate(staff, bank_a):
    aero = ImporterFactory(is_aeronautics_registered=True)
    assert _subscribe(staff, bank_a, aero, D("50"), "EI-AERO").contract_advance_rate == D("50")
    with pytest.raises(rules.ContractAdvanceRateOverLimit):
        _subscribe(staff, bank_a, aero, D("50.01"), "EI-AERO-2")
    exporter = ImporterFactory(is_exporter_with_fx_account=True)
    assert _subscribe(staff, bank_a, exporter, D("60"), "EI-EXPORT").contract_advance_rate == D("60")


def test_a_modification_over_the_rate_is_refused_when_requested(commitment, staff):
    with pytest.raises(rules.ContractAdvanceRateOverLimit):
        services.commitment_modify(commitment=commitment, user=staff, changes={"contract_advance_rate": "40"})
    assert not commitment.modifications.exists()


def test_the_api_requires_the_contract_rate_and_refuses_40_percent(staff, importer, bank_a):
    client = token_client(staff)
    body = {"number": "EI-API-TAUX", "importer": importer.pk, "bank": "bmce", "currency": "MAD",
            "subscribed_amount": "1000000.00", "goods_description": "Compresseurs"}
    response = client.post("/api/v1/commitments/", body, format="json")
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("required", "contract_advance_rate")
    response = client.post("/api/v1/commitments/", {**body, "contract_advance_rate": "40"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "contract_advance_rate_over_limit"
    response = client.post("/api/v1/commitments/", {**body, "contract_advance_rate": "0"}, format="json")
    assert response.status_code == 201 and response.json()["contract_advance_rate"] == "0.0000"
    assert CommitmentFactory._meta.model.objects.get(number="EI-API-TAUX").contract_advance_rate == 0


def test_a_bank_user_for_a_new_bank_starts_with_an_empty_feed(db):
    agent = bank_user_for(BankFactory(code="new"), "agent-new")
    assert feed(token_client(agent)) == {"results": [], "next": 0, "has_more": False}
