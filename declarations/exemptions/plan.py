"""Liquidation of the exemptions: quota consumption under a row lock, with the franchise rate on
what the balance covers and the normal rate on the rest; DI/VAT exemption of convention goods;
VAT exemption of investment goods only when real guarantees cover it; the follow-up records
(quota allocations, assets under the 60-month rule) written once the liquidation exists."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from tariff import exemption_rules as er
from tariff.kit.errors import DomainError, raise_all
from tariff.kit.money import LOCAL_CURRENCY
from tariff.kit.numbers import format_amount, format_plain
from tariff.laws import LF_2024
from tariff.models import Quota
from tariff.selectors import TariffIndex, law_in_force_from

from ..duties import ArticleTaxes
from ..models import Article, Declaration, ExemptAsset, InvestmentConvention, Liquidation, QuotaAllocation
from .claims import (
    ATTR_QUOTA_PARTIAL,
    ExemptionError,
    allows_partial_quota,
    article_field,
    claims_investment_goods,
    convention_number,
)
from .duties import convention_taxes, investment_goods_taxes, quota_split_taxes


@dataclass
class LiquidationPlan:
    """What liquidation does beyond the plain tariff engine: articles whose duties are computed
    with their exemption (``exemptions.duties``), quota allocations and assets to record once
    the liquidation is saved."""

    special: dict[int, ArticleTaxes] = field(default_factory=dict)  # article id → its lines
    allocations: list[QuotaAllocation] = field(default_factory=list)
    quotas: dict[int, Quota] = field(default_factory=dict)
    assets: list[ExemptAsset] = field(default_factory=list)

    def standard_articles(self, articles: list[Article]) -> list[Article]:
        return [a for a in articles if a.id not in self.special]

    def merge(self, articles: list[Article], computed: list[ArticleTaxes]) -> list[ArticleTaxes]:
        by_id = {item.article.id: item for item in computed}
        by_id.update(self.special)
        return [by_id[a.id] for a in articles]

    def record(self, liquidation: Liquidation) -> None:
        for quota in self.quotas.values():
            quota.save(update_fields=["used_kg"])  # under the row lock; the DB refuses an over-consumption
        for allocation in self.allocations:
            allocation.liquidation = liquidation
        QuotaAllocation.objects.bulk_create(self.allocations)
        for asset in self.assets:
            asset.save()


def liquidation_plan(*, declaration: Declaration, articles: list[Article], index: TariffIndex) -> LiquidationPlan:
    """Lock the quotas the declaration draws on, split what exceeds their balance, compute
    the convention and investment-goods articles, check the guarantees. Call inside the
    liquidation's transaction; ``record`` writes the follow-up once the liquidation exists."""
    on_date = declaration.registered_on
    lf_2024_from = law_in_force_from(LF_2024)
    plan = LiquidationPlan()
    errors: list[DomainError] = []
    codes = {a.franchise_code for a in articles if a.franchise_code}
    if codes:
        # Row lock: concurrent liquidations drawing on one quota are serialised (PostgreSQL).
        locked = Quota.objects.select_for_update(of=("self",)).select_related("franchise").filter(
            franchise__code__in=codes)
        by_code: dict[str, list[Quota]] = defaultdict(list)
        for quota in locked:
            by_code[quota.franchise.code].append(quota)
        for article in articles:
            if article.franchise_code in by_code:
                _quota_article(article, by_code[article.franchise_code], on_date, index, plan, errors)
    guaranteed_vat = Decimal("0")
    for article in articles:
        number = convention_number(article)
        if number:
            _convention_article(article, number, on_date, index, plan, lf_2024_from)
        elif claims_investment_goods(article):
            guaranteed_vat += _investment_goods_article(article, on_date, index, plan, lf_2024_from)
    raise_all(errors)
    if guaranteed_vat and er.guarantee_required(imported_on=on_date, under_convention=False,
                                                lf_2024_from=lf_2024_from):
        held = declaration.vat_guarantees.filter(released_on__isnull=True).aggregate(total=Sum("amount"))["total"]
        shortfall = er.guarantee_shortfall(exempted_vat=guaranteed_vat, guaranteed=held or 0)
        if shortfall:
            raise ExemptionError(
                f"La TVA exonérée sur les biens d'investissement ({format_amount(guaranteed_vat, LOCAL_CURRENCY)}) "
                f"doit être couverte par des garanties réelles : garanties enregistrées "
                f"{format_amount(held or 0, LOCAL_CURRENCY)}, il manque {format_amount(shortfall, LOCAL_CURRENCY)} "
                "(LF 2024 art. 6, circ. 6522/210 §IV-5-2).",
                field="vat_guarantees", code="vat_guarantee_insufficient", params={"shortfall": str(shortfall)})
    return plan


