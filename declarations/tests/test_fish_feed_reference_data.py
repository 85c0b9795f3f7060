"""Fish feed 2309.90.90.82 under code franchise 1086 with the shipped reference data only
(LF 2024 art. 5 bis, circ. 6522/210 §V): 2.5 % within a quota of 15,000 t per year until
2026-12-31 — no line or rate created by the test."""
import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from declarations.models import QuotaAllocation
from declarations.services import declaration_liquidate, declaration_register
from tariff.models import FranchiseCode, Quota, TariffLine

from .factories import article, make_declaration

pytestmark = pytest.mark.django_db
DOCUMENTS = [{"kind": "invoice", "reference": "F-1086"}, {"kind": "transport", "reference": "BL-1086"}]


def test_lf2024_art5bis_fish_feed_line_1086_quota_works_after_load_reference_data():
    call_command("load_reference_data", verbosity=0)  # idempotent: the session already loaded it
    line = TariffLine.objects.get(code="2309909082")
    assert FranchiseCode.objects.get(code="1086").prefixes == [line.code]
    quota = Quota.objects.get(franchise__code="1086", valid_from=dt.date(2025, 1, 1))
    assert (quota.volume_kg, quota.valid_to, quota.law.code) == (D("15000000"), dt.date(2025, 12, 31), "LF-55-23")

    # 5 t of fish feed invoiced 10,800 MAD (no freight or insurance): 10,800 MAD of customs value.
    d = make_declaration(currency="MAD", documents=DOCUMENTS,
                         articles=[article("2309.90.90.82", value="10800", quantity="5000", franchise_code="1086")])
    declaration_register(declaration=d, on_date=dt.date(2025, 3, 3))
    liquidation = declaration_liquidate(declaration=d)

    di = liquidation.lines.get(tax="DI")
    assert (di.base, di.rate, di.amount, di.law.code) == (D("10800"), D("2.5"), D("270.00"), "LF-55-23")
    allocation = QuotaAllocation.objects.get(article__declaration=d)
    assert (allocation.allocated_kg, allocation.out_of_quota_kg, allocation.balance_after_kg) == (
        D("5000"), D("0"), D("14995000"))
    quota.refresh_from_db()
    assert quota.used_kg == D("5000")
