"""Customs value per circular 6336/400 (freight, insurance, allocation coefficient C)."""
import datetime as dt
from decimal import Decimal

import pytest

from declarations.models import Article, Declaration, DeclarationGroup
from declarations.rules import RegistrationRefused
from declarations.services import DeclarationError, declaration_register
from tariff.kit.errors import DomainErrors

from .factories import article, make_declaration

pytestmark = pytest.mark.django_db
ON = dt.date(2024, 3, 1)


def values(declaration):
    return [a.customs_value for a in declaration.articles.order_by("number")]


def test_circular_6336_example_coefficient_and_article_values():
    # 100,000 EUR (60,000 + 40,000) at 10.8, freight 20,000 MAD and insurance 5,000 MAD not included.
    d = make_declaration(articles=[article(value="60000"), article(value="40000")], freight="20000", insurance="5000")
    declaration_register(declaration=d, on_date=ON)
    d.refresh_from_db()
    assert d.declared_value_mad == Decimal("1105000.00")
    assert d.allocation_coefficient == Decimal("11.05")
    assert d.exchange_rate == Decimal("10.8")
    assert values(d) == [Decimal("663000.00"), Decimal("442000.00")]


def test_three_way_split_does_not_lose_or_create_a_centime():
    # 3 × 1 EUR at 10.8 = 32.40 + freight 67.60 = 100.00 MAD, three equal articles.
    d = make_declaration(articles=[article(value="1")] * 3, freight="67.60")
    declaration_register(declaration=d, on_date=ON)
    parts = values(d)
    assert parts == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert sum(parts) == Decimal("100.00")


def test_freight_and_insurance_included_in_the_invoice_are_not_added_twice():
    d = make_declaration(articles=[article(value="1000")], freight="500", insurance="100", freight_included=True,
                         insurance_included=True)
    declaration_register(declaration=d, on_date=ON)
    assert values(d) == [Decimal("10800.00")]


def test_other_costs_added_unless_already_in_unit_prices():
    d1 = make_declaration(articles=[article(value="1000")], other_costs_amount=Decimal("1200"))
    d2 = make_declaration(articles=[article(value="1000")], other_costs_amount=Decimal("1200"), other_costs_included=True)
    declaration_register(declaration=d1, on_date=ON)
    declaration_register(declaration=d2, on_date=ON)
    assert values(d1) == [Decimal("12000.00")]
    assert values(d2) == [Decimal("10800.00")]


@pytest.mark.parametrize("missing, field", [("freight", "freight_amount"), ("insurance", "insurance_amount")])
def test_freight_and_insurance_must_be_filled_zero_allowed(missing, field):
    d = make_declaration(**{missing: None})
    with pytest.raises(RegistrationRefused) as exc:
        declaration_register(declaration=d, on_date=ON)
    assert exc.value.field == field and "6336/400" in exc.value.message
    d.refresh_from_db()
    assert d.status == Declaration.Status.DRAFT
    assert not Article.objects.filter(declaration=d, customs_value__isnull=False).exists()


def test_all_blocking_errors_are_reported_at_once():
    d = make_declaration(freight=None, insurance=None)
    with pytest.raises(DomainErrors) as exc:
        declaration_register(declaration=d, on_date=ON)
    assert {e.field for e in exc.value.errors} == {"freight_amount", "insurance_amount"}


def test_invoice_total_must_equal_the_articles():
    d = make_declaration(articles=[article(value="100")], invoice_total="150")
    with pytest.raises(RegistrationRefused) as exc:
        declaration_register(declaration=d, on_date=ON)
    assert exc.value.code == "invoice_total_mismatch"


def test_coupled_declarations_share_common_costs_in_proportion_to_invoiced_value():
    group = DeclarationGroup.objects.create(reference="GRP-1", common_costs=Decimal("1000.01"))
    d1 = make_declaration(articles=[article(value="3000")], group=group)
    d2 = make_declaration(articles=[article(value="1000")], group=group)
    declaration_register(declaration=d1, on_date=ON)
    declaration_register(declaration=d2, on_date=ON)
    share1 = values(d1)[0] - Decimal("32400.00")
    share2 = values(d2)[0] - Decimal("10800.00")
    assert (share1, share2) == (Decimal("750.01"), Decimal("250.00"))
    assert share1 + share2 == Decimal("1000.01")


def test_unknown_tariff_code_refuses_the_whole_declaration():
    before = Declaration.objects.count()
    with pytest.raises(DeclarationError) as exc:
        make_declaration(articles=[article(), article(code="0000.00.00.00")])
    assert exc.value.field == "articles[1].tariff_code"
    assert Declaration.objects.count() == before


def test_no_exchange_rate_refuses_registration():
    d = make_declaration(currency="JPY")
    with pytest.raises(Exception) as exc:
        declaration_register(declaration=d, on_date=ON)
    assert "JPY" in str(exc.value)


def test_preview_computes_values_and_duties_without_writing():
    from declarations.services import declaration_preview

    d = make_declaration(articles=[article(value="60000"), article(value="40000")], freight="20000", insurance="5000")
    arts = list(d.articles.select_related("tariff_line").order_by("number"))
    preview = declaration_preview(declaration=d, articles=arts, on_date=dt.date(2024, 1, 5))
    assert preview.errors == []
    assert preview.valuation.article_values == [Decimal("663000.00"), Decimal("442000.00")]
    assert preview.totals["DI"] == Decimal("193375.00")  # 17.5 % of 1,105,000 (pet food, LF 2024)
    assert not Article.objects.filter(declaration=d, customs_value__isnull=False).exists()
    assert not d.liquidations.exists()
