"""The printed transaction summary (CDII art. 275) as PDF: the offences in force on the facts
date with their legal range, the fine retained, the remission granted on it, the duties that
stay due (never remitted) and the amount to pay. Rendered by tariff.kit.pdf, like the liquidation
note."""
from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from tariff.kit.pdf import render_pdf

from . import selectors
from .models import Case, Settlement


def settlement_summary_pdf(*, settlement: Settlement) -> bytes:
    case: Case = settlement.case
    return render_pdf("pdf/transaction_summary.html", {
        "case": case, "settlement": settlement,
        "exposure": selectors.case_exposure(case, on_date=settlement.settlement_date),  # art. 275 as of that day
        "parties": list(case.parties.all()), "office_name": settings.OFFICE_NAME,
        "printed_at": timezone.localtime(),
    })
