"""The exempted articles' duties at re-liquidation (a finance law, an explicit re-liquidation,
the what-if simulation): computed again as at liquidation (``exemptions.duties``), with the
quota allocations recorded then — nothing consumed, nothing written, nothing locked."""
from __future__ import annotations

import datetime as dt

from tariff.selectors import TariffIndex, get_tariff_index

from ..duties import ArticleTaxes
from ..models import InvestmentConvention, QuotaAllocation
from .claims import claims_investment_goods, convention_number
from .duties import convention_taxes, investment_goods_taxes, quota_split_taxes


def reliquidation_overrides(*, articles: list, on_dates: dict[int, dt.date],
                            index: TariffIndex | None = None) -> dict[int, ArticleTaxes]:
    """Lines of the articles whose duties are not the plain engine's — quota split, convention
    goods, investment goods — recomputed with the current reference data but the quota
    allocations recorded at liquidation.

    Used by ``services.reliquidation_plans``: every other article is computed with
    ``declaration_compute_duties`` and these are merged in by article id. ``articles`` are models
    or ``duties.ArticleRow``; ``on_dates`` maps declaration id → registration date.
    """
    index = index or get_tariff_index()
    # Filtered by declaration: a few hundred parameters rather than one per article.
    splits = {a.article_id: a for a in QuotaAllocation.objects.filter(
        article__declaration_id__in=list(on_dates), out_of_quota_kg__gt=0).select_related("quota__franchise")}
    claiming = [a for a in articles if a.attributes or a.id in splits]  # most articles claim nothing
    numbers = {convention_number(a) for a in claiming} - {""}
    conventions = {c.number: c for c in InvestmentConvention.objects.filter(number__in=numbers)} if numbers else {}
    overrides: dict[int, ArticleTaxes] = {}
    for article in claiming:
        on_date = on_dates[article.declaration_id]
        number = convention_number(article)
        if article.id in splits:
            allocation = splits[article.id]
            overrides[article.id] = quota_split_taxes(article, allocation.quota, allocation.allocated_kg,
                                                      allocation.out_of_quota_kg, on_date, index)
        elif number in conventions:
            overrides[article.id], _exempted = convention_taxes(article, conventions[number], on_date, index)
        elif claims_investment_goods(article):
            overrides[article.id], _exempted = investment_goods_taxes(article, on_date, index)
    return overrides
