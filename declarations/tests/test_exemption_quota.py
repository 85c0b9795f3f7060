"""Fish feed 2309.90.90.82 at 2.5 % under code franchise 1086, within a quota of 15,000 t
per calendar year until 2026-12-31 (LF 2024 art. 5 bis, circ. 6522/210 §V): each
liquidation consumes the quota (net mass); beyond the balance the normal rate applies, or
the code is refused with the balance shown."""
import datetime as dt
from decimal import Decimal as D

import pytest

from declarations.exemptions.claims import ExemptionError
from declarations.models import Declaration, QuotaAllocation
from declarations.services import declaration_liquidate, declaration_register
from tariff.kit.errors import DomainErrors
from tariff.models import Quota
from tariff.tests.helpers import plain

from .factories import SAMPLE_EUR_RATE_WARNING, article, make_declaration

pytestmark = pytest.mark.django_db
ON = dt.date(2025, 3, 3)


@pytest.fixture(autouse=True)
def fish_feed_line(db):
    from tariff.tests.factories import line_with_rate

    return line_with_rate("2309909082", "17.5", description="Aliments pour poissons")


def quota_2025() -> Quota:
    return Quota.objects.get(franchise__code="1086", valid_from=dt.date(2025, 1, 1))


def leave_balance(kg: str) -> None:
    Quota.objects.filter(pk=quota_2025().pk).update(used_kg=D("15000000") - D(kg))


def fish_feed(kg="5000", value="1000", **attributes):
    # 1,000 EUR × 10.8 = 10,800 MAD of customs value.
    return article("2309.90.90.82", value=value, quantity=kg, franchise_code="1086", attributes=attributes)


DOCUMENTS = [{"kind": "invoice", "reference": "F-1086"}, {"kind": "transport", "reference": "BL-1086"}]


def registered(*articles, on=ON):
    d = make_declaration(articles=list(articles), documents=DOCUMENTS)
    result = declaration_register(declaration=d, on_date=on)
    return d, result


def test_lf_2024_art_5_bis_within_the_quota_2_5_percent_and_the_net_mass_consumed():
    d, result = registered(fish_feed("5000"))
    assert result.warnings == [SAMPLE_EUR_RATE_WARNING]
    liq = declaration_liquidate(declaration=d)
    di = liq.lines.get(tax="DI")
    assert (di.rate, di.amount, di.law.code) == (D("2.5"), D("270.00"), "LF-55-23")
    allocation = QuotaAllocation.objects.get(article__declaration=d)
    assert (allocation.requested_kg, allocation.allocated_kg, allocation.out_of_quota_kg) == (
        D("5000"), D("5000"), D("0"))
    assert allocation.balance_after_kg == D("14995000") and allocation.liquidation == liq
    assert quota_2025().used_kg == D("5000")


def test_lf_2024_art_5_bis_beyond_the_balance_the_normal_rate_on_the_rest():
    leave_balance("2000")
    d, result = registered(fish_feed("5000"))
    assert "solde du contingent 1086 2025 : 2 000 kg" in plain(result.warnings[0])
    liq = declaration_liquidate(declaration=d)
    di = list(liq.lines.filter(tax="DI").order_by("id"))
    # 10,800 MAD split 2,000 / 3,000 kg: 4,320 at 2.5 % and 6,480 at 17.5 %.
    assert [(line.base, line.rate, line.amount) for line in di] == [
        (D("4320"), D("2.5"), D("108.00")), (D("6480"), D("17.5"), D("1134.00"))]
    assert plain(di[0].detail).startswith("Contingent 1086 2025, 2 000 kg")
    assert di[1].detail.startswith("Hors contingent")
    vat = [line.amount for line in liq.lines.filter(tax="TVA").order_by("id")]
    assert vat == [D("885.60"), D("1522.80")]  # 20 % × (4,320 + 108) and × (6,480 + 1,134)
    assert (liq.total_di, liq.total_vat) == (D("1242.00"), D("2408.40"))
    allocation = QuotaAllocation.objects.get(article__declaration=d)
    assert (allocation.allocated_kg, allocation.out_of_quota_kg, allocation.balance_after_kg) == (
        D("2000"), D("3000"), D("0"))
    assert quota_2025().balance_kg == D("0")


