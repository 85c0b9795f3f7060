"""Role matrix (issue 8): each role on each module — a page, the API list, an API write and
the admin changelist — allowed or refused as the policy says.

Policy (tariff.kit.roles, tariff.kit.permissions, each app's views and api): broker staff work on
files (declarations, commitments on the broker side, cases) and read the tariff; reference
editors edit reference data in the admin and publish finance laws, and read the tariff
(offences too); bank users see only their own bank's commitments (bank API, and the commitment
list/detail/payment pages); auditors
read everything and write nothing. Only editors and auditors are admin ("staff") users here.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import Resolver404, resolve, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from conftest import make_user
from declarations.models import Party
from declarations.tests.factories import make_declaration
from exchange.models import Bank, Importer, Payment
from exchange.tests.factories import BankFactory, bank_user_for, domiciled_commitment
from litigation.models import Case
from litigation.tests.factories import CaseFactory
from tariff.kit.roles import AUDITOR, BANK_USER, BROKER_STAFF, REFERENCE_EDITOR, ROLE_LABELS
from tariff.models import FinanceLaw

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "broker", "editor", "bank", "auditor"]

# Expected outcomes besides plain status codes.
LOGIN = "login"  # 302 to the login page
ADMIN_LOGIN = "admin-login"  # 302 to the admin login page (not a staff user)
NO_AUTH = "no-auth"  # 401 or 403: the API asks for credentials
ALL, OWN = "all", "own"  # 200 on a commitment list: every bank's or only the user's bank's
OWN_PAGE = "own page"  # the same on the HTML commitment list


@pytest.fixture
def world(db):
    bank_a, bank_b = BankFactory(code="rm-a", name="Banque A"), BankFactory(code="rm-b", name="Banque B")
    bank_user = bank_user_for(bank_a, "rm-bank")
    users = {
        "broker": make_user("rm-broker", BROKER_STAFF),
        "editor": make_user("rm-editor", REFERENCE_EDITOR, is_staff=True),
        "bank": bank_user,
        "auditor": make_user("rm-auditor", AUDITOR, is_staff=True),
    }
    return {
        "users": users,
        "bank_a": bank_a,
        "own_commitment": domiciled_commitment(bank_user=bank_user),
        "other_commitment": domiciled_commitment(bank_user=bank_user_for(bank_b, "rm-bank-b")),
        "declaration": make_declaration(),
        "case": CaseFactory(),
        "draft_law": FinanceLaw.objects.create(
            code="LF-RM-25", number="98-25", budget_year=2025, title="LF de test (rôles)",
            effective_date=dt.date(2025, 1, 1), status=FinanceLaw.Status.DRAFT),
    }


def client_for(world, role) -> APIClient:
    """Session login for pages and admin; the bank user also carries its API token (the real
    path of the bank API)."""
    client = APIClient()
    if role != "anonymous":
        user = world["users"][role]
        client.force_login(user)
        if role == "bank":
            client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


# --- the checks: (module, what) → request, and what it may write ------------------------------

def _publish(client, world):
    return client.post(f"/api/v1/tariff/finance-laws/{world['draft_law'].pk}/publish/")


def _pay(client, world):
    return client.post(f"/api/v1/commitments/{world['own_commitment'].pk}/payments/",
                       {"kind": "advance", "amount": "1000.00", "date": "2025-03-10"}, format="json")


CASE_PAYLOAD = {"reference": "CTX-RM-0001", "office": "Casablanca-Port (300)", "facts_date": "2024-02-10",
                "offences": [{"article": "299"}]}

CHECKS = {
    # tariff: search page, line list, publication of a draft finance law, a reference table in the admin
    ("tariff", "page"): (lambda c, w: c.get("/tariff/"), None),
    ("tariff", "api-list"): (lambda c, w: c.get("/api/v1/tariff/lines/?q=8517"), None),
    ("tariff", "api-write"): (_publish, lambda w: FinanceLaw.objects.get(pk=w["draft_law"].pk).status),
    ("tariff", "admin"): (lambda c, w: c.get("/admin/tariff/dutyrate/"), None),
    # declarations
    ("declarations", "page"): (lambda c, w: c.get("/declarations/"), None),
    ("declarations", "api-list"): (lambda c, w: c.get("/api/v1/declarations/"), None),
    ("declarations", "api-write"): (lambda c, w: c.post("/api/v1/parties/", {"name": "Partie RM"}, format="json"),
                                    lambda w: Party.objects.count()),
    ("declarations", "admin"): (lambda c, w: c.get("/admin/declarations/declaration/"), None),
    # exchange: broker-side write (importer), bank-side write (payment on the bank's own commitment)
    ("exchange", "page"): (lambda c, w: c.get("/commitments/"), None),
    ("exchange", "api-list"): (lambda c, w: c.get("/api/v1/commitments/"), None),
    ("exchange", "api-write"): (lambda c, w: c.post("/api/v1/importers/", {"kind": "company", "name": "Imp RM",
                                                                          "id_number": "ICE-RM-1"}, format="json"),
                                lambda w: Importer.objects.count()),
    ("exchange", "api-bank-write"): (_pay, lambda w: Payment.objects.count()),
    ("exchange", "admin"): (lambda c, w: c.get("/admin/exchange/commitment/"), None),
    # litigation
    ("litigation", "page"): (lambda c, w: c.get("/litigation/cases/"), None),
    ("litigation", "api-list"): (lambda c, w: c.get("/api/v1/litigation/cases/"), None),
    ("litigation", "api-write"): (lambda c, w: c.post("/api/v1/litigation/cases/", CASE_PAYLOAD, format="json"),
                                  lambda w: Case.objects.count()),
    ("litigation", "admin"): (lambda c, w: c.get("/admin/litigation/case/"), None),
}

#                                   anonymous    broker        editor        bank          auditor
EXPECTED = {
    ("tariff", "page"):             (LOGIN,       200,          200,          403,          200),
    ("tariff", "api-list"):         (NO_AUTH,     200,          200,          403,          200),
    ("tariff", "api-write"):        (NO_AUTH,     403,          200,          403,          403),
    ("tariff", "admin"):            (ADMIN_LOGIN, ADMIN_LOGIN,  200,          ADMIN_LOGIN,  200),
    ("declarations", "page"):       (LOGIN,       200,          403,          403,          200),
    ("declarations", "api-list"):   (NO_AUTH,     200,          403,          403,          200),
    ("declarations", "api-write"):  (NO_AUTH,     201,          403,          403,          403),
    ("declarations", "admin"):      (ADMIN_LOGIN, ADMIN_LOGIN,  403,          ADMIN_LOGIN,  200),
    ("exchange", "page"):           (LOGIN,       200,          403,          OWN_PAGE,     200),
    ("exchange", "api-list"):       (NO_AUTH,     ALL,          403,          OWN,          ALL),
    ("exchange", "api-write"):      (NO_AUTH,     201,          403,          403,          403),
    ("exchange", "api-bank-write"): (NO_AUTH,     403,          403,          201,          403),
    ("exchange", "admin"):          (ADMIN_LOGIN, ADMIN_LOGIN,  403,          ADMIN_LOGIN,  200),
    ("litigation", "page"):         (LOGIN,       200,          403,          403,          200),
    ("litigation", "api-list"):     (NO_AUTH,     200,          403,          403,          200),
    ("litigation", "api-write"):    (NO_AUTH,     201,          403,          403,          403),
    ("litigation", "admin"):        (ADMIN_LOGIN, ADMIN_LOGIN,  403,          ADMIN_LOGIN,  200),
}
MATRIX = [(check, role, expected) for check, row in EXPECTED.items() for role, expected in zip(ROLES, row)]


def _page_exists(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def _assert_outcome(response, expected, world):
    status = response.status_code
    if expected == LOGIN:
        assert status == 302 and response["Location"].startswith(reverse("login") + "?next="), status
    elif expected == ADMIN_LOGIN:
        assert status == 302 and response["Location"].startswith(reverse("admin:login")), status
    elif expected == NO_AUTH:
        assert status in (401, 403), status
    elif expected in (ALL, OWN):
        assert status == 200, (status, response.content[:300])
        numbers = {row["number"] for row in response.json()["results"]}
        own, other = world["own_commitment"].number, world["other_commitment"].number
        assert own in numbers and (other in numbers) == (expected == ALL), numbers
    elif expected == OWN_PAGE:
        html = response.content.decode()
        assert status == 200 and world["own_commitment"].number in html, status
        assert world["other_commitment"].number not in html
    else:
        assert status == expected, (status, getattr(response, "content", b"")[:300])


@pytest.mark.parametrize("check, role, expected", MATRIX, ids=[f"{c[0]}-{c[1]}-{r}" for c, r, _e in MATRIX])
def test_role_matrix(world, check, role, expected):
    request, written = CHECKS[check]
    if check == ("exchange", "page") and not _page_exists("/commitments/"):
        pytest.skip("commitment pages not written yet")
    before = written(world) if written else None
    response = request(client_for(world, role), world)
    _assert_outcome(response, expected, world)
    if written and expected not in (200, 201):
        assert written(world) == before, "a refused request wrote something"


# --- beyond the matrix ------------------------------------------------------------------------

def test_the_bank_api_hides_other_banks_commitments(world):
    client = client_for(world, "bank")
    other = world["other_commitment"]
    assert client.get(f"/api/v1/commitments/{other.pk}/").status_code == 404
    response = client.post(f"/api/v1/commitments/{other.pk}/payments/", {"kind": "advance", "amount": "10"},
                           format="json")
    assert response.status_code == 404 and not Payment.objects.filter(commitment=other).exists()


@pytest.mark.parametrize("path", [
    "/admin/tariff/dutyrate/add/", "/admin/declarations/declaration/add/", "/admin/exchange/bank/add/",
    "/admin/litigation/case/add/",
])
def test_auditor_gets_no_admin_add_form(world, path):
    assert client_for(world, "auditor").get(path).status_code == 403


def test_auditor_cannot_change_a_reference_row_in_the_admin(world):
    bank = world["bank_a"]
    response = client_for(world, "auditor").post(f"/admin/exchange/bank/{bank.pk}/change/",
                                                 {"code": "pirate", "name": "Pirate"})
    assert response.status_code == 403
    assert Bank.objects.get(pk=bank.pk).code == "rm-a"


def _revert_url(obj) -> str:
    version = obj.history.order_by("-history_id").first()
    opts = obj._meta
    return f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/history/{version.history_id}/"


def test_auditor_cannot_save_through_the_history_revert_form(world):
    """Hole found: django-simple-history's revert form saved for anyone allowed to *view*."""
    bank, party = world["bank_a"], world["declaration"].party
    auditor = client_for(world, "auditor")
    assert auditor.get(_revert_url(bank)).status_code == 200  # reading a version stays allowed
    assert auditor.post(_revert_url(bank), {"code": "pirate", "name": "Pirate"}).status_code == 403
    assert auditor.post(_revert_url(party), {"name": "Pirate", "kind": "company"}).status_code == 403
    assert Bank.objects.get(pk=bank.pk).code == "rm-a"
    assert Party.objects.get(pk=party.pk).name == party.name


