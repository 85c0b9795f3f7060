"""Tariff pages for office staff: search, a line's rates over time, duty calculator.

Thin views: reads go through ``tariff.selectors``, the calculator through
``tariff.services.quote_duties`` (the same service as ``POST /api/v1/tariff/quote/``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from . import selectors, services
from .codes import normalize_tariff_code
from .forms import AsOfDateForm, DutyQuoteForm
from .kit.errors import DomainError
from .kit.pages import RolePageMixin
from .kit.roles import AUDITOR, BROKER_STAFF, REFERENCE_EDITOR
from .kit.tables import FilteredTableView
from .lists import TariffLineFilter, TariffLineTable
from .models import DutyRate, FinanceLaw, TariffLine
from .rules import decide_duty_rate

TARIFF_READERS = (BROKER_STAFF, REFERENCE_EDITOR, AUDITOR)


class TariffPageMixin(RolePageMixin):
    read_roles = TARIFF_READERS


# --- read-only queries for these pages ----------------------------------------------------------

@dataclass(frozen=True)
class TimelineSegment:
    """A period during which one DI rate applied to a line, and the law it came from."""

    valid_from: dt.date
    valid_to: dt.date | None
    rate: Decimal
    law: FinanceLaw
    detail: str
    row: DutyRate

    def contains(self, on_date: dt.date) -> bool:
        return self.valid_from <= on_date and (self.valid_to is None or on_date <= self.valid_to)


def duty_rate_timeline(*, line: TariffLine) -> list[TimelineSegment]:
    """The line's DI rates over time, by finance law: its own rows
    (``selectors.duty_rate_history``) split where a blanket change (LF 2024 40 → 30 %)
    rewrote the rate, decided by the same rule the calculator uses."""
    index = selectors.get_tariff_index()
    segments: list[TimelineSegment] = []
    for row in selectors.duty_rate_history(line=line):
        starts = [row.valid_from] + sorted(
            change.valid_from for change in index.blanket_changes
            if row.valid_from < change.valid_from and (row.valid_to is None or change.valid_from <= row.valid_to)
        )
        for i, start in enumerate(starts):
            end = starts[i + 1] - dt.timedelta(days=1) if i + 1 < len(starts) else row.valid_to
            decision = decide_duty_rate(line=line, explicit=row, blanket_changes=index.blanket_changes_on(start))
            previous = segments[-1] if segments and segments[-1].row is row else None
            if previous and previous.rate == decision.rate and previous.law.pk == decision.law.pk:
                segments[-1] = TimelineSegment(previous.valid_from, end, previous.rate, previous.law,
                                               previous.detail, row)
                continue
            segments.append(TimelineSegment(start, end, decision.rate, decision.law, decision.detail, row))
    return segments


def rates_with_laws(rates: list[dict]) -> list[dict]:
    """``rates_in_force`` rows with the ``FinanceLaw`` their ``source`` code names (label, circular)."""
    laws = {law.code: law for law in selectors.finance_law_list()}
    return [{**row, "law": laws.get(row["source"])} for row in rates]


# --- pages ----------------------------------------------------------------------------------------

class TariffSearchView(TariffPageMixin, FilteredTableView):
    """The tariff lines: sortable columns, filters (code or words — accents and case aside,
    chapter, a DI rate in force on a date), CSV/XLSX export of what is filtered; the finance
    laws below."""

    template_name = "tariff/search.html"
    context_object_name = "lines"
    table_class = TariffLineTable
    filterset_class = TariffLineFilter
    export_name = "tarif"

    def get_queryset(self):
        return TariffLine.objects.order_by("code")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["filter"].form
        context.update(query=form.cleaned_data.get("q", "") if form.is_valid() else "",
                       laws=selectors.finance_law_list())
        return context


class TariffLineView(TariffPageMixin, TemplateView):
    template_name = "tariff/line.html"

    def get_line(self) -> TariffLine:
        try:
            line = selectors.tariff_line_get(code=normalize_tariff_code(self.kwargs["code"]))
        except DomainError:
            line = None
        if line is None:
            raise Http404(_("Position tarifaire inconnue."))
        return line

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        line = self.get_line()
        date_form = AsOfDateForm(self.request.GET or None)
        on_date = date_form.as_of()
        timeline = duty_rate_timeline(line=line)
        context.update(
            line=line, date_form=date_form, on_date=on_date,
            rates=rates_with_laws(selectors.rates_in_force(line=line, on_date=on_date)),
            timeline=[(segment, segment.contains(on_date)) for segment in timeline],
            quote_form=DutyQuoteForm(initial={"tariff_code": line.dotted_code, "date": on_date}),
        )
        return context


class DutyCalculatorView(TariffPageMixin, TemplateView):
    """GET form: a quote writes nothing, so it is a read (auditors may use it) and its
    address can be shared."""

    template_name = "tariff/calculator.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        submitted = "tariff_code" in self.request.GET
        form = DutyQuoteForm(self.request.GET if submitted else None,
                             initial={"date": timezone.localdate()})
        quote = None
        if submitted and form.is_valid():
            data = form.cleaned_data
            try:
                quote = services.quote_duties(
                    tariff_code=data["tariff_code"], on_date=data["date"], customs_value=data["customs_value"],
                    quantity=data.get("quantity"), franchise_code=data.get("franchise_code") or None,
                    attributes=form.attributes(), missing_excise=services.MISSING_EXCISE_WARN,
                )
            except DomainError as exc:
                form.add_quote_error(exc)
        line = None
        if quote is not None:
            line = selectors.tariff_line_get(code=quote.tariff_code)
        context.update(
            form=form, quote=quote, line=line, quote_characteristics=form.attributes() if quote else {},
            quote_totals=[(tax, quote.amount_of(tax)) for tax in (services.TAX_DI, services.TAX_TIC, services.TAX_VAT)]
            if quote else [],
            attributes_open=any(f.value() or f.errors for f in form.attribute_bound_fields),
        )
        return context
