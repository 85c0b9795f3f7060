"""The duties of an article whose exemption the tariff engine cannot read from its rows alone:
a quota split (the franchise rate on what the quota covers, the normal rate on the rest), the
goods of an investment convention, investment goods imported VAT-exempt. Each is computed by
the engine (``declarations.duties.article_quote``): the exemptions are the engine's own
``TaxExemption``, so the engine builds every line (the VAT base with the exempted DI, the law a
line is traced to); nothing here recomputes a base or rewrites an amount."""
from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal

from tariff.kit.money import LOCAL_CURRENCY, allocate
from tariff.kit.numbers import format_amount, format_plain
from tariff.laws import BASE_TARIFF, LF_2022, LF_2024
from tariff.models import Quota
from tariff.selectors import finance_law, law_in_force_from
from tariff.services import TAX_DI, TAX_VAT, TaxExemption

from ..duties import ArticleTaxes, article_quote
from ..models import InvestmentConvention

QUANTITY_PLACES = Decimal("0.001")


def quota_split_taxes(article, quota: Quota, in_kg: Decimal, out_kg: Decimal, on_date, index) -> ArticleTaxes:
    """Two quotes merged: the franchise on the mass the quota covers, the normal rate on the rest;
    customs value split in proportion to the masses (to the centime, summing exactly)."""
    # LF 2024 art. 5 bis (circ. 6522/210 §V): 2.5 % within the quota only.
    code = quota.franchise.code
    in_value, out_value = allocate(article.customs_value, [in_kg, out_kg])
    in_qty = (article.quantity * in_kg / (in_kg + out_kg)).quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP)
    inside = article_quote(article, on_date=on_date, index=index, customs_value=in_value, quantity=in_qty,
                           net_mass_kg=in_kg, franchise_code=code)
    outside = article_quote(article, on_date=on_date, index=index, customs_value=out_value,
                            quantity=article.quantity - in_qty, net_mass_kg=out_kg, franchise_code=None)
    in_label = f"Contingent {code} {quota.period_label}, {format_plain(in_kg)} kg : "
    out_label = f"Hors contingent {code} (solde épuisé), {format_plain(out_kg)} kg au taux normal : "
    return ArticleTaxes(article, [replace(line, detail=in_label + line.detail) for line in inside.lines]
                        + [replace(line, detail=out_label + line.detail) for line in outside.lines])


def _exempted_vat(amount: Decimal) -> str:
    return f"TVA exonérée {format_amount(amount, LOCAL_CURRENCY)}"


def convention_taxes(article, convention: InvestmentConvention, on_date, index) -> tuple[ArticleTaxes, Decimal]:
    """DI and VAT exempt, TIC due; returns the lines and the VAT exempted."""
    # CDII art. 164-1°-p and CGI art. 123-22°-b: DI and VAT exemption, no trade-defence measure (loi 15-09);
    # the exemption is traced to the law in force when the convention was signed (LF 2022 lowered the threshold).
    law = finance_law(LF_2022 if convention.signed_on >= law_in_force_from(LF_2022) else BASE_TARIFF, index=index)
    number = convention.number
    quote = article_quote(article, on_date=on_date, index=index, net_mass_kg=article.net_mass_kg, franchise_code=None,
                          exemptions=(
        TaxExemption(TAX_DI, law, lambda _amount: (
            f"Exonéré : convention d'investissement {number} (CDII art. 164-1°-p), hors mesures de défense "
            "commerciale (loi 15-09)")),
        TaxExemption(TAX_VAT, law, lambda amount: (
            f"Exonéré : convention d'investissement {number} (CGI art. 123-22°-b) — {_exempted_vat(amount)}")),
    ))
    return ArticleTaxes(article, quote.lines), quote.exempted[TAX_VAT]


def investment_goods_taxes(article, on_date, index) -> tuple[ArticleTaxes, Decimal]:
    """VAT exempt, DI and TIC due; returns the lines and the VAT exempted."""
    # CGI art. 123-22° with LF 2024 art. 6 (circ. 6522/210 §IV-5): VAT exempt against real guarantees, goods kept
    # 60 months; before the LF 2024 the exemption stays under the law of the VAT rate.
    lf_2024 = on_date >= law_in_force_from(LF_2024)
    note = ", sous garantie réelle, biens à conserver 60 mois (LF 2024)" if lf_2024 else ""
    quote = article_quote(article, on_date=on_date, index=index, net_mass_kg=article.net_mass_kg, exemptions=(
        TaxExemption(TAX_VAT, finance_law(LF_2024, index=index) if lf_2024 else None, lambda amount: (
            f"Exonéré : biens d'investissement (CGI art. 123-22°) — {_exempted_vat(amount)}{note}")),
    ))
    return ArticleTaxes(article, quote.lines), quote.exempted[TAX_VAT]