def test_read_only_ledger_cannot_be_reverted_even_by_a_superuser(world, admin_client):
    payment = Payment.objects.create(
        commitment=world["own_commitment"], bank=world["bank_a"], kind="advance", amount=Decimal("10.00"),
        currency="MAD", amount_in_commitment_currency=Decimal("10.00"), amount_mad=Decimal("10.00"),
        date=dt.date(2025, 3, 10), created_by=world["users"]["bank"])
    response = admin_client.post(_revert_url(payment), {"amount": "999999", "kind": "advance"})
    assert response.status_code == 403
    assert Payment.objects.get(pk=payment.pk).amount == Decimal("10.00")


def test_editor_may_revert_a_reference_row_it_may_change(world):
    bank = world["bank_a"]
    url = _revert_url(bank)
    bank.name = "Banque A renommée"
    bank.save()
    response = client_for(world, "editor").post(url, {"code": "rm-a", "name": "Banque A"})
    assert response.status_code == 302
    assert Bank.objects.get(pk=bank.pk).name == "Banque A"


def _action_allowed(client, changelist: str, prefix: str) -> bool:
    response = client.get(changelist)
    assert response.status_code == 200
    form = response.context["action_form"]  # None when no action is offered
    names = [name for name, _label in form.fields["action"].choices] if form else []
    return any(name.startswith(prefix) for name in names)


