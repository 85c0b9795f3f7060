"""Dashboard: declarations by status, duties liquidated this month, overdue ETPP, monthly chart,
commitments near their limits, open litigation exposure; what each role sees."""
import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from config.dashboard import bar_chart
from declarations.models import EtppAuthorisation, Liquidation
from declarations.selectors import liquidated_duties_by_month, month_starts
from declarations.services import declaration_liquidate, declaration_register
from declarations.tests.factories import PartyFactory, article, make_declaration, make_etpp_authorisation
from exchange.tests.factories import BankFactory, bank_user_for, domiciled_commitment, pay
from litigation.models import Case
from litigation.selectors import open_cases_exposure
from litigation.tests.factories import case_with
from tariff.laws import LF_2024
from tariff.selectors import law_in_force_from

from .helpers import text

pytestmark = pytest.mark.django_db
D = Decimal


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
    assert counts == {"draft": 2, "registered": 0, "liquidated": 1, "paid": 0, "cleared": 0, "cancelled": 0}


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
    # No inline script (the Content-Security-Policy allows only this site's static files), no CDN.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/js/confirm.js" defer>',
                                                  '<script src="/static/js/menu.js" defer>'] and "cdn" not in html.lower()


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


def test_auditor_sees_every_widget(auditor):
    response = auditor.get(reverse("home"))
    assert response.status_code == 200
    for key in ("status_counts", "chart", "overdue_requests", "commitments_near_limits", "litigation"):
        assert key in response.context
    html = text(response)
    assert "Engagements proches de leurs limites" in html and "Exposition contentieuse" in html


def test_bank_user_lands_on_its_commitments_instead_of_the_dashboard(bank):
    assert bank.get(reverse("home"))["Location"] == reverse("exchange:commitment-list")


def test_reference_editor_sees_no_commitment_or_litigation_widget(editor):
    response = editor.get(reverse("home"))
    assert "commitments_near_limits" not in response.context and "litigation" not in response.context
    assert "Exposition contentieuse" not in text(response)


# --- commitments near their limits ------------------------------------------------------------------

def test_commitment_at_95_percent_of_its_advance_limit_appears_one_at_10_percent_does_not(broker):
    agent = bank_user_for(BankFactory(code="bmce", name="Banque A"), "agent-dashboard")
    # 1,000,000 MAD with a 30 % contract rate: advances up to 300,000 MAD
    near = domiciled_commitment(bank_user=agent, number="EI-NEAR-95")
    far = domiciled_commitment(bank_user=agent, number="EI-FAR-10")
    pay(near, agent, "advance", "285000")  # 95 %
    pay(far, agent, "advance", "30000")  # 10 %
    response = broker.get(reverse("home"))
    [row] = response.context["commitments_near_limits"]
    assert row.commitment == near and row.percent == D("95.0") and str(row.rule) == "acomptes"
    assert row.headroom.advance_room == D("15000.00")
    html = text(response)
    section = html.split('id="commitments-near-limits"', 1)[1].split("</section>", 1)[0]
    assert "EI-NEAR-95" in section and "EI-FAR-10" not in section
    assert reverse("exchange:commitment-detail", args=[near.pk]) in section
    assert "95,0 %" in section and "15 000,00 MAD" in section


# --- open litigation exposure -------------------------------------------------------------------------

def contraband(reference, status=Case.Status.UNDER_REVIEW, **fields):
    """281-1° on 40,000 DH of duties: a 120,000 DH fine (three times the duties, 282 bis-2°-a)."""
    return case_with("281", "1°", reference=reference, status=status, duties_compromised=D("40000"), **fields)


def test_open_case_appears_with_its_exposure(broker):
    case = contraband("CTX-DASH-1")
    contraband("CTX-DASH-SETTLED", status=Case.Status.SETTLED)
    contraband("CTX-DASH-CLOSED", status=Case.Status.CLOSED)
    response = broker.get(reverse("home"))
    litigation = response.context["litigation"]
    assert litigation.count == 1
    assert (litigation.duties_total, litigation.fine_max_total, litigation.total) == (
        D("40000.00"), D("120000.00"), D("160000.00"))
    html = text(response)
    section = html.split('id="litigation-exposure"', 1)[1].split("</section>", 1)[0]
    assert reverse("litigation:case-detail", args=[case.pk]) in section
    assert "CTX-DASH-1" in section and "CTX-DASH-SETTLED" not in section and "CTX-DASH-CLOSED" not in section
    assert "160 000,00" in section and "120 000,00" in section and "40 000,00" in section


def test_open_cases_exposure_sums_every_open_case_and_ranks_the_largest():
    contraband("CTX-A", aggravating_circumstances=True)  # 240,000 fine + 40,000 duties
    contraband("CTX-B", status=Case.Status.REPORTED)  # 120,000 + 40,000
    # 297-8° (2024): a fixed 10,000–50,000 DH fine; duties on the seized goods a settlement cannot remit
    case_with("297", "8°", reference="CTX-C", status=Case.Status.REFERRED_TO_COURT,
              duties_on_seized_goods=D("5000"))
    exposure = open_cases_exposure(on_date=dt.date(2024, 6, 1), limit=2)
    assert exposure.count == 3
    assert exposure.fine_min_total == D("370000.00") and exposure.fine_max_total == D("410000.00")
    assert exposure.duties_total == D("85000.00") and exposure.total == D("495000.00")
    assert [row.case.reference for row in exposure.largest] == ["CTX-A", "CTX-B"]
    assert exposure.largest[0].total == D("280000.00")


def test_open_cases_exposure_reads_in_three_queries(django_assert_num_queries):
    for n in range(12):
        contraband(f"CTX-Q-{n}")
    law_in_force_from(LF_2024)  # the art. 275 date: reference data, read once per process
    with django_assert_num_queries(3):  # cases, their offences, the catalogue
        exposure = open_cases_exposure(on_date=dt.date(2024, 6, 1))
    assert exposure.count == 12 and len(exposure.largest) == 10
