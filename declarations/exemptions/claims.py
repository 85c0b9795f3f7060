"""What an article claims (keys of ``Article.attributes``, like the TIC characteristics), the
franchise codes whose conditions the office checks, and the error the exemptions raise."""
from __future__ import annotations

from tariff.kit.errors import DomainError

ATTR_SCHOOL_SUPPLY_ITEM = "school_supply_item"  # n° of the supply in annexe IV-1 (code 2013)
ATTR_SCHOOL_SUPPLY_MATERIAL = "school_supply_material"  # products and materials entering their composition
ATTR_QUOTA_PARTIAL = "quota_partial"  # false: refuse the code rather than split beyond the quota balance
ATTR_INVESTMENT_CONVENTION = "investment_convention"  # number of the investment convention
ATTR_INVESTMENT_GOODS = "investment_goods_vat_exempt"  # capital goods imported VAT-exempt (CGI art. 123-22°)
ATTR_TRANSITIONAL_CLAUSE = "transitional_clause_art13"  # claims the rate before the latest change (CDII art. 13)

SCHOOL_SUPPLIES = "2013"
FM6SS = "0040"
MINIMUM_DUTY = "0164"  # CDII art. 164 bis-1°-j: 2.5 % minimum duty of non-profit bodies (code number to confirm)
SOLAR_PANEL_INPUTS = "2059"  # CGI art. 123-59° (LF 2022): VAT-exempt inputs of panel makers (code number to confirm)


class ExemptionError(DomainError):
    code = "exemption_error"


def truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "oui", "yes", "vrai")
    return bool(value)


def article_field(article, name: str) -> str:
    return f"articles[{article.number - 1}].{name}"


def convention_number(article) -> str:
    """The investment convention the article claims ("" when none)."""
    return str((article.attributes or {}).get(ATTR_INVESTMENT_CONVENTION) or "").strip()


def claims_investment_goods(article) -> bool:
    return truthy((article.attributes or {}).get(ATTR_INVESTMENT_GOODS))


def allows_partial_quota(article) -> bool:
    return truthy((article.attributes or {}).get(ATTR_QUOTA_PARTIAL, True))
