"""The demo office (issue 18): ``manage.py load_demo_office`` on an empty office, twice.

The office is loaded once for the module (twice in a row, to check the second run adds
nothing), inside a transaction rolled back at the end; each test runs in a savepoint of it.
"""
from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from django.test import Client, override_settings
from django.utils import timezone
from django.urls import reverse

from tariff.demo import DEMO_PASSWORD, DEMO_USERS

pytestmark = pytest.mark.django_db

# Every table the office writes to: the second run must leave each count unchanged.
COUNTED = ["auth.User", "authtoken.Token", "declarations.Party", "declarations.Declaration",
           "declarations.Article", "declarations.Liquidation", "declarations.LiquidationLine",
           "declarations.DeclarationPayment", "declarations.DeclarationRelease", "declarations.EtppAuthorisation",
           "declarations.EtppImputation", "declarations.AnnexedDocument", "exchange.Bank", "exchange.BankUser",
           "exchange.Importer", "exchange.Commitment", "exchange.Imputation", "exchange.Payment",
           "exchange.BankChange", "litigation.Case", "litigation.CaseOffence", "litigation.Settlement",
           "tariff.FinanceLaw", "tariff.DraftRateChange"]


def counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in COUNTED}


def load(**options) -> str:
    out = StringIO()
    call_command("load_demo_office", force=True, stdout=out, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def office(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        before = counts()
        first = load()
        after_first = counts()
        second = load()
        yield {"before": before, "first": first, "after_first": after_first, "after_second": counts(),
               "second": second}
        transaction.set_rollback(True)


def test_the_office_starts_empty_and_the_first_run_fills_it(office):
    assert office["before"]["declarations.Declaration"] == 0 and office["before"]["exchange.Commitment"] == 0
    assert all(office["after_first"][label] > 0 for label in COUNTED), office["after_first"]


def test_running_it_twice_changes_nothing(office):
    assert office["after_second"] == office["after_first"]
    assert "rien (déjà chargé)" in office["second"]


def test_declarations_in_every_status_over_the_last_months(office):
    from declarations.models import Declaration, EtppAuthorisation, Liquidation

    assert set(Declaration.objects.values_list("status", flat=True)) == set(Declaration.Status.values)
    months = {d.replace(day=1) for d in Declaration.objects.exclude(registered_on=None)
              .values_list("registered_on", flat=True)}
    assert len(months) == 6
    liquidation_months = {(c.year, c.month) for c in Liquidation.objects.values_list("created_at", flat=True)}
    assert len(liquidation_months) == 6  # the dashboard chart has six months of bars
    etpp = Declaration.objects.get(procedure__code="077")
    assert etpp.status == Declaration.Status.CLEARED and etpp.etpp_authorisation.issued_on is not None
    from django.utils import timezone

    overdue = [a for a in EtppAuthorisation.objects.all() if a.is_overdue(timezone.localdate())]
    assert len(overdue) == 1


def test_amounts_are_the_services_own(office):
    from declarations.models import Declaration, DeclarationPayment, Liquidation
    from declarations.services import declaration_compute_duties

    for liquidation in Liquidation.objects.select_related("declaration"):
        lines = liquidation.lines.aggregate(di=Sum("amount", default=0))["di"]
        assert liquidation.total == lines == liquidation.total_di + liquidation.total_tic + liquidation.total_vat
        declaration = liquidation.declaration
        if declaration.procedure.liquidates_duties:  # recomputed now: the same figures
            articles = list(declaration.articles.select_related("tariff_line").order_by("number"))
            computed = declaration_compute_duties(declaration=declaration, articles=articles,
                                                  on_date=declaration.registered_on)
            assert sum(line.amount for item in computed for line in item.lines) == liquidation.total
    for payment in DeclarationPayment.objects.select_related("liquidation"):
        assert payment.amount == payment.liquidation.total
    assert Declaration.objects.get(reference="DEMO-DUM-2611").liquidations.get().total == Decimal("0.00")


def test_commitments_in_each_state(office):
    from exchange.models import BankChange, Commitment
    from exchange.selectors import commitment_totals

    statuses = dict(Commitment.objects.values_list("number", "status"))
    assert {"subscribed", "domiciled", "partially_imputed", "settled"} <= set(statuses.values())
    assert BankChange.objects.filter(status=BankChange.Status.REQUESTED).count() == 1
    near_limit = Commitment.objects.get(number="EI-DEMO-005")
    assert commitment_totals(commitment=near_limit).advances == Decimal("285000.00")
    # domiciled before their first payment, as a bank does it
    from exchange.models import Payment
    for payment in Payment.objects.select_related("commitment"):
        assert timezone.localdate(payment.commitment.domiciliation_confirmed_at) <= payment.date, payment.commitment


def test_litigation_open_and_settled_with_a_retained_297_8_fine(office):
    from litigation.models import Case, Settlement

    assert {"reported", "under_review", "settled"} <= set(Case.objects.values_list("status", flat=True))
    settlement = Settlement.objects.get(case__case_offences__offence__article="297")
    assert settlement.fine_retained == Decimal("20000.00") and settlement.fines_payable == Decimal("15000.00")


def test_a_draft_finance_law_is_ready_for_a_what_if(office):
    from declarations.recalculation import recalculation_candidates
    from tariff.models import FinanceLaw

    law = FinanceLaw.objects.get(status=FinanceLaw.Status.DRAFT, code="PLFR-DEMO")
    assert law.draft_changes.count() == 3
    assert recalculation_candidates(law=law)  # it touches liquidated demo declarations


def test_every_printed_login_logs_in(office):
    printed = office["first"]
    assert "http://127.0.0.1:8000/" in printed
    for user in DEMO_USERS:
        line = next(row for row in printed.splitlines() if row.strip().startswith(user.username + " "))
        assert DEMO_PASSWORD in line
        assert all(str(label) in line for label in user.role_labels)  # roles in French
        client = Client()
        response = client.post(reverse("login"), {"username": user.username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, user.username
        assert client.session.get("_auth_user_id")


def test_the_bank_tokens_are_printed_and_open_the_api(office):
    from rest_framework.authtoken.models import Token

    tokens = re.findall(r"\b[0-9a-f]{40}\b", office["first"])
    assert sorted(tokens) == sorted(Token.objects.filter(user__username__startswith="banque-")
                                    .values_list("key", flat=True))
    client = Client()
    response = client.get("/api/v1/commitments/", HTTP_AUTHORIZATION=f"Token {tokens[0]}")
    assert response.status_code == 200 and response.json()["count"] > 0


MENU = {
    "home": "DEMO-DUM-26",
    "tariff:search": "8517.13",
    "declarations:list": "DEMO-DUM-2609",
    "declarations:etpp-list": "DEMO-ETPP-002",
    "declarations:recalculation-list": "LF DEMO",
    "exchange:commitment-list": "EI-DEMO-006",
    "litigation:case-list": "CTX-DEMO-003",
    "admin:index": "Transitaire en douane",
}


def test_the_dashboard_and_every_menu_page_show_the_office(office):
    client = Client()
    client.post(reverse("login"), {"username": "demo", "password": DEMO_PASSWORD})
    for name, expected in MENU.items():
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert expected in response.content.decode(), name
    dashboard = client.get(reverse("home")).content.decode()
    assert "EI-DEMO-005" in dashboard  # the advance near its limit
    assert "DEMO-ETPP-002" in dashboard  # the overdue ETPP request


def test_a_bank_user_sees_its_own_bank_s_commitments(office):
    client = Client()
    client.post(reverse("login"), {"username": "banque-sahel", "password": DEMO_PASSWORD})
    page = client.get(reverse("exchange:commitment-list")).content.decode()
    assert "EI-DEMO-005" in page and "EI-DEMO-004" not in page


@override_settings(DEMO_MODE=True)
def test_the_login_page_lists_the_demo_logins_in_demo_mode(office):
    page = Client().get(reverse("login")).content.decode()
    assert "banque-atlas" in page and DEMO_PASSWORD in page and "Utilisateur banque" in page


@override_settings(DEMO_MODE=False)
def test_the_login_page_hides_them_otherwise(office):
    page = Client().get(reverse("login")).content.decode()
    assert "banque-atlas" not in page and DEMO_PASSWORD not in page


def test_role_names_are_french_in_the_admin(office):
    from django.contrib.auth.models import Group

    assert str(Group.objects.get(name="bank_user")) == "Utilisateur banque"
    client = Client()
    demo = apps.get_model("auth.User").objects.get(username="demo")
    client.force_login(demo)
    demo.is_superuser = True  # the group admin needs auth permissions the demo roles do not grant
    demo.save(update_fields=["is_superuser"])
    groups = client.get(reverse("admin:auth_group_changelist")).content.decode()
    assert "Personnel du transitaire" in groups and "Auditeur (lecture seule)" in groups
    user_form = client.get(reverse("admin:auth_user_change", args=[demo.pk])).content.decode()
    assert "Éditeur des données de référence" in user_form
