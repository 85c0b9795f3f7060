"""The lists of issue 21 still missing: litigation cases, commitment payments (bank isolation),
declaration payments, recalculation runs. Each sorts, filters, and exports exactly the rows of
the filtered page (CSV and XLSX read back), formulas neutralised."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from declarations.models import DeclarationPayment, RecalculationRun
from declarations.tests.factories import (
    PartyFactory,
    article,
    liquidated_pet_food,
    make_declaration,
    pet_food_draft_law,
)
from declarations.tests.factories import pay as pay_declaration
from exchange.tests.factories import BankFactory, bank_user_for, domiciled_commitment
from exchange.tests.factories import pay as pay_commitment
from litigation.models import Case
from litigation.tests.factories import CasePartyFactory, case_with
from tariff.tests.helpers import plain

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))


def xlsx_rows(response) -> list[tuple]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)


def page_and_exports(client, url, params, key, first_column):
    """The keys of the page's rows, and the first column of the CSV and XLSX of the same query."""
    page = [first_column(row) for row in client.get(url, params).context[key]]
    exported_csv = csv_rows(client.get(url, {**params, "export": "csv"}))
    exported_xlsx = xlsx_rows(client.get(url, {**params, "export": "xlsx"}))
    assert [r[0] for r in exported_csv[1:]] == [_text(r[0]) for r in exported_xlsx[1:]]
    return page, exported_csv, exported_xlsx


def _text(cell) -> str:
    """An XLSX cell as the CSV writes it (a date cell comes back as a midnight datetime)."""
    if isinstance(cell, dt.datetime) and cell.time() == dt.time(0):
        return cell.date().isoformat()
    return str(cell)


# --- litigation cases ---------------------------------------------------------------------------

@pytest.fixture
def cases(db):
    # CDII art. 281-1° with 40,000 DH of duties compromised and aggravating circumstances: the
    # fine is doubled, 240,000 DH (as litigation.tests.test_pages shows it).
    atlas = case_with("281", "1°", reference="CTX-2024-0001", facts_date=dt.date(2024, 3, 1),
                      duties_compromised=Decimal("40000"), aggravating_circumstances=True,
                      declaration_reference="DUM-300-2024-17")
    rif = case_with("297", "8°", reference="CTX-2025-0002", facts_date=dt.date(2025, 1, 10),
                    status=Case.Status.UNDER_REVIEW)
    CasePartyFactory(case=atlas, party__name="Atlas Import SARL", party__ice="001234567000089")
    CasePartyFactory(case=rif, party__name="=HYPERLINK(\"x\") Rif")
    Case.objects.filter(pk=atlas.pk).update(created_at=timezone.make_aware(dt.datetime(2024, 3, 5, 10)))
    Case.objects.filter(pk=rif.pk).update(created_at=timezone.make_aware(dt.datetime(2025, 1, 20, 10)))
    return {"atlas": atlas, "rif": rif}


def case_refs(client, **params):
    return [c.reference for c in client.get(reverse("litigation:case-list"), params).context["cases"]]


def test_cases_search_by_number_party_and_declaration_reference(broker, cases):
    assert case_refs(broker, q="2025-0002") == ["CTX-2025-0002"]
    assert case_refs(broker, q="atlas") == ["CTX-2024-0001"]
    assert case_refs(broker, q="001234567") == ["CTX-2024-0001"]
    assert case_refs(broker, q="DUM-300-2024") == ["CTX-2024-0001"]
    assert case_refs(broker, party="rif") == ["CTX-2025-0002"]


def test_cases_filter_by_status_offence_and_dates_typed_day_first(broker, cases):
    assert case_refs(broker, status="under_review") == ["CTX-2025-0002"]
    assert case_refs(broker, offence="281|1°|") == ["CTX-2024-0001"]
    assert case_refs(broker, offence="297|8°|") == ["CTX-2025-0002"]
    assert case_refs(broker, opened_from="01/01/2025") == ["CTX-2025-0002"]
    assert case_refs(broker, opened_to="31/12/2024") == ["CTX-2024-0001"]
    assert case_refs(broker, facts_from="01/03/2024", facts_to="01/03/2024") == ["CTX-2024-0001"]
    page = broker.get(reverse("litigation:case-list")).content.decode()
    assert '<option value="281|1°|">281-1°</option>' in page  # one choice per offence of the catalogue