def _quota_article(article, quotas: list[Quota], on_date, index, plan: LiquidationPlan, errors) -> None:
    code = article.franchise_code
    quota = next((q for q in quotas if q.is_valid_on(on_date)), None)
    if quota is None:
        errors.append(ExemptionError(
            f"Article {article.number} : aucun contingent du code franchise {code} n'est ouvert le "
            f"{on_date:%d/%m/%Y}.", field=article_field(article, "franchise_code"), code="quota_not_open"))
        return
    if article.net_mass_kg <= 0:
        errors.append(ExemptionError(
            f"Article {article.number} : la masse nette est requise, elle s'impute sur le contingent du code "
            f"franchise {code}.", field=article_field(article, "net_mass_kg"), code="quota_net_mass_missing"))
        return
    plan.quotas[quota.id] = quota
    try:
        split = er.decide_quota_split(requested=article.net_mass_kg, balance=quota.balance_kg,
                                      allow_partial=allows_partial_quota(article))
    except er.QuotaRefused as refused:
        s = refused.split
        if refused.reason == "exhausted":
            message = (f"le contingent {code} {quota.period_label} est épuisé (solde 0 kg sur "
                       f"{format_plain(quota.volume_kg)} kg) : le code franchise {code} est refusé, retirez-le pour "
                       "liquider au taux normal")
        else:
            message = (f"{format_plain(s.requested)} kg demandés, solde du contingent {code} {quota.period_label} : "
                       f"{format_plain(s.balance_before)} kg ; imputation partielle refusée par le déclarant "
                       f"(« {ATTR_QUOTA_PARTIAL} » = false)")
        errors.append(ExemptionError(
            f"Article {article.number} : {message} (LF 2024 art. 5 bis, circ. 6522/210 §V).",
            field=article_field(article, "franchise_code"), code=f"quota_{refused.reason}",
            params={"balance_kg": str(s.balance_before)}))
        return
    quota.used_kg += split.in_quota
    plan.allocations.append(QuotaAllocation(
        quota=quota, article=article, requested_kg=split.requested, allocated_kg=split.in_quota,
        out_of_quota_kg=split.out_of_quota, balance_after_kg=quota.balance_kg))
    if split.is_split:  # otherwise the plain engine applies the franchise to the whole article
        plan.special[article.id] = quota_split_taxes(article, quota, split.in_quota, split.out_of_quota, on_date,
                                                     index)


def _convention_article(article, number, on_date, index, plan: LiquidationPlan, lf_2024_from) -> None:
    convention = InvestmentConvention.objects.filter(number=number).first()
    if convention is None:
        raise ExemptionError(f"Article {article.number} : convention d'investissement {number} introuvable.",
                             field=article_field(article, "attributes"), code="convention_not_found")
    plan.special[article.id], exempted = convention_taxes(article, convention, on_date, index)
    _track_asset(article, exempted, on_date, plan, lf_2024_from, convention=convention)


def _investment_goods_article(article, on_date, index, plan: LiquidationPlan, lf_2024_from) -> Decimal:
    plan.special[article.id], exempted = investment_goods_taxes(article, on_date, index)
    _track_asset(article, exempted, on_date, plan, lf_2024_from)
    return exempted


def _track_asset(article, exempted: Decimal, on_date, plan: LiquidationPlan, lf_2024_from, convention=None) -> None:
    # CGI art. 102 (LF 2024, circ. 6522/210 §IV-5-1): goods imported VAT-exempt are kept 60 months.
    if exempted > 0 and er.conservation_required(on_date, lf_2024_from=lf_2024_from):
        plan.assets.append(ExemptAsset(article=article, convention=convention, exempted_vat=exempted,
                                       imported_on=on_date, keep_until=er.conservation_end(on_date)))