def test_an_exhausted_quota_refuses_the_code_showing_the_balance_and_writes_nothing():
    leave_balance("0")
    d, _ = registered(fish_feed("5000"))
    with pytest.raises(ExemptionError) as exc:
        declaration_liquidate(declaration=d)
    assert exc.value.code == "quota_exhausted" and exc.value.field == "articles[0].franchise_code"
    assert "épuisé (solde 0 kg sur 15 000 000 kg)" in plain(exc.value.message)
    d.refresh_from_db()
    assert d.status == Declaration.Status.REGISTERED and not d.liquidations.exists()
    assert quota_2025().used_kg == D("15000000")


def test_a_declarant_refusing_a_partial_allocation_is_refused_with_the_balance():
    leave_balance("2000")
    d, result = registered(fish_feed("5000", quota_partial=False))
    assert "sera refusée" in result.warnings[0]
    with pytest.raises(ExemptionError) as exc:
        declaration_liquidate(declaration=d)
    assert exc.value.code == "quota_exceeded"
    assert "5 000 kg demandés, solde du contingent 1086 2025 : 2 000 kg" in plain(exc.value.message)
    assert exc.value.params == {"balance_kg": "2000.000"}
    assert quota_2025().used_kg == D("14998000")


def test_two_articles_of_one_declaration_draw_on_the_running_balance():
    leave_balance("7000")
    d, _ = registered(fish_feed("5000"), fish_feed("5000"))
    declaration_liquidate(declaration=d)
    rows = list(QuotaAllocation.objects.filter(article__declaration=d).order_by("article__number").values_list(
        "allocated_kg", "out_of_quota_kg", "balance_after_kg"))
    assert rows == [(D("5000"), D("0"), D("2000")), (D("2000"), D("3000"), D("0"))]


def test_each_calendar_year_has_its_own_quota():
    d, _ = registered(fish_feed("5000"), on=dt.date(2026, 2, 1))
    declaration_liquidate(declaration=d)
    assert quota_2025().used_kg == D("0")
    assert Quota.objects.get(franchise__code="1086", valid_from=dt.date(2026, 1, 1)).used_kg == D("5000")


def test_code_1086_is_refused_at_registration_after_2026():
    d = make_declaration(articles=[fish_feed("5000")])
    with pytest.raises(ExemptionError) as exc:
        declaration_register(declaration=d, on_date=dt.date(2027, 1, 4))
    assert exc.value.code == "franchise_not_applicable" and "1086" in exc.value.message


def test_quota_code_without_net_mass_is_refused_at_registration():
    d = make_declaration(articles=[article("2309.90.90.82", value="1000", quantity="10", net_mass_kg=D("0"),
                                           franchise_code="1086")])
    with pytest.raises(ExemptionError) as exc:
        declaration_register(declaration=d, on_date=ON)
    assert (exc.value.code, exc.value.field) == ("quota_net_mass_missing", "articles[0].net_mass_kg")


def test_every_unmet_condition_is_reported_at_once():
    d = make_declaration(freight=None, articles=[article("2309.90.90.82", value="1000", quantity="10",
                                                         net_mass_kg=D("0"), franchise_code="1086")])
    with pytest.raises(DomainErrors) as exc:
        declaration_register(declaration=d, on_date=ON)
    assert {e.code for e in exc.value.errors} == {"freight_missing", "quota_net_mass_missing"}


def test_quota_balance_is_visible_through_the_api(broker_client):
    leave_balance("2000")
    body = broker_client.get("/api/v1/quotas/", {"franchise__code": "1086"}).json()
    rows = body["results"] if isinstance(body, dict) else body
    assert [(r["period"], r["balance_kg"]) for r in rows] == [
        ("2024", "15000000.000"), ("2025", "2000.000"), ("2026", "15000000.000")]