def test_cases_sort_by_every_stored_column(broker, cases):
    old, new = "CTX-2024-0001", "CTX-2025-0002"
    assert case_refs(broker) == [new, old]  # newest facts first
    assert case_refs(broker, sort="reference") == [old, new]
    assert case_refs(broker, sort="-reference") == [new, old]
    assert case_refs(broker, sort="facts_date") == [old, new]
    assert case_refs(broker, sort="-opened_on") == [new, old]
    assert case_refs(broker, sort="parties") == [new, old]  # "=HYPERLINK…" sorts before "Atlas"
    assert case_refs(broker, sort="-parties") == [old, new]
    assert case_refs(broker, sort="offences") == [old, new]  # 281 before 297
    assert case_refs(broker, sort="declaration") == [old, new]  # a case without a DUM last
    assert case_refs(broker, sort="-declaration") == [old, new]
    assert case_refs(broker, sort="status") == [old, new]  # reported, under_review
    html = broker.get(reverse("litigation:case-list")).content.decode()
    assert "?sort=parties" in html and "?sort=fines" not in html and 'href="?export=csv"' in html
    assert "240 000,00 DH" in plain(html)


def test_cases_export_what_is_filtered_with_the_fines_as_numbers(broker, cases):
    url = reverse("litigation:case-list")
    page, rows, sheet = page_and_exports(broker, url, {"q": "CTX", "sort": "reference"}, "cases",
                                         lambda c: c.reference)
    assert [r[0] for r in rows[1:]] == page == ["CTX-2024-0001", "CTX-2025-0002"]
    assert rows[0] == ["N° de dossier", "Bureau", "Date des faits", "Ouvert le", "DUM", "Parties", "Infractions",
                       "Amende minimum (DH)", "Amende maximum (DH)", "Statut"]
    assert rows[1][2:5] == ["2024-03-01", "2024-03-05", "DUM-300-2024-17"]
    assert rows[1][7:] == ["240000.00", "240000.00", "Constatée"]
    assert rows[2][5] == "'=HYPERLINK(\"x\") Rif"  # a formula in a cell is text behind a quote
    assert sheet[1][7] == 240000 and sheet[2][5].startswith("'=")
    page, rows, _sheet = page_and_exports(broker, url, {"status": "under_review"}, "cases", lambda c: c.reference)
    assert [r[0] for r in rows[1:]] == page == ["CTX-2025-0002"]


# --- commitment payments: each bank its own ------------------------------------------------------

@pytest.fixture
def payments(db):
    bank_a, bank_b = BankFactory(code="bank-a", name="Banque Atlas"), BankFactory(code="bank-b", name="Banque Rif")
    agent_a, agent_b = bank_user_for(bank_a, "agent-a"), bank_user_for(bank_b, "agent-b")
    euro = domiciled_commitment(bank_user=agent_a, number="EI-2025-EUR1", currency="EUR",
                                subscribed_amount=Decimal("120000.00"))
    dirham = domiciled_commitment(bank_user=agent_b, number="EI-2025-MAD1")
    # Advances within the contract's 30 % (Office des Changes FAQ: acomptes).
    first = pay_commitment(euro, agent_a, "advance", "20000.00", on_date=dt.date(2025, 3, 10))
    second = pay_commitment(euro, agent_a, "advance", "10000.00", on_date=dt.date(2025, 4, 2))
    third = pay_commitment(dirham, agent_b, "advance", "250000.00", on_date=dt.date(2025, 3, 20))
    return {"a": agent_a, "b": agent_b, "bank_b": bank_b, "first": first, "second": second, "third": third}


def payment_ids(client, **params):
    return [p.pk for p in client.get(reverse("exchange:payment-list"), params).context["payments"]]


def test_payments_filter_by_kind_bank_dates_commitment_and_currency(broker, payments):
    first, second, third = (payments[k].pk for k in ("first", "second", "third"))
    assert payment_ids(broker) == [second, third, first]  # newest first
    assert payment_ids(broker, bank=payments["bank_b"].pk) == [third]
    assert payment_ids(broker, currency="eur") == [second, first]
    assert payment_ids(broker, commitment="MAD1") == [third]
    assert payment_ids(broker, paid_from="15/03/2025", paid_to="31/03/2025") == [third]
    assert payment_ids(broker, kind="advance", paid_to="10/03/2025") == [first]
    assert payment_ids(broker, kind="settlement") == []


def test_payments_sort_and_export_what_is_filtered(broker, payments):
    first, second, third = (payments[k].pk for k in ("first", "second", "third"))
    assert payment_ids(broker, sort="amount") == [second, first, third]
    assert payment_ids(broker, sort="-amount_mad")[0] == third
    assert payment_ids(broker, sort="commitment")[-1] == third  # EI-2025-EUR1 before EI-2025-MAD1
    assert payment_ids(broker, sort="-commitment")[0] == third
    assert payment_ids(broker, sort="bank")[-1] == third  # Banque Atlas before Banque Rif
    assert payment_ids(broker, sort="-bank")[0] == third
    url = reverse("exchange:payment-list")
    page, rows, sheet = page_and_exports(broker, url, {"currency": "EUR", "sort": "date"}, "payments",
                                         lambda p: p.date.isoformat())
    assert [r[0] for r in rows[1:]] == page == ["2025-03-10", "2025-04-02"]
    assert rows[0] == ["Date", "Engagement", "Importateur", "Banque", "Nature", "Montant", "Devise",
                       "Contre-valeur (MAD)", "Financement"]
    assert rows[1][1] == "EI-2025-EUR1" and rows[1][3:7] == ["Banque Atlas", "Acompte", "20000.00", "EUR"]
    assert sheet[2][5] == 10000 and sheet[2][6] == "EUR"


