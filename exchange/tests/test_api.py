"""Partner-bank REST API: token auth, bank isolation, refusals as 400 with the rule's code,
idempotency, roles."""
from decimal import Decimal as D

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from conftest import make_user
from declarations.models import Party
from declarations.tests.factories import PartyFactory
from exchange.models import BankChange, Commitment, Importer, Modification, Payment, PersonalImport
from tariff.kit.roles import AUDITOR, BANK_USER

from .factories import CommitmentFactory, NaturalPersonFactory, domiciled_commitment, impute, pay

pytestmark = pytest.mark.django_db
LIST = "/api/v1/commitments/"


def url(commitment, suffix=""):
    return f"{LIST}{commitment.pk}/{suffix}"


def token_client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def client_a(agent_a):
    return token_client(agent_a)


@pytest.fixture
def client_b(agent_b):
    return token_client(agent_b)


@pytest.fixture
def staff_client(staff):
    return token_client(staff)


# --- authentication and isolation ------------------------------------------------------------

def test_anonymous_calls_get_401(api_client, commitment):
    for response in (
        api_client.get(LIST),
        api_client.get(url(commitment)),
        api_client.post(url(commitment, "payments/"), {"kind": "advance", "amount": "1"}, format="json"),
    ):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"


def test_bank_token_lists_and_reads_its_own_commitments(client_a, commitment):
    body = client_a.get(LIST).json()
    assert body["count"] == 1 and body["results"][0]["number"] == commitment.number
    detail = client_a.get(url(commitment)).json()
    assert detail["bank"] == "bmce" and detail["totals"]["advances"] == "0.00"


def test_bank_isolation_other_banks_commitment_is_404_and_absent_from_the_list(client_b, commitment):
    assert client_b.get(LIST).json()["count"] == 0
    assert client_b.get(url(commitment)).status_code == 404
    assert client_b.get(url(commitment, "payments/")).status_code == 404
    response = client_b.post(url(commitment, "payments/"), {"kind": "advance", "amount": "1000"}, format="json")
    assert response.status_code == 404
    assert client_b.post(url(commitment, "domiciliation/"), {"contract_concordance_confirmed": True}).status_code == 404
    assert client_b.get(f"{LIST}?number={commitment.number}").json()["count"] == 0
    assert not Payment.objects.exists()


def test_bank_user_without_a_bank_sees_nothing(api_client, commitment):
    api_client.force_authenticate(make_user("orphan", BANK_USER))
    assert api_client.get(LIST).json()["count"] == 0
    assert api_client.get(url(commitment)).status_code == 404


def test_list_filters_by_status_importer_and_dates(client_a, make_commitment, importer, staff):
    first = make_commitment(importer=importer)
    other = make_commitment(subscribed_on="2025-01-05")
    impute(first, staff, "1000")
    ids = lambda q: {r["id"] for r in client_a.get(f"{LIST}?{q}").json()["results"]}  # noqa: E731
    assert ids("status=partially_imputed") == {first.pk}
    assert ids("status=partially_imputed&status=domiciled") == {first.pk, other.pk}
    assert ids(f"importer={importer.pk}") == {first.pk}
    assert ids("subscribed_before=2025-02-01") == {other.pk}
    assert ids("subscribed_after=2025-02-01") == {first.pk}
    today = timezone.localdate(first.domiciliation_confirmed_at).isoformat()
    assert ids(f"domiciled_after={today}&domiciled_before={today}") == {first.pk, other.pk}


# --- payments --------------------------------------------------------------------------------

