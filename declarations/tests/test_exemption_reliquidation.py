"""Re-liquidation keeps the exemptions: ``exemptions.reliquidation.reliquidation_overrides`` recomputes the
quota-split, convention and investment-goods articles from the recorded allocations (used
by ``services.reliquidate_declarations``), so a re-liquidation with unchanged rates finds the
same lines — the plain engine would not."""
import datetime as dt
from decimal import Decimal as D

import pytest

from declarations.exemptions import services as exemptions
from declarations.exemptions.reliquidation import reliquidation_overrides
from declarations.models import Article, LiquidationLine, VatGuarantee
from declarations.services import ArticleRow, declaration_compute_duties, declaration_liquidate, declaration_register
from tariff.models import Quota

from .factories import PartyFactory, article, make_declaration

pytestmark = pytest.mark.django_db
ON = dt.date(2025, 3, 3)
DOCUMENTS = [{"kind": "invoice", "reference": "F-R"}, {"kind": "transport", "reference": "BL-R"}]


@pytest.fixture
def mixed_declaration():
    from tariff.tests.factories import line_with_rate

    line_with_rate("2309909082", "17.5", description="Aliments pour poissons")
    line_with_rate("8479899000", "2.5", description="Machines")
    party = PartyFactory()
    exemptions.investment_convention_create(
        number="CONV-R", party=party, amount=D("55000000"), signed_on=dt.date(2024, 6, 1),
        valid_from=dt.date(2024, 6, 1), goods_description="Presses")
    quota = Quota.objects.get(franchise__code="1086", valid_from=dt.date(2025, 1, 1))
    Quota.objects.filter(pk=quota.pk).update(used_kg=D("15000000") - D("2000"))
    d = make_declaration(party=party, currency="MAD", documents=DOCUMENTS, articles=[
        article("2309.90.90.82", value="10800", quantity="5000", franchise_code="1086"),
        article("8479.89.90.00", value="300000", quantity="1", is_equipment=True,
                attributes={"investment_convention": "CONV-R"}),
        article("8479.89.90.00", value="100000", quantity="1", is_equipment=True,
                attributes={"investment_goods_vat_exempt": True}),
        article("2309.90.90.82", value="1000", quantity="10", net_mass_kg=D("10")),
    ])
    exemptions.vat_guarantee_create(declaration=d, kind=VatGuarantee.Kind.CONSIGNATION, reference="C-R",
                                    amount=D("20500"), constituted_on=ON)
    declaration_register(declaration=d, on_date=ON)
    declaration_liquidate(declaration=d)
    d.refresh_from_db()
    return d


def signature(items):
    return sorted((item.article.id, line.tax, line.amount, line.law_id) for item in items for line in item.lines)


def test_overrides_reproduce_the_liquidation_the_plain_engine_does_not(mixed_declaration):
    d = mixed_declaration
    stored = sorted(LiquidationLine.objects.filter(liquidation__declaration=d).values_list(
        "article_id", "tax", "amount", "law_id"))
    rows = [ArticleRow(*values[:-1], attributes=values[-1] or {}) for values in
            Article.objects.filter(declaration=d).order_by("number").values_list(*ArticleRow.FIELDS)]
    overrides = reliquidation_overrides(articles=rows, on_dates={d.id: d.registered_on})
    assert sorted(a.number for a in rows if a.id in overrides) == [1, 2, 3]
    plain = declaration_compute_duties(declaration=d, articles=[a for a in rows if a.id not in overrides],
                                       on_date=d.registered_on)
    assert signature(plain + list(overrides.values())) == stored
    assert signature(declaration_compute_duties(declaration=d, articles=rows, on_date=d.registered_on)) != stored
    assert Quota.objects.get(franchise__code="1086", valid_from=dt.date(2025, 1, 1)).used_kg == D("15000000")


def test_reliquidation_with_unchanged_rates_keeps_the_exemptions_and_changes_nothing(mixed_declaration):
    from declarations.services import declaration_reliquidate

    result = declaration_reliquidate(declaration=mixed_declaration, reason="contrôle")
    assert result.current is None
    assert mixed_declaration.liquidations.count() == 1