def test_a_bank_user_lists_and_exports_only_its_bank_payments(client, payments):
    client.force_login(payments["a"])
    url = reverse("exchange:payment-list")
    mine = [payments["first"].pk, payments["second"].pk]
    assert sorted(payment_ids(client)) == sorted(mine)
    # Asking for the other bank changes nothing: the bank filter is not there for a bank.
    assert sorted(payment_ids(client, bank=payments["bank_b"].pk)) == sorted(mine)
    assert payment_ids(client, commitment="MAD1") == []
    page = client.get(url).content.decode()
    assert 'name="bank"' not in page and "Banque Rif" not in page and "EI-2025-MAD1" not in page
    rows = csv_rows(client.get(url, {"export": "csv"}))
    assert {r[1] for r in rows[1:]} == {"EI-2025-EUR1"} and len(rows) == 3
    sheet = xlsx_rows(client.get(url, {"bank": payments["bank_b"].pk, "export": "xlsx"}))
    assert {r[3] for r in sheet[1:]} == {"Banque Atlas"}
    other = Client()
    other.force_login(payments["b"])
    assert [p.pk for p in other.get(url).context["payments"]] == [payments["third"].pk]


def test_payments_list_is_refused_to_roles_without_commitments(client, db):
    from conftest import make_user
    from tariff.kit.roles import REFERENCE_EDITOR

    client.force_login(make_user("editor-payments", REFERENCE_EDITOR))
    assert client.get(reverse("exchange:payment-list")).status_code == 403


# --- declaration payments ------------------------------------------------------------------------

@pytest.fixture
def receipts(db):
    from declarations.services import declaration_liquidate, declaration_register

    pet = liquidated_pet_food()  # 10,800 MAD of pet food: DI 17.5 % 1,890 + VAT 20 % 2,538 = 4,428 MAD to pay
    rif = PartyFactory(name="=SUM(1) Rif Electro", ice="009876543000011")
    phone = make_declaration(party=rif, articles=[article("2309.10.00.00", value="3000")])
    declaration_register(declaration=phone, on_date=dt.date(2025, 3, 1))
    declaration_liquidate(declaration=phone)
    receipts = {"pet": pay_declaration(pet, reference="QUIT-PET-1"), "phone": pay_declaration(phone, reference="QUIT-RIF-2")}
    # Paid on two days of 2025 (the service dates a payment on or after its liquidation, today).
    for key, day in (("pet", dt.date(2025, 3, 3)), ("phone", dt.date(2025, 4, 15))):
        DeclarationPayment.objects.filter(pk=receipts[key].pk).update(paid_on=day)
        receipts[key].refresh_from_db()
    return receipts


def receipt_refs(client, **params):
    return [p.reference for p in client.get(reverse("declarations:payment-list"), params).context["payments"]]


def test_declaration_payments_filter_by_dates_operator_amount_and_search(broker, receipts):
    assert receipts["pet"].amount == Decimal("4428.00")
    assert receipt_refs(broker) == ["QUIT-RIF-2", "QUIT-PET-1"]
    assert receipt_refs(broker, paid_to="31/03/2025") == ["QUIT-PET-1"]
    assert receipt_refs(broker, paid_from="01/04/2025") == ["QUIT-RIF-2"]
    assert receipt_refs(broker, party=receipts["phone"].declaration.party_id) == ["QUIT-RIF-2"]
    assert receipt_refs(broker, amount_max="4428,00") == ["QUIT-PET-1"]  # typed the French way
    assert receipt_refs(broker, amount_min="4428.01") == ["QUIT-RIF-2"]
    assert receipt_refs(broker, q="009876543") == ["QUIT-RIF-2"]
    assert receipt_refs(broker, q=receipts["pet"].declaration.reference) == ["QUIT-PET-1"]
    assert receipt_refs(broker, q="QUIT-PET") == ["QUIT-PET-1"]


