"""Issue 18 point 4: customs exchange rates imported by period (``currency, rate, unit,
valid_from, valid_to``) — the rate of one unit stored, overlapping periods refused naming the row."""
import datetime as dt
from decimal import Decimal

import pytest

from tariff.import_jobs import ReferenceImport
from tariff.imports import (
    reference_import_confirm,
    reference_import_create,
    reference_import_preview,
    reference_import_request_confirm,
)
from tariff.models import ExchangeRate

pytestmark = pytest.mark.django_db

HEADER = "currency;rate;unit;valid_from;valid_to\n"


def run(content: str):
    job = reference_import_preview(job_id=reference_import_create(files=[("exchange_rates.csv", content.encode())]).pk)
    if job.status == ReferenceImport.Status.PREVIEWED and not job.error_count:
        reference_import_request_confirm(job=job)
        job = reference_import_confirm(job_id=job.pk)
    return job


def errors(job):
    return [(e["row"], e["field"], e["message"]) for f in job.result["files"] for e in f["errors"]]


def test_a_period_file_is_imported_with_the_rate_of_one_unit():
    job = run(HEADER + "usd;9,9512;1;01/12/2026;15/12/2026\nJPY;6,4817;100;01/12/2026;15/12/2026\n"
                       "USD;9,9730;;16/12/2026;31/12/2026\n")
    assert job.status == ReferenceImport.Status.DONE, job.error or errors(job)
    rates = {(r.currency, r.valid_from): (r.rate, r.valid_to) for r in ExchangeRate.objects.exclude(currency="EUR")}
    assert rates == {
        ("USD", dt.date(2026, 12, 1)): (Decimal("9.951200"), dt.date(2026, 12, 15)),
        ("USD", dt.date(2026, 12, 16)): (Decimal("9.973000"), dt.date(2026, 12, 31)),
        ("JPY", dt.date(2026, 12, 1)): (Decimal("0.064817"), dt.date(2026, 12, 15)),
    }
    again = run(HEADER + "USD;9,9512;1;01/12/2026;15/12/2026\nJPY;6,4817;100;01/12/2026;15/12/2026\n")
    assert [(r["new"], r["update"], r["skip"]) for r in again.result["applied"]] == [(0, 0, 2)]


def test_two_periods_of_the_file_that_overlap_are_refused_naming_the_other_row():
    job = run(HEADER + "USD;9,95;1;01/12/2026;15/12/2026\nUSD;9,97;1;10/12/2026;31/12/2026\n")
    (row, field, message), = errors(job)
    assert (row, field) == (3, None)
    assert message.startswith("[VAL2]")
    assert "Chevauchement avec la ligne 2 du fichier, du 01/12/2026 au 15/12/2026." in message
    assert not ExchangeRate.objects.filter(currency="USD").exists()


def test_a_period_overlapping_a_rate_of_the_table_is_refused_with_its_dates():
    job = run(HEADER + "EUR;10,95;1;01/12/2026;15/12/2026\n")  # the shipped EUR rate runs from 01/01/2020, open
    (row, field, message), = errors(job)
    assert row == 2 and "Chevauchement avec la ligne du 01/01/2020 au …." in message
    assert not job.can_confirm


def test_bad_currency_unit_and_precision_are_named_in_french():
    job = run(HEADER + "XYZ;9,95;1;01/12/2026;15/12/2026\nUSD;9,95;0;01/12/2026;15/12/2026\n"
                       "GBP;12,5;abc;01/12/2026;\nCHF;11,1234567;1000;01/12/2026;\n")
    found = {row: (field, message) for row, field, message in errors(job)}
    assert found[2] == ("currency", "devise ISO 4217 attendue (ex. EUR, USD), « XYZ » reçu.")
    assert found[3] == ("rate", "unité : nombre entier positif attendu (1, 100, 1000), « 0 » reçu.")
    assert found[4][0] == "rate" and "« abc » reçu" in found[4][1]
    assert found[5] == ("rate", "cours de 11,1234567 MAD pour 1000 : plus de 6 décimales pour une unité.")


def test_the_open_period_is_closed_and_the_next_one_added_in_one_file():
    job = run("currency;rate;unit;valid_from;valid_to;illustrative\n"
              "EUR;10,8;1;01/01/2020;30/11/2026;oui\nEUR;10,95;1;01/12/2026;;non\n")
    assert job.status == ReferenceImport.Status.DONE, job.error or errors(job)
    assert [(r.valid_from, r.valid_to, r.rate) for r in ExchangeRate.objects.filter(currency="EUR")] == [
        (dt.date(2020, 1, 1), dt.date(2026, 11, 30), Decimal("10.800000")),
        (dt.date(2026, 12, 1), None, Decimal("10.950000"))]
    assert [(r["new"], r["update"]) for r in job.result["applied"]] == [(1, 1)]