def test_bank_pays_an_advance_through_the_api(client_a, commitment):
    response = client_a.post(
        url(commitment, "payments/"),
        {"kind": "advance", "amount": "300000.00", "currency": "MAD", "date": "2025-03-10", "funding": "normal"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["amount_in_commitment_currency"] == "300000.00"
    listing = client_a.get(url(commitment, "payments/")).json()
    assert listing["count"] == 1 and listing["results"][0]["kind"] == "advance"


def test_payment_answer_and_history_are_those_of_the_orm_and_simple_history(client_a, commitment, agent_a):
    """The payment is written by hand-written SQL (tariff.kit.sql, the hot path of issue 4): its
    answer is PaymentSerializer's, its audit record simple-history's."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from exchange.api.serializers import PaymentSerializer

    with CaptureQueriesContext(connection) as queries:
        response = client_a.post(url(commitment, "payments/"), {"kind": "advance", "amount": "1234.5"}, format="json")
    assert response.status_code == 201, response.content
    payment = Payment.objects.select_related("bank", "created_by").get()
    assert response.json() == dict(PaymentSerializer(payment).data)
    assert response.json()["amount"] == "1234.50" and response.json()["created_by"] == agent_a.username
    [record] = payment.history.all()
    assert (record.history_type, record.history_user, record.amount_mad, record.kind) == (
        "+", agent_a, D("1234.50"), "advance")
    # token, lock, ledger + idempotency + pending transfer, payment and its history (one statement on
    # PostgreSQL), the change feed's event (issue 17), besides the transaction control
    transaction_control = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")
    statements = [q for q in queries if not q["sql"].startswith(transaction_control)]
    assert len(statements) == (5 if connection.vendor == "postgresql" else 6)
    assert "exchange_commitmentevent" in statements[-1]["sql"]


@pytest.mark.parametrize("pk", ["abc", "12a", "٣", "99999999999999999999", "0"])
def test_payment_on_a_malformed_or_unknown_commitment_id_is_a_404(client_a, commitment, pk):
    response = client_a.post(f"{LIST}{pk}/payments/", {"kind": "advance", "amount": "1"}, format="json")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Ressource introuvable."}  # the one wording
    assert not Payment.objects.exists()


def test_refused_payment_is_a_400_with_the_rule_code_and_writes_nothing(client_a, commitment, agent_a):
    pay(commitment, agent_a, "advance", "200000")
    history_before = Payment.history.count(), Commitment.history.count()
    response = client_a.post(url(commitment, "payments/"), {"kind": "advance", "amount": "100001"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "advance_over_limit"
    assert "300\xa0000,00\xa0MAD" in body["detail"] and body["amount"]
    assert Payment.objects.count() == 1
    assert (Payment.history.count(), Commitment.history.count()) == history_before


def test_refused_fx_payment_leaves_the_account_balance_untouched(client_a, make_commitment):
    from .factories import ImporterFactory

    exporter = ImporterFactory(is_exporter_with_fx_account=True, fx_account_available_balance=D("900000"))
    commitment = make_commitment(importer=exporter, contract_advance_rate=D("60"))
    response = client_a.post(
        url(commitment, "payments/"), {"kind": "advance", "amount": "600000.01", "funding": "fx_account"}, format="json"
    )
    assert response.json()["code"] == "advance_over_contract_rate"
    exporter.refresh_from_db()
    assert exporter.fx_account_available_balance == D("900000.00") and not Payment.objects.exists()


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"kind": "gift", "amount": "10"}, "kind"),
        ({"kind": "advance", "amount": "-5"}, "amount"),
        ({"kind": "advance", "amount": "1.001"}, "amount"),
        ({"kind": "advance", "amount": "10", "currency": "eur"}, "currency"),
        ({"kind": "overrun", "amount": "10", "reason": "price_increase"}, "reason"),
        ({"kind": "advance", "amount": "10", "funding": "cash"}, "funding"),
    ],
)
def test_malformed_payment_input_is_a_400_naming_the_field(client_a, commitment, payload, field):
    response = client_a.post(url(commitment, "payments/"), payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Payment.objects.exists()


def test_repeated_post_with_the_same_idempotency_key_returns_the_first_payment(client_a, commitment):
    payload = {"kind": "advance", "amount": "100000", "idempotency_key": "bmce-2025-000001"}
    first = client_a.post(url(commitment, "payments/"), payload, format="json")
    again = client_a.post(url(commitment, "payments/"), payload, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    header = client_a.post(
        url(commitment, "payments/"), {"kind": "advance", "amount": "100000"}, format="json",
        HTTP_IDEMPOTENCY_KEY="bmce-2025-000002",
    )
    header_again = client_a.post(
        url(commitment, "payments/"), {"kind": "advance", "amount": "100000"}, format="json",
        HTTP_IDEMPOTENCY_KEY="bmce-2025-000002",
    )
    assert (header.status_code, header_again.status_code) == (201, 200)
    assert Payment.objects.filter(commitment=commitment).count() == 2


def test_idempotency_key_of_another_commitment_is_refused(client_a, commitment, make_commitment):
    other = make_commitment()
    payload = {"kind": "advance", "amount": "1000", "idempotency_key": "same-key"}
    assert client_a.post(url(commitment, "payments/"), payload, format="json").status_code == 201
    response = client_a.post(url(other, "payments/"), payload, format="json")
    assert response.status_code == 400 and response.json()["code"] == "idempotency_key_conflict"


def test_bank_b_reusing_bank_a_idempotency_key_gets_its_own_payment(client_a, client_b, agent_b, commitment):
    # Issue 17: a key belongs to the bank that sent it; bank B's payment is its own (201), and a
    # replay by either bank returns that bank's first answer.
    commitment_b = domiciled_commitment(bank_user=agent_b)
    payload = {"kind": "advance", "amount": "1000", "idempotency_key": "ORD-0001"}
    first_a = client_a.post(url(commitment, "payments/"), payload, format="json")
    first_b = client_b.post(url(commitment_b, "payments/"), payload, format="json")
    assert (first_a.status_code, first_b.status_code) == (201, 201)
    assert first_b.json()["commitment"] == commitment_b.pk and first_b.json()["bank"] == "awb"
    again_b = client_b.post(url(commitment_b, "payments/"), payload, format="json")
    again_a = client_a.post(url(commitment, "payments/"), payload, format="json")
    assert (again_a.status_code, again_b.status_code) == (200, 200)
    assert (again_a.json()["id"], again_b.json()["id"]) == (first_a.json()["id"], first_b.json()["id"])
    assert Payment.objects.filter(idempotency_key="ORD-0001").count() == 2


# --- roles -----------------------------------------------------------------------------------

def test_broker_staff_creates_commitments_and_records_imputations(staff_client, client_a, importer, bank_a):
    response = staff_client.post(
        LIST,
        {
            "number": "EI-2025-API-1", "importer": importer.pk, "bank": "bmce", "currency": "MAD",
            "subscribed_amount": "1000000.00", "goods_description": "Compresseurs", "contract_advance_rate": "30",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "subscribed" and body["total_import_value"] == "1000000.00"
    commitment = Commitment.objects.get(number="EI-2025-API-1")

    # Imputation before domiciliation: refused with its code.
    response = staff_client.post(url(commitment, "imputations/"), {"amount": "1000"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "not_domiciled"

    domiciliation = url(commitment, "domiciliation/")
    response = client_a.post(domiciliation, {"contract_concordance_confirmed": False}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "concordance_not_confirmed"
    response = client_a.post(domiciliation, {"contract_concordance_confirmed": True}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "domiciled"

    response = staff_client.post(
        url(commitment, "imputations/"),
        {"amount": "400000", "date": "2025-03-12", "declaration_reference": "DUM 301-2025-000999"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["declaration_reference"] == "DUM 301-2025-000999"
    assert staff_client.get(url(commitment)).json()["status"] == "partially_imputed"
    assert staff_client.get(url(commitment, "imputations/")).json()["count"] == 1


def test_duplicate_commitment_number_is_a_400(staff_client, commitment, importer):
    response = staff_client.post(
        LIST,
        {
            "number": commitment.number, "importer": importer.pk, "bank": "bmce", "currency": "MAD",
            "subscribed_amount": "10", "goods_description": "x",
        },
        format="json",
    )
    assert response.status_code == 400 and "number" in response.json()


def test_roles_bank_cannot_create_or_impute_staff_cannot_pay(client_a, staff_client, commitment, importer):
    assert client_a.post(LIST, {"number": "X"}, format="json").status_code == 403
    assert client_a.post(url(commitment, "imputations/"), {"amount": "1"}, format="json").status_code == 403
    response = staff_client.post(url(commitment, "payments/"), {"kind": "advance", "amount": "1"}, format="json")
    assert response.status_code == 403
    assert staff_client.post(url(commitment, "domiciliation/"), {}, format="json").status_code == 403
    assert staff_client.get(url(commitment)).status_code == 200


def test_auditor_reads_but_cannot_write(api_client, commitment):
    api_client.force_authenticate(make_user("audit", AUDITOR))
    assert api_client.get(LIST).json()["count"] == 1
    assert api_client.get(url(commitment, "history/")).status_code == 200
    response = api_client.post(url(commitment, "payments/"), {"kind": "advance", "amount": "1"}, format="json")
    assert response.status_code == 403


def test_history_endpoint_lists_state_changes_with_their_author(client_a, commitment):
    client_a.post(url(commitment, "payments/"), {"kind": "advance", "amount": "1000"}, format="json")
    body = client_a.get(url(commitment, "history/")).json()
    assert [(h["status"], h["history_user"]) for h in body["results"]][:1] == [("domiciled", "agent-a")]
    assert body["results"][-1]["status"] == "subscribed"
    payment = Payment.objects.get()
    assert payment.history.get().history_user.username == "agent-a"


# --- modification, carry-over, bank change through the API ------------------------------------

def test_modification_requested_by_staff_and_validated_by_the_bank(staff_client, client_a, client_b, commitment):
    response = staff_client.post(
        url(commitment, "modifications/"), {"changes": {"subscribed_amount": "1500000"}, "reason": "Avenant"},
        format="json",
    )
    assert response.status_code == 201, response.content
    modification_id = response.json()["id"]
    validate = url(commitment, f"modifications/{modification_id}/validate/")
    assert client_b.post(validate).status_code == 404
    assert staff_client.post(validate).status_code == 403
    response = client_a.post(validate)
    assert response.status_code == 200 and response.json()["status"] == "validated"
    assert client_a.get(url(commitment)).json()["subscribed_amount"] == "1500000.00"
    assert Modification.objects.get().validated_by.username == "agent-a"


def test_modification_after_total_imputation_is_a_400(staff_client, commitment, staff):
    impute(commitment, staff, "1000000")
    response = staff_client.post(
        url(commitment, "modifications/"), {"changes": {"goods_description": "Autre"}}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "modification_after_total_imputation"


def test_carry_over_through_the_api(client_a, commitment, agent_a, staff):
    from exchange import services

    pay(commitment, agent_a, "advance", "100000")
    replacing = services.commitment_create(
        user=staff, number="EI-R-1", importer=commitment.importer, bank=commitment.bank, currency="MAD",
        subscribed_amount=D("1000000"), goods_description="x", contract_advance_rate=D("30"), replaces=commitment,
    )
    services.commitment_domiciliate(commitment=replacing, user=agent_a, contract_concordance_confirmed=True)
    response = client_a.post(url(commitment, "carry-over/"), {"target": "EI-R-1"}, format="json")
    assert response.status_code == 201 and response.json()["amount"] == "100000.00"
    again = client_a.post(url(commitment, "carry-over/"), {"target": "EI-R-1"}, format="json")
    assert again.status_code == 400 and again.json()["code"] == "carry_over_already_done"


def test_bank_change_transfer_accept_flow(staff_client, client_a, client_b, commitment, agent_a):
    pay(commitment, agent_a, "advance", "50000")
    response = staff_client.post(url(commitment, "bank-changes/"), {"to_bank": "awb"}, format="json")
    assert response.status_code == 201, response.content
    change_id = response.json()["id"]
    changes = "/api/v1/bank-changes/"

    # The new bank sees the transfer (not the commitment yet).
    assert client_b.get(changes).json()["count"] == 1
    assert client_b.get(url(commitment)).status_code == 404
    response = client_b.post(f"{changes}{change_id}/accept/")
    assert response.status_code == 400 and response.json()["code"] == "settlements_not_recorded"

    response = client_a.post(f"{changes}{change_id}/settlements-recorded/")
    assert response.status_code == 200 and response.json()["settled_amount_recorded"] == "50000.00"
    response = client_a.post(url(commitment, "payments/"), {"kind": "advance", "amount": "1"}, format="json")
    assert response.json()["code"] == "bank_change_pending"

    response = client_b.post(f"{changes}{change_id}/accept/")
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert client_b.get(url(commitment)).status_code == 200
    assert client_a.get(url(commitment)).status_code == 404
    assert client_a.get(LIST).json()["count"] == 0


def test_bank_change_under_credoc_is_a_400(staff_client, make_commitment, bank_b):
    commitment = make_commitment(payment_method="credoc")
    response = staff_client.post(url(commitment, "bank-changes/"), {"to_bank": "awb"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "bank_change_under_credoc"
    assert not BankChange.objects.exists()


def test_transfer_of_another_bank_is_404(commitment, staff, bank_b, db):
    from exchange import services

    from .factories import BankFactory, bank_user_for

    change = services.commitment_request_bank_change(commitment=commitment, to_bank=bank_b, user=staff)
    outsider = token_client(bank_user_for(BankFactory(code="cih"), "agent-c"))
    assert outsider.post(f"/api/v1/bank-changes/{change.pk}/reject/").status_code == 404


# --- importers and exempt personal imports -----------------------------------------------------

def test_personal_import_exemption_through_the_api(staff_client, client_a):
    person = NaturalPersonFactory()
    endpoint = "/api/v1/personal-imports/"
    payload = {"importer": person.pk, "amount": "20000", "date": "2025-05-01"}
    response = staff_client.post(endpoint, payload, format="json")
    assert response.status_code == 201 and response.json()["year_total_mad"] == "20000.00"
    response = staff_client.post(endpoint, {"importer": person.pk, "amount": "1", "date": "2025-12-31"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "personal_exemption_exceeded"
    assert PersonalImport.objects.count() == 1
    assert staff_client.get(f"{endpoint}?importer={person.pk}&year=2025").json()["count"] == 1
    assert client_a.get(endpoint).status_code == 403


def test_an_importer_registered_with_a_known_ice_is_the_party_the_declarations_name(staff_client):
    """Issue 17 point 3: one record per company — the commitment's importer is the DUM's operator."""
    party = PartyFactory(name="Aero Parts SA", ice="001234567000089")
    body = {"kind": "company", "name": "Aero Parts SA", "id_number": "001 234 567 000 089",
            "is_aeronautics_registered": True}
    response = staff_client.post("/api/v1/importers/", body, format="json")
    assert response.status_code == 201, response.json()
    importer = Importer.objects.get(pk=response.json()["id"])
    assert importer.party == party and importer.is_aeronautics_registered
    assert response.json()["party"] == party.pk and response.json()["id_number"] == "001234567000089"
    assert Party.objects.filter(ice="001234567000089").count() == 1

    again = staff_client.post("/api/v1/importers/", body, format="json")
    assert again.status_code == 400
    assert again.json()["code"] == "importer_already_registered" and again.json()["field"] == "id_number"


def test_an_importer_unknown_to_the_office_gets_its_party(staff_client):
    response = staff_client.post(
        "/api/v1/importers/", {"kind": "natural", "name": "Karim Alami", "id_number": "bk 123456"}, format="json")
    assert response.status_code == 201, response.json()
    party = Importer.objects.get(pk=response.json()["id"]).party
    assert (party.name, party.kind, party.national_id, party.ice) == ("Karim Alami", "natural", "BK123456", "")


# --- OpenAPI ---------------------------------------------------------------------------------

def test_openapi_schema_describes_every_endpoint_and_error_code(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in (
        "/api/v1/commitments/", "/api/v1/commitments/{id}/", "/api/v1/commitments/{id}/domiciliation/",
        "/api/v1/commitments/{id}/payments/", "/api/v1/commitments/{id}/imputations/",
        "/api/v1/commitments/{id}/carry-over/", "/api/v1/commitments/{id}/modifications/",
        "/api/v1/commitments/{id}/bank-changes/", "/api/v1/bank-changes/{id}/accept/",
        "/api/v1/bank-changes/{id}/reject/", "/api/v1/bank-changes/{id}/settlements-recorded/",
        "/api/v1/personal-imports/",
    ):
        assert path in paths, path
    refusals = paths["/api/v1/commitments/{id}/payments/"]["post"]["responses"]["400"]["description"]
    for code in ("advance_over_limit", "anticipated_over_limit", "settlement_before_imputation", "overrun_over_limit"):
        assert f"`{code}`" in refusals
    carry_over = paths["/api/v1/commitments/{id}/carry-over/"]["post"]["responses"]["400"]["description"]
    assert "`carry_over_already_done`" in carry_over
    assert api_client.get("/api/docs/").status_code == 200


def test_commitment_not_yet_domiciled_is_visible_to_the_chosen_bank_only(client_a, client_b, agent_a):
    commitment = CommitmentFactory(bank=agent_a.bank_profile.bank)
    assert client_a.get(url(commitment)).json()["status"] == "subscribed"
    assert client_b.get(url(commitment)).status_code == 404
    domiciled_commitment(bank_user=agent_a)
    assert client_a.get(LIST).json()["count"] == 2


def test_fast_list_rows_match_the_list_serializer(client_a, make_commitment, importer):
    from exchange.api.serializers import CommitmentListSerializer

    make_commitment(importer=importer, subscribed_amount=D("1234.5"), total_import_value=D("99999.99"))
    make_commitment(currency="EUR")
    rows = client_a.get(LIST).json()["results"]
    expected = CommitmentListSerializer(
        Commitment.objects.select_related("importer", "bank").order_by("-subscribed_on", "-id"), many=True
    ).data
    assert rows == [dict(row) for row in expected]
    assert rows[0]["domiciliation_confirmed_at"] and rows[1]["subscribed_amount"] == "1234.50"


def test_bank_list_pages_like_the_filtered_list(client_a, client_b, make_commitment, agent_b):
    """A bank's unfiltered list (hand-written statements) pages, orders and counts exactly as the
    same list through the django-filter queryset (``?status=…`` of every status)."""
    for i in range(52):
        make_commitment(subscribed_on=f"2025-01-{1 + i % 28:02d}")
    domiciled_commitment(bank_user=agent_b)  # another bank's: in no page of bank A
    every_status = "&".join(f"status={status}" for status in Commitment.Status.values)
    first, second = client_a.get(LIST).json(), client_a.get(f"{LIST}?page=2").json()
    assert first == client_a.get(f"{LIST}?{every_status}").json() | {"next": first["next"]}
    assert (first["count"], len(first["results"]), len(second["results"])) == (52, 50, 2)
    assert first["next"].endswith("?page=2") and second["previous"]
    filtered_second = client_a.get(f"{LIST}?{every_status}&page=2").json()
    assert second["results"] == filtered_second["results"]
    assert client_a.get(f"{LIST}?page=3").status_code == 404
    assert client_a.get(f"{LIST}?page=abc").status_code == 404
    assert client_a.get(f"{LIST}?page=last").json()["results"] == second["results"]
    assert client_b.get(LIST).json()["count"] == 1


def test_token_authentication_loads_roles_and_bank_in_one_query(agent_a, staff, commitment, importer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = token_client(agent_a)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST).status_code == 200
    assert len(queries) == 3  # token (+ user, bank, roles), count, page
    assert token_client(staff).post(LIST, {}, format="json").status_code == 400  # staff may create
    assert client.post(LIST, {}, format="json").status_code == 403  # a bank may not
    roleless = make_user("no-role")
    from exchange.models import BankUser

    BankUser.objects.create(user=roleless, bank=agent_a.bank_profile.bank)
    assert token_client(roleless).get(LIST).status_code == 403


def test_cereals_shrinkage_overrun_on_a_machines_commitment_is_refused_with_its_code(client_a, commitment, staff):
    # Issue 17: the commitment says what goods it covers; FAQ: dépassements — cereals shrinkage is for cereals.
    impute(commitment, staff, "1000000")
    assert client_a.get(url(commitment)).json()["goods_category"] == "other"
    response = client_a.post(
        url(commitment, "payments/"), {"kind": "overrun", "amount": "5000", "reason": "shrinkage_cereals"},
        format="json",
    )
    body = response.json()
    assert (response.status_code, body["code"], body["field"]) == (400, "overrun_reason_not_for_goods", "reason")
    assert "Autres marchandises" in body["detail"]
    assert not Payment.objects.filter(kind="overrun").exists()