def test_auditor_gets_no_admin_action_that_writes(world):
    """Hole found: "Publier la loi" and the case transitions were offered to view-only users."""
    auditor, editor = client_for(world, "auditor"), client_for(world, "editor")
    assert not _action_allowed(auditor, "/admin/tariff/financelaw/", "publish")
    assert _action_allowed(editor, "/admin/tariff/financelaw/", "publish")
    law = world["draft_law"]
    auditor.post("/admin/tariff/financelaw/", {"action": "publish", "_selected_action": [law.pk]})
    assert FinanceLaw.objects.get(pk=law.pk).status == FinanceLaw.Status.DRAFT
    assert not _action_allowed(auditor, "/admin/litigation/case/", "mark_")
    case = world["case"]
    auditor.post("/admin/litigation/case/", {"action": f"mark_{Case.Status.CLOSED}", "_selected_action": [case.pk]})
    assert Case.objects.get(pk=case.pk).status == case.status


def test_a_bank_user_flagged_staff_still_sees_no_ledger_in_the_admin(world):
    """Hole found: the bank_user group held view permissions on every bank's ledger."""
    user = world["users"]["bank"]
    user.is_staff = True
    user.save()
    client = client_for(world, "bank")
    for path in ("/admin/exchange/commitment/", "/admin/exchange/payment/", "/admin/exchange/bankchange/"):
        assert client.get(path).status_code == 403, path


def test_auditor_group_only_views():
    codenames = Group.objects.get(name=AUDITOR).permissions.values_list("codename", flat=True)
    assert codenames and all(code.startswith("view_") for code in codenames)
    assert not Group.objects.get(name=BANK_USER).permissions.exists()


def test_every_role_is_a_group():
    assert set(ROLE_LABELS) <= set(Group.objects.values_list("name", flat=True))


def test_auditors_read_importers_and_personal_imports_but_write_neither(world):
    auditor = client_for(world, "auditor")
    assert auditor.get("/api/v1/importers/").status_code == 200
    assert auditor.get("/api/v1/personal-imports/").status_code == 200
    before = Importer.objects.count()
    response = auditor.post("/api/v1/importers/", {"kind": "company", "name": "Aud", "id_number": "ICE-AUD"},
                            format="json")
    assert response.status_code == 403 and Importer.objects.count() == before
