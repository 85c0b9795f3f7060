"""The home page: a dashboard composed from each app's reads.

It lives at the project level because it sits above the apps: declarations (status
counts, duties liquidated by month, overdue ETPP requests, the last recalculation run),
exchange (commitments near their limits), litigation (open cases' exposure) and tariff
(currencies of open declarations with no customs rate in force today); no app
imports another one for it. Broker staff and auditors see every widget, reference
editors the tariff entry points only, anyone else gets 403 (``RolePageMixin``).
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from declarations import selectors as declaration_selectors
from declarations.models import Declaration
from declarations.selectors import (
    declaration_page_list,
    declaration_status_counts,
    last_recalculation_run,
    liquidated_duties_by_month,
    month_starts,
)
from exchange import selectors as exchange_selectors
from exchange.models import Commitment
from exchange.selectors import Headroom
from litigation import selectors as litigation_selectors
from tariff.kit.context_processors import is_bank_user_only
from tariff.kit.money import LOCAL_CURRENCY
from tariff.kit.pages import FILE_READERS, FILE_WRITERS, RolePageMixin
from tariff.kit.roles import REFERENCE_EDITOR, user_has_role
from tariff.services import CurrencyConversionError, exchange_rate_in_force

# --- the inline SVG chart -----------------------------------------------------------------------

@dataclass(frozen=True)
class ChartBar:
    month: dt.date
    total: Decimal
    x: float
    y: float
    width: float
    height: float
    label_x: float


@dataclass(frozen=True)
class ChartTick:
    value: Decimal
    y: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    right: int
    bottom: float
    label_y: float
    tick_x: int
    bars: list[ChartBar]
    ticks: list[ChartTick]
    empty: bool


def _nice_step(maximum: Decimal, ticks: int) -> Decimal:
    raw = maximum / ticks
    magnitude = Decimal(10) ** math.floor(math.log10(raw))
    for factor in (1, 2, Decimal("2.5"), 5, 10):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude


def bar_chart(series: list[tuple[dt.date, Decimal]], *, width=760, height=260, left=92, right=12, top=16,
              bottom=34, ticks=4) -> BarChart:
    """Pixel geometry of a monthly bar chart, drawn by the template as inline SVG."""
    maximum = max((total for _m, total in series), default=Decimal(0))
    step = _nice_step(maximum, ticks) if maximum > 0 else Decimal(1)
    top_value = step * ticks
    plot_h, plot_w = height - top - bottom, width - left - right
    base_y = top + plot_h
    slot = plot_w / max(len(series), 1)
    bars = []
    for i, (month, total) in enumerate(series):
        h = float(total / top_value) * plot_h if top_value else 0.0
        x = left + i * slot + slot * 0.15
        bars.append(ChartBar(month, total, round(x, 1), round(base_y - h, 1), round(slot * 0.7, 1), round(h, 1),
                             round(left + i * slot + slot / 2, 1)))
    tick_rows = [ChartTick(step * k, round(base_y - plot_h * k / ticks, 1)) for k in range(ticks + 1)]
    return BarChart(width, height, left, width - right, base_y, base_y + 18, left - 8, bars, tick_rows, maximum == 0)


# --- widgets ------------------------------------------------------------------------------------

def declaration_widgets(*, today: dt.date) -> dict:
    """Declarations by status, duties liquidated this month and by month (chart), overdue
    ETPP requests (60 days), latest declarations, the last recalculation run."""
    series = liquidated_duties_by_month(months=month_starts(today=today, months=12))
    overdue = declaration_selectors.etpp_overdue_requests(today=today).select_related("exporter").order_by(
        "requested_on")
    return {
        "status_counts": declaration_status_counts(),
        "month_total": series[-1][1],
        "month_label": date_format(today, "F Y"),
        "chart": bar_chart(series),
        "overdue_count": overdue.count(),
        "overdue_requests": [(auth, (today - auth.due_on).days) for auth in overdue[:10]],
        "recent_declarations": declaration_page_list()[:8],
        "last_run": last_recalculation_run(),
    }


@dataclass(frozen=True)
class CommitmentNearLimit:
    commitment: Commitment
    headroom: Headroom
    percent: Decimal  # used share of its most-used limit
    rule: str  # that limit, in French


RULE_LABELS = {
    "advance_ratio": _("acomptes"),
    "anticipated_ratio": _("règlements anticipés"),
    "settlement_ratio": _("règlements"),
}


def commitments_widget(*, user) -> dict:
    """Active commitments the user may see whose most-used limit (advances, anticipated
    settlements, settlements) has reached 90 %, the most used first."""
    rows = []
    for commitment, headroom in exchange_selectors.commitments_near_limits(user=user):
        rule = max(RULE_LABELS, key=lambda name: getattr(headroom, name))
        percent = (headroom.used_ratio * 100).quantize(Decimal("0.1"))
        rows.append(CommitmentNearLimit(commitment, headroom, percent, RULE_LABELS[rule]))
    return {"commitments_near_limits": rows}


def litigation_widget(*, today: dt.date) -> dict:
    """Open cases: count, duties and fines at stake, the largest ones."""
    return {"litigation": litigation_selectors.open_cases_exposure(on_date=today, limit=8)}


@dataclass(frozen=True)
class MissingExchangeRate:
    currency: str
    declarations: int  # open declarations with an amount in that currency
    refusal: str  # why the valuation would be refused (none in force, or an example rate only)
    illustrative_only: bool


OPEN_STATUSES = (Declaration.Status.DRAFT, Declaration.Status.REGISTERED, Declaration.Status.LIQUIDATED)


def _amount_in(currency: str) -> Q:
    """The declaration has an amount in ``currency``: its invoice, or a freight, insurance or
    other costs typed in it."""
    return (Q(invoice_currency=currency) | Q(freight_currency=currency, freight_amount__isnull=False)
            | Q(insurance_currency=currency, insurance_amount__isnull=False)
            | Q(other_costs_currency=currency, other_costs_amount__gt=0))


def missing_exchange_rates_widget(*, today: dt.date) -> dict:
    """Currencies of open declarations (draft, registered, liquidated) with no customs rate in
    force today (``tariff.services.exchange_rate_in_force``), with how many declarations use each."""
    open_declarations = Declaration.objects.filter(status__in=OPEN_STATUSES)
    currencies = set()
    for name in ("invoice_currency", "freight_currency", "insurance_currency", "other_costs_currency"):
        currencies.update(open_declarations.order_by().values_list(name, flat=True).distinct())
    rows = []
    for currency in sorted(currencies - {LOCAL_CURRENCY}):
        try:
            exchange_rate_in_force(currency=currency, on_date=today)
            continue
        except CurrencyConversionError as exc:
            refusal, illustrative = exc.message, exc.code == "illustrative_exchange_rate"
        count = open_declarations.filter(_amount_in(currency)).count()
        if count:
            rows.append(MissingExchangeRate(currency, count, refusal, illustrative))
    return {"missing_exchange_rates": rows}


# --- page ---------------------------------------------------------------------------------------

class DashboardView(RolePageMixin, TemplateView):
    """Home page. Reference editors see the tariff entry points; the file widgets are for
    the roles that read declarations, commitments and cases (broker staff, auditors)."""

    template_name = "dashboard.html"
    read_roles = (*FILE_READERS, REFERENCE_EDITOR)
    write_roles = FILE_WRITERS

    def dispatch(self, request, *args, **kwargs):
        if is_bank_user_only(request.user):  # a partner bank's home: its commitments
            return redirect("exchange:commitment-list")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        context["today"] = today
        context["can_read_files"] = user_has_role(self.request.user, *FILE_READERS, *FILE_WRITERS)
        context.update(missing_exchange_rates_widget(today=today))  # editors import the rates, staff value with them
        if not context["can_read_files"]:
            return context
        context.update(declaration_widgets(today=today))
        context.update(commitments_widget(user=self.request.user))
        context.update(litigation_widget(today=today))
        return context
