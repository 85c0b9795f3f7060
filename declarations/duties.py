"""The duties of a declaration's articles through the tariff engine, nothing written: what
liquidation, preview, re-liquidation and the exemption plan all compute with."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from tariff.kit.errors import DomainError
from tariff.selectors import get_tariff_index
from tariff.services import TAX_DI, TAX_TIC, TAX_VAT, DutyQuote, TaxExemption, TaxLine, quote_duties

from .models import Article, Declaration


class DeclarationError(DomainError):
    code = "declaration_error"


@dataclass(frozen=True)
class ArticleTaxes:
    article: Article | ArticleRow
    lines: list[TaxLine]


@dataclass(frozen=True)
class ArticleRow:
    """What the duty computation reads of an article, loaded without a model instance
    (bulk re-liquidation reads hundreds of thousands of them)."""

    id: int
    declaration_id: int
    number: int
    tariff_code: str
    customs_value: Decimal
    quantity: Decimal
    net_mass_kg: Decimal
    franchise_code: str
    attributes: dict

    FIELDS = ("id", "declaration_id", "number", "tariff_line__code", "customs_value", "quantity", "net_mass_kg",
              "franchise_code", "attributes")


def tariff_code_of(article) -> str:
    return article.tariff_code if isinstance(article, ArticleRow) else article.tariff_line.code


SAME = object()  # ``article_quote``: the article's own value, quantity or franchise code


def article_quote(article, *, on_date: dt.date, index, customs_value=SAME, quantity=SAME, net_mass_kg=None,
                  franchise_code=SAME, exemptions: tuple[TaxExemption, ...] = ()) -> DutyQuote:
    """The tariff engine's quote of one article (a model or an ``ArticleRow``), an engine error
    naming the article's field. By default the article's own figures; a part of it (quota split)
    gives its ``customs_value``, ``quantity``, ``net_mass_kg`` and ``franchise_code``; ``exemptions``
    are the engine's ``TaxExemption`` (convention, investment goods)."""
    attributes = dict(article.attributes or {})
    if net_mass_kg is None:
        attributes.setdefault("net_mass_kg", str(article.net_mass_kg))
    else:
        attributes["net_mass_kg"] = str(net_mass_kg)
    try:
        return quote_duties(
            tariff_code=tariff_code_of(article), on_date=on_date,
            customs_value=article.customs_value if customs_value is SAME else customs_value,
            quantity=article.quantity if quantity is SAME else quantity,
            franchise_code=(article.franchise_code or None) if franchise_code is SAME else franchise_code,
            attributes=attributes, index=index, exemptions=exemptions,
        )
    except DomainError as exc:
        raise DeclarationError(
            f"Article {article.number} : {exc.message}",
            field=f"articles[{article.number - 1}].{exc.field or 'tariff_code'}", code=exc.code,
        ) from exc


def declaration_compute_duties(*, declaration: Declaration, articles: list[Article], on_date: dt.date,
                               index=None) -> list[ArticleTaxes]:
    """DI, TIC and VAT of every article through the tariff engine, nothing written."""
    index = index or get_tariff_index()
    return [ArticleTaxes(article, article_quote(article, on_date=on_date, index=index).lines) for article in articles]


def tax_totals(computed: list[ArticleTaxes]) -> tuple[Decimal, Decimal, Decimal]:
    """(DI, TIC, VAT) of the computed lines."""
    totals = {TAX_DI: Decimal("0.00"), TAX_TIC: Decimal("0.00"), TAX_VAT: Decimal("0.00")}
    for item in computed:
        for line in item.lines:
            totals[line.tax] += line.amount
    return totals[TAX_DI], totals[TAX_TIC], totals[TAX_VAT]