def test_declaration_payments_sort_and_export_what_is_filtered(broker, receipts):
    assert receipt_refs(broker, sort="amount") == ["QUIT-PET-1", "QUIT-RIF-2"]
    assert receipt_refs(broker, sort="-amount") == ["QUIT-RIF-2", "QUIT-PET-1"]
    assert receipt_refs(broker, sort="party") == ["QUIT-RIF-2", "QUIT-PET-1"]  # "=SUM…" before the factory's name
    url = reverse("declarations:payment-list")
    page, rows, sheet = page_and_exports(broker, url, {"amount_max": "4428,00"}, "payments",
                                         lambda p: p.declaration.reference)
    assert [r[0] for r in rows[1:]] == page == [receipts["pet"].declaration.reference]
    assert rows[0] == ["Déclaration", "Opérateur", "ICE", "Payé le", "Mode de paiement", "Quittance",
                       "Montant payé", "Devise"]
    assert rows[1][3:] == ["2025-03-03", "Paiement électronique (BADR)", "QUIT-PET-1", "4428.00", "MAD"]
    page, rows, sheet = page_and_exports(broker, url, {"sort": "-amount"}, "payments",
                                         lambda p: p.declaration.reference)
    assert [r[0] for r in rows[1:]] == page and len(page) == 2
    assert rows[1][1] == "'=SUM(1) Rif Electro" and sheet[1][1].startswith("'=")
    assert sheet[2][6] == 4428


def test_declaration_payments_are_read_by_auditors_and_refused_to_banks(auditor, receipts):
    assert auditor.get(reverse("declarations:payment-list")).status_code == 200
    from conftest import make_user
    from tariff.kit.roles import BANK_USER

    bank = Client()
    bank.force_login(make_user("bank-receipts", BANK_USER))
    assert bank.get(reverse("declarations:payment-list")).status_code == 403


# --- recalculation runs --------------------------------------------------------------------------

@pytest.fixture
def runs(db):
    law_a, law_b = pet_food_draft_law("RA"), pet_food_draft_law("RB")
    recalculation = RecalculationRun.objects.create(
        law=law_a, kind=RecalculationRun.Kind.RECALCULATION, status=RecalculationRun.Status.SUCCEEDED,
        candidates=12, processed=12, changed=9, unchanged=3)
    what_if = RecalculationRun.objects.create(
        law=law_b, kind=RecalculationRun.Kind.WHAT_IF, status=RecalculationRun.Status.RUNNING,
        candidates=40, processed=10, changed=4, unchanged=6)
    RecalculationRun.objects.filter(pk=recalculation.pk).update(
        created_at=timezone.make_aware(dt.datetime(2025, 1, 2, 9)))
    RecalculationRun.objects.filter(pk=what_if.pk).update(created_at=timezone.make_aware(dt.datetime(2025, 2, 3, 9)))
    return {"recalculation": recalculation, "what_if": what_if, "law_a": law_a}


def run_ids(client, **params):
    return [r.pk for r in client.get(reverse("declarations:recalculation-list"), params).context["runs"]]


def test_runs_filter_by_law_kind_status_and_dates(broker, runs):
    recalculation, what_if = runs["recalculation"].pk, runs["what_if"].pk
    assert run_ids(broker) == [what_if, recalculation]
    assert run_ids(broker, law=runs["law_a"].pk) == [recalculation]
    assert run_ids(broker, kind="what_if") == [what_if]
    assert run_ids(broker, status="succeeded") == [recalculation]
    assert run_ids(broker, started_to="31/01/2025") == [recalculation]
    assert run_ids(broker, started_from="01/02/2025") == [what_if]


def test_runs_sort_and_export_what_is_filtered(broker, runs):
    recalculation, what_if = runs["recalculation"].pk, runs["what_if"].pk
    assert run_ids(broker, sort="changed") == [what_if, recalculation]
    assert run_ids(broker, sort="-candidates") == [what_if, recalculation]
    assert run_ids(broker, sort="progress") == [what_if, recalculation]
    assert run_ids(broker, sort="created_at") == [recalculation, what_if]
    url = reverse("declarations:recalculation-list")
    page, rows, sheet = page_and_exports(broker, url, {"sort": "created_at"}, "runs", lambda r: str(r.law))
    assert [r[0] for r in rows[1:]] == page and len(page) == 2
    assert rows[0] == ["Loi", "Nature", "Statut", "Progression", "Candidates", "Modifiées", "Inchangées", "Erreurs",
                       "Lancé le", "Terminé le"]
    assert rows[1][1:8] == ["Recalcul", "Terminé", "100", "12", "9", "3", "0"]
    assert rows[2][1:4] == ["Simulation d’impact", "En cours", "25"]
    assert sheet[2][4] == 40
    page, rows, _sheet = page_and_exports(broker, url, {"kind": "what_if"}, "runs", lambda r: str(r.law))
    assert [r[0] for r in rows[1:]] == page and len(page) == 1
    html = broker.get(url).content.decode()
    assert 'id="what-if-form"' in html and "25 %" in html
