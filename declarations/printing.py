"""Printed documents of a declaration: the liquidation note (bulletin de liquidation) and
the declaration summary, as PDF (templates/pdf/, rendered by tariff.kit.pdf)."""
from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from tariff.kit.errors import DomainError
from tariff.kit.pdf import render_pdf

from . import selectors
from .models import Declaration


class NotLiquidated(DomainError):
    code = "not_liquidated"


def _context(declaration: Declaration) -> dict:
    return {**selectors.liquidation_note(declaration=declaration), "office_name": settings.OFFICE_NAME,
            "printed_at": timezone.localtime()}


def liquidation_note_pdf(*, declaration: Declaration) -> bytes:
    """Office, declarant, operator, régime, each article's base, rate, amount and law per tax,
    totals, the rates' date and the exchange rate. ``declaration`` from
    ``selectors.declaration_detail_queryset``."""
    context = _context(declaration)
    if context["liquidation"] is None:
        raise NotLiquidated("La déclaration n'est pas encore liquidée : pas de bulletin de liquidation.",
                            field="status")
    return render_pdf("pdf/liquidation_note.html", context)


def declaration_summary_pdf(*, declaration: Declaration) -> bytes:
    return render_pdf("pdf/declaration_summary.html", _context(declaration))
