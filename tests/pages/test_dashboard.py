"""Dashboard: declarations by status, duties liquidated this month, overdue ETPP, monthly chart."""
import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from declarations.models import EtppAuthorisation, Liquidation
from declarations.services import declaration_liquidate, declaration_register
from declarations.tests.factories import PartyFactory, article, make_declaration, make_etpp_authorisation
from declarations.views import bar_chart, liquidated_duties_by_month, month_starts

from .helpers import text

pytestmark = pytest.mark.django_db


def liquidated(party, value="1000"):
    declaration = make_declaration(party=party, articles=[article(value=value)])
    declaration_register(declaration=declaration, on_date=dt.date(2024, 3, 1))
    return declaration_liquidate(declaration=declaration)


def test_dashboard_counts_declarations_by_status(broker):
    party = PartyFactory()
    make_declaration(party=party)
    make_declaration(party=party)
    liquidated(party)
    counts = {row["status"]: row["count"] for row in broker.get(reverse("home")).context["status_counts"]}
    assert counts == {"draft": 2, "registered": 0, "liquidated": 1, "paid": 0, "cancelled": 0}


def test_duties_liquidated_this_month_sum_the_liquidations_in_force(broker):
    party = PartyFactory()
    first, second = liquidated(party), liquidated(party, value="2000")
    # a liquidation made last year does not count this month
    old = liquidated(party)
    Liquidation.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=400))
    response = broker.get(reverse("home"))
    assert response.context["month_total"] == first.total + second.total
    shown = f"{first.total + second.total:,.2f}".replace(",", " ").replace(".", ",")
    assert shown in text(response)


def test_duties_by_month_cover_the_last_twelve_months():
    months = month_starts(today=dt.date(2025, 2, 14), months=12)
    assert months[0] == dt.date(2024, 3, 1) and months[-1] == dt.date(2025, 2, 1) and len(months) == 12
    party = PartyFactory()
    liquidation = liquidated(party)
    series = liquidated_duties_by_month(months=month_starts(today=timezone.localdate(), months=12))
    assert series[-1][1] == liquidation.total and all(total == 0 for _m, total in series[:-1])


def test_chart_is_inline_svg_with_one_bar_per_month(broker):
    liquidated(PartyFactory())
    html = broker.get(reverse("home")).content.decode()
    svg = html.split('<svg class="chart" id="duties-chart"', 1)[1].split("</svg>", 1)[0]
    assert svg.count("<rect") == 12 and "Droits liquidés par mois" in html
    assert "," not in svg.split("<title", 1)[0]  # SVG coordinates use a decimal point, whatever the locale
    assert "<script" not in html and "cdn" not in html.lower()


def test_bar_chart_scales_to_a_round_maximum():
    months = month_starts(today=dt.date(2025, 1, 10), months=3)
    chart = bar_chart([(months[0], Decimal("0")), (months[1], Decimal("3700")), (months[2], Decimal("1000"))])
    assert [t.value for t in chart.ticks] == [0, 1000, 2000, 3000, 4000]
    assert chart.bars[0].height == 0 and chart.bars[1].height > chart.bars[2].height > 0


def test_dashboard_lists_overdue_etpp_requests(broker):
    party = PartyFactory()
    auth = make_etpp_authorisation(exporter=party, code="2309.10.00.00", issued=False, number="ETPP-OVERDUE")
    EtppAuthorisation.objects.filter(pk=auth.pk).update(requested_on=timezone.localdate() - dt.timedelta(days=70))
    response = broker.get(reverse("home"))
    assert response.context["overdue_count"] == 1
    assert "ETPP-OVERDUE" in text(response) and "10 jours" in text(response)


def test_reference_editor_gets_the_tariff_entry_points_only(editor):
    response = editor.get(reverse("home"))
    assert response.status_code == 200 and "status_counts" not in response.context
    assert reverse("tariff:search") in response.content.decode()
