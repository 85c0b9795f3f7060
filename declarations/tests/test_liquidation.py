import datetime as dt
from decimal import Decimal

import pytest

from declarations.models import Declaration, Liquidation
from declarations.services import (
    InvalidTransition,
    declaration_cancel,
    declaration_liquidate,
    declaration_register,
    declaration_reliquidate,
)
from tariff.models import DutyRate
from tariff.tests.helpers import plain

from .factories import SAMPLE_EUR_RATE_WARNING, article, make_declaration, pay

pytestmark = pytest.mark.django_db


def liquidated(on, **kwargs):
    d = make_declaration(**kwargs)
    declaration_register(declaration=d, on_date=on)
    return d, declaration_liquidate(declaration=d)


def test_same_goods_registered_either_side_of_1_january_2024_use_each_years_rates():
    # Pet food 2309.10.00.00: 2.5 % (2023) then 17.5 % (LF 2024); 1,000 EUR at 10.8 = 10,800 MAD.
    _, l2023 = liquidated(dt.date(2023, 12, 20), articles=[article(value="1000")])
    _, l2024 = liquidated(dt.date(2024, 1, 5), articles=[article(value="1000")])
    di_2023 = l2023.lines.get(tax="DI")
    di_2024 = l2024.lines.get(tax="DI")
    assert (di_2023.rate, di_2023.amount, di_2023.law.code) == (Decimal("2.5"), Decimal("270.00"), "BASE")
    assert (di_2024.rate, di_2024.amount, di_2024.law.code) == (Decimal("17.5"), Decimal("1890.00"), "LF-55-23")


def test_liquidation_lines_keep_base_rate_amount_and_law_and_totals_add_up():
    # Smartphones: 10 units, 1,000 EUR → 10,800 MAD; DI 17.5 % = 1,890; TIC 500; VAT 20 % × 13,190 = 2,638.
    d, liq = liquidated(dt.date(2024, 3, 1), articles=[article("8517.13.00.00", value="1000", quantity="10")])
    lines = {line.tax: line for line in liq.lines.all()}
    assert lines["DI"].base == Decimal("10800") and lines["DI"].amount == Decimal("1890.00")
    assert lines["TIC"].amount == Decimal("500.00") and lines["TIC"].law.code == "LF-76-21"
    assert lines["TVA"].base == Decimal("13190") and lines["TVA"].amount == Decimal("2638.00")
    assert (liq.total_di, liq.total_tic, liq.total_vat, liq.total) == (
        Decimal("1890.00"), Decimal("500.00"), Decimal("2638.00"), Decimal("5028.00"))
    d.refresh_from_db()
    assert d.status == Declaration.Status.LIQUIDATED


def test_missing_tic_attribute_refuses_liquidation_naming_the_article():
    # Creation refuses it now (tests of declarations.characteristics); an article stored before
    # is still refused at liquidation, with a message, not a server error.
    d = make_declaration(articles=[article("2404.12.00.00", value="100", quantity="1",
                                           attributes={"volume_ml": "30", "contains_nicotine": True})])
    declaration_register(declaration=d, on_date=dt.date(2024, 3, 1))
    d.articles.update(attributes={"volume_ml": "NaN"})  # registration checks them too: stored after it
    with pytest.raises(Exception) as exc:
        declaration_liquidate(declaration=d)
    assert "Article 1" in str(exc.value)
    d.refresh_from_db()
    assert d.status == Declaration.Status.REGISTERED and not d.liquidations.exists()


def test_a_liquidated_declaration_cannot_be_registered_liquidated_or_cancelled_again():
    d, _ = liquidated(dt.date(2024, 3, 1))
    for action in (declaration_register, declaration_liquidate, declaration_cancel):
        with pytest.raises(InvalidTransition):
            action(declaration=d)


def test_reliquidation_is_idempotent_when_rates_did_not_change():
    d, first = liquidated(dt.date(2024, 3, 1))
    result = declaration_reliquidate(declaration=d, reason="contrôle")
    assert result.current is None
    assert Liquidation.objects.filter(declaration=d).count() == 1


def test_reliquidation_after_a_rate_change_keeps_the_old_liquidation_and_gives_the_delta():
    d, first = liquidated(dt.date(2024, 3, 1))
    DutyRate.objects.filter(tariff_line__code="2309100000", valid_from=dt.date(2024, 1, 1)).update(rate=Decimal("10"))
    from tariff.selectors import bump_reference_version

    bump_reference_version()
    result = declaration_reliquidate(declaration=d, reason="LF rectificative")
    first.refresh_from_db()
    assert not first.is_current and result.current.is_current and result.current.sequence == 2
    # DI 17.5 % → 10 % of 10,800: −810; VAT base falls by 810 → −162.
    assert result.delta["DI"] == Decimal("-810.00")
    assert result.delta["TVA"] == Decimal("-162.00")
    assert result.delta["total"] == Decimal("-972.00")
    assert d.liquidations.count() == 2


def test_paid_declarations_are_never_reliquidated():
    d, _ = liquidated(dt.date(2024, 3, 1))
    pay(d)
    with pytest.raises(InvalidTransition):
        declaration_reliquidate(declaration=d, reason="x")


def test_missing_annexed_documents_warn_with_the_297_8_fine_from_2024():
    d = make_declaration()
    result = declaration_register(declaration=d, on_date=dt.date(2024, 1, 2))
    # The fine, its class and its date are the offence catalogue's row (litigation/data/offences.csv).
    assert plain(result.warnings[0]) == (
        "Documents requis non annexés : Facture commerciale, Titre de transport (connaissement, LTA, CMR). Le "
        "défaut d'annexer les documents exigés est une contravention douanière de 3e classe (CDII art. 297-8°), "
        "amende de 10 000 à 50 000 DH (faits à compter du 01/01/2024).")
    d2 = make_declaration(documents=[{"kind": "invoice", "reference": "F-1"}, {"kind": "transport", "reference": "BL-1"}])
    assert declaration_register(declaration=d2, on_date=dt.date(2024, 1, 2)).warnings == [SAMPLE_EUR_RATE_WARNING]
    d3 = make_declaration()
    assert "297-8°" not in declaration_register(declaration=d3, on_date=dt.date(2023, 12, 29)).warnings[0]


def test_liquidating_500_articles_takes_a_bounded_number_of_queries(django_assert_max_num_queries):
    d = make_declaration(articles=[article(value="10") for _ in range(500)])
    declaration_register(declaration=d, on_date=dt.date(2024, 3, 1))
    from tariff.selectors import get_tariff_index

    get_tariff_index()  # warm the per-process index as a running server has it
    with django_assert_max_num_queries(40):
        liq = declaration_liquidate(declaration=d)
    assert liq.lines.count() == 1000
