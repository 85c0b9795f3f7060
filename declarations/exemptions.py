"""Exemptions followed after the declaration (issue 9).

- Registration: conditional franchise codes (2013 school supplies, 0040 FM6SS, 0164 minimum
  duty of non-profit bodies, 2059 solar panel inputs), codes
  replaced by another (2006/2025 → 2015), quota codes (1086 fish feed), investment
  conventions, investment goods imported VAT-exempt, alcohol and the transitional clause
  of CDII art. 13 — every unmet condition reported at once, naming what is missing.
- Liquidation: quota consumption under a row lock, with the franchise rate on what the
  balance covers and the normal rate on the rest (two quotes merged); DI/VAT exemption
  of convention goods; VAT exemption of investment goods only when real guarantees cover
  it; follow-up records (quota allocations, assets under the 60-month rule).
- Follow-up: regularisation on early disposal, guarantees' release, warehouse
  abandonment/destruction, and the "to watch" list for staff.

The rules themselves are pure functions in ``tariff.exemption_rules``. What an article
claims is read from its ``attributes`` (keys ``ATTR_*`` below), like the TIC attributes.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q, Sum

from tariff import exemption_rules as er
from tariff.codes import format_tariff_code
from tariff.errors import DomainError, DomainErrors
from tariff.models import FinanceLaw, Quota, SchoolSupplyItem
from tariff.money import allocate, percent_of, quantize_money, to_decimal
from tariff.selectors import TariffIndex, get_tariff_index
from tariff.services import TAX_DI, TAX_TIC, TAX_VAT, quote_duties

from .duties import ArticleTaxes, DeclarationError
from .models import (
    Article,
    Declaration,
    ExemptAsset,
    FranchiseCondition,
    InvestmentConvention,
    Liquidation,
    QuotaAllocation,
    VatGuarantee,
    WarehouseDisposal,
)

# What an article claims (Article.attributes).
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
QUANTITY_PLACES = Decimal("0.001")


class ExemptionError(DomainError):
    code = "exemption_error"


def _truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "oui", "yes", "vrai")
    return bool(value)


def _field(article, name: str) -> str:
    return f"articles[{article.number - 1}].{name}"


def _raise_all(errors: list[DomainError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DomainErrors(errors)


def _fmt(value) -> str:
    """Masses and shares as the circulars print them: 15 000 000, 12,5."""
    return f"{to_decimal(value).normalize():,f}".replace(",", " ").replace(".", ",")


def _mad(value) -> str:
    """Amounts to the centime: 68 000,00."""
    return f"{quantize_money(value):,.2f}".replace(",", " ").replace(".", ",")


def _law(index: TariffIndex, code: str) -> FinanceLaw:
    for law in index.laws.values():
        if law.code == code:
            return law
    raise ExemptionError(f"Loi de finances {code} absente des données de référence.", code="reference_missing")


# --- registration -------------------------------------------------------------------------------

@dataclass
class RegistrationChecks:
    errors: list[DomainError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def registration_checks(*, declaration: Declaration, articles: list[Article], on_date: dt.date,
                        index: TariffIndex | None = None) -> RegistrationChecks:
    """Every exemption an article claims, checked on the registration date; nothing written."""
    index = index or get_tariff_index()
    result = RegistrationChecks()
    conditions = None
    codes = {a.franchise_code for a in articles if a.franchise_code}
    quota_codes = set(Quota.objects.filter(franchise__code__in=codes).values_list("franchise__code", flat=True)
                      ) if codes else set()
    planned: dict[int, Decimal] = defaultdict(Decimal)
    for article in articles:
        attrs = article.attributes or {}
        code = (article.franchise_code or "").strip()
        franchise = None
        if code:
            error, franchise = _franchise_in_force(article, code, on_date, index)
            if error:
                result.errors.append(error)
            elif code in CONDITION_CHECKS:
                if conditions is None:
                    conditions = _conditions_held(declaration, on_date)
                error = CONDITION_CHECKS[code](article, on_date, conditions, index)
                if error:
                    result.errors.append(error)
            if not error and code in quota_codes:
                _quota_registration(article, code, on_date, planned, result)
        _transitional_clause(article, attrs, on_date, index, result)
        _investment_claims(declaration, article, attrs, franchise, code in quota_codes, on_date, result)
    return result


def _franchise_in_force(article, code: str, on_date: dt.date, index: TariffIndex):
    franchise = index.franchise(code)
    field_name = _field(article, "franchise_code")
    if franchise is None:
        return ExemptionError(f"Article {article.number} : code franchise inconnu : {code}.", field=field_name,
                              code="franchise_not_applicable"), None
    if index.franchise_rate_on(franchise, on_date) is None:
        if franchise.replaced_by:
            # Circ. 6522/210 §IV-1: codes 2006 and 2025 abolished, replaced by 2015 from 2024-01-01.
            why = f" ({franchise.condition})" if franchise.condition else ""
            return ExemptionError(
                f"Article {article.number} : le code franchise {code} n'est plus en vigueur le {on_date:%d/%m/%Y}, "
                f"il est remplacé par le code {franchise.replaced_by}{why}.", field=field_name,
                code="franchise_code_replaced", params={"replaced_by": franchise.replaced_by}), franchise
        return ExemptionError(
            f"Article {article.number} : le code franchise {code} n'est pas en vigueur le {on_date:%d/%m/%Y}.",
            field=field_name, code="franchise_not_applicable"), franchise
    if not index.franchise_covers(franchise, article.tariff_line.code):
        return ExemptionError(
            f"Article {article.number} : le code franchise {code} ne s'applique pas à la position "
            f"{format_tariff_code(article.tariff_line.code)}.", field=field_name,
            code="franchise_not_applicable"), franchise
    return None, franchise


@dataclass
class _Conditions:
    held: dict[str, set[str]]  # franchise code → kinds valid on the date
    lapsed: list[FranchiseCondition]  # known but not valid on the date (to say why)


def _conditions_held(declaration: Declaration, on_date: dt.date) -> _Conditions:
    held: dict[str, set[str]] = defaultdict(set)
    lapsed = []
    # The preview of a form runs on an unsaved declaration: only the party's standing conditions.
    own = Q(declaration=declaration) if declaration.pk else Q(pk__in=[])
    rows = FranchiseCondition.objects.filter(party_id=declaration.party_id).filter(
        Q(declaration__isnull=True) | own).select_related("franchise")
    for condition in rows:
        if condition.is_valid_on(on_date):
            held[condition.franchise.code].add(condition.kind)
        else:
            lapsed.append(condition)
    return _Conditions(held, lapsed)


def _lapsed_hint(conditions: _Conditions, franchise_code: str, kind: str, on_date: dt.date) -> str:
    for condition in conditions.lapsed:
        if condition.franchise.code != franchise_code or condition.kind != kind:
            continue
        if condition.status == FranchiseCondition.Status.PENDING:
            return f" ; la demande {condition.reference} est en cours d'examen"
        if condition.status == FranchiseCondition.Status.REFUSED:
            return f" ; la demande {condition.reference} a été refusée"
        if kind == FranchiseCondition.Kind.DGI_CERTIFICATE and condition.issued_on.year != on_date.year:
            return (f" ; l'attestation DGI {condition.reference} délivrée le {condition.issued_on:%d/%m/%Y} "
                    f"n'est valable que pour l'année {condition.issued_on.year}")
        if condition.valid_to and condition.valid_to < on_date:
            return f" ; le justificatif {condition.reference} a expiré le {condition.valid_to:%d/%m/%Y}"
        if condition.issued_on > on_date:
            return f" ; le justificatif {condition.reference} n'est daté que du {condition.issued_on:%d/%m/%Y}"
    return ""


def _school_supplies_error(article, on_date: dt.date, conditions: _Conditions, index) -> DomainError | None:
    # Circ. 6522/210 §IV-1 and annexe IV-1 (décret 2-23-1118): code 2013.
    attrs = article.attributes or {}
    is_material = _truthy(attrs.get(ATTR_SCHOOL_SUPPLY_MATERIAL))
    raw_item = attrs.get(ATTR_SCHOOL_SUPPLY_ITEM)
    item = None
    if raw_item not in (None, ""):
        try:
            item = SchoolSupplyItem.objects.as_of(on_date).filter(number=int(str(raw_item).strip())).first()
        except ValueError:
            item = None
    missing = er.school_supplies_missing_condition(
        listed_item=item is not None, is_material=is_material, held=conditions.held.get(SCHOOL_SUPPLIES, set()))
    if missing is None:
        return None
    why = ""
    if not is_material and item is None:
        why = (f" : la fourniture n° {raw_item} ne figure pas à la liste de l'annexe IV-1 de la circulaire 6522/210"
               if raw_item not in (None, "") else
               " : indiquez le n° de la fourniture dans la liste de l'annexe IV-1 de la circulaire 6522/210 "
               f"(caractéristique « {ATTR_SCHOOL_SUPPLY_ITEM} »), sinon une demande d'exonération acceptée "
               "est exigée")
    return ExemptionError(
        f"Article {article.number} : le code franchise 2013 (fournitures scolaires) exige "
        f"{er.CONDITION_LABELS[missing]}{why}{_lapsed_hint(conditions, SCHOOL_SUPPLIES, missing, on_date)} "
        "(circ. 6522/210 §IV-1).",
        field=_field(article, "franchise_code"), code="franchise_condition_missing", params={"missing": missing})


def _fm6ss_error(article, on_date: dt.date, conditions: _Conditions, index) -> DomainError | None:
    # Circ. 6522/210 §IV-1: code 0040, equipment acquired by the Fondation Mohammed VI des Sciences et de la Santé.
    missing = er.fm6ss_missing_condition(is_equipment=article.is_equipment, held=conditions.held.get(FM6SS, set()))
    if missing is None:
        return None
    if missing == "equipment":
        message = ("ne couvre que les biens d'équipement, matériels et outillages acquis par la Fondation "
                   "(article à marquer « machines, matériels, outillages ou équipements »)")
    else:
        message = (f"exige la {er.CONDITION_LABELS[missing]} pour l'importateur"
                   f"{_lapsed_hint(conditions, FM6SS, missing, on_date)}")
    return ExemptionError(
        f"Article {article.number} : le code franchise 0040 {message} (circ. 6522/210 §IV-1).",
        field=_field(article, "franchise_code"), code="franchise_condition_missing", params={"missing": missing})


def _minimum_duty_error(article, on_date: dt.date, conditions: _Conditions, index) -> DomainError | None:
    # CDII art. 164 bis-1°-j (LF 2024, circ. 6522/210 §I.3): code 0164, the Foundation listed from the LF 2024 date.
    lf_2024 = _law(index, "LF-55-23")
    missing = er.minimum_duty_missing_condition(held=conditions.held.get(MINIMUM_DUTY, set()),
                                                fm6ss_listed=on_date >= lf_2024.effective_date)
    if missing is None:
        return None
    if missing == er.FM6SS_NOT_YET_LISTED:
        message = (f"ne vaut pour la Fondation Mohammed VI des Sciences et de la Santé qu'à compter du "
                   f"{lf_2024.effective_date:%d/%m/%Y} ({lf_2024}, qui l'ajoute à l'article 164 bis-1°-j du CDII)")
    else:
        message = ("exige que l'importateur justifie sa qualité de bénéficiaire : organisme à but non lucratif visé "
                   "à l'article 164 bis-1°-j du CDII ou Fondation Mohammed VI des Sciences et de la Santé"
                   f"{_lapsed_hint(conditions, MINIMUM_DUTY, missing, on_date)}")
    return ExemptionError(
        f"Article {article.number} : le code franchise {MINIMUM_DUTY} {message} (circ. 6522/210 §I.3).",
        field=_field(article, "franchise_code"), code="franchise_condition_missing", params={"missing": missing})


def _solar_panel_inputs_error(article, on_date: dt.date, conditions: _Conditions, index) -> DomainError | None:
    # CGI art. 123-59° (LF 2022, circ. 6255/210 §V): code 2059, inputs imported by panel manufacturers.
    missing = er.solar_panel_inputs_missing_condition(held=conditions.held.get(SOLAR_PANEL_INPUTS, set()))
    if missing is None:
        return None
    return ExemptionError(
        f"Article {article.number} : le code franchise {SOLAR_PANEL_INPUTS} exige la {er.CONDITION_LABELS[missing]}"
        f"{_lapsed_hint(conditions, SOLAR_PANEL_INPUTS, missing, on_date)} (CGI art. 123-59°, circ. 6255/210 §V).",
        field=_field(article, "franchise_code"), code="franchise_condition_missing", params={"missing": missing})


# Conditional codes and the check of their evidence (circ. 6522/210 §I.3 and §IV-1, circ. 6255/210 §V).
CONDITION_CHECKS = {
    SCHOOL_SUPPLIES: _school_supplies_error,
    FM6SS: _fm6ss_error,
    MINIMUM_DUTY: _minimum_duty_error,
    SOLAR_PANEL_INPUTS: _solar_panel_inputs_error,
}


def _quota_registration(article, code, on_date, planned, result: RegistrationChecks) -> None:
    if article.net_mass_kg <= 0:
        result.errors.append(ExemptionError(
            f"Article {article.number} : la masse nette est requise, elle s'impute sur le contingent du code "
            f"franchise {code} (LF 2024 art. 5 bis).", field=_field(article, "net_mass_kg"),
            code="quota_net_mass_missing"))
        return
    quota = Quota.objects.as_of(on_date).filter(franchise__code=code).first()
    if quota is None:
        result.errors.append(ExemptionError(
            f"Article {article.number} : aucun contingent du code franchise {code} n'est ouvert le "
            f"{on_date:%d/%m/%Y}.", field=_field(article, "franchise_code"), code="quota_not_open"))
        return
    planned[quota.id] += article.net_mass_kg
    if planned[quota.id] > quota.balance_kg:
        partial = _truthy((article.attributes or {}).get(ATTR_QUOTA_PARTIAL, True))
        outcome = ("la part dépassant le solde sera taxée au taux normal" if partial
                   else "la liquidation sera refusée si le solde reste insuffisant (imputation partielle refusée)")
        result.warnings.append(
            f"Article {article.number} : solde du contingent {code} {quota.period_label} : "
            f"{_fmt(quota.balance_kg)} kg, cette déclaration en demande {_fmt(planned[quota.id])} kg ; {outcome} "
            "à la liquidation (LF 2024 art. 5 bis).")


def _transitional_clause(article, attrs, on_date, index: TariffIndex, result: RegistrationChecks) -> None:
    if not _truthy(attrs.get(ATTR_TRANSITIONAL_CLAUSE)):
        return
    categories = index.excise_categories_for(article.tariff_line.code)
    alcoholic = any(c.code in er.ALCOHOL_EXCISE_CATEGORIES for c in categories)
    if er.transitional_clause_refused(is_alcoholic_beverage=alcoholic, on_date=on_date):
        result.errors.append(ExemptionError(
            f"Article {article.number} : la clause transitoire de l'article 13 du CDII ne s'applique pas aux "
            "importations de boissons alcoolisées réalisées à compter du 01/01/2024 (LF 2024 art. 5-IV, "
            f"circ. 6522/210 §III.2) : les quotités de TIC en vigueur le {on_date:%d/%m/%Y} s'appliquent.",
            field=_field(article, "attributes"), code="transitional_clause_refused"))


def _investment_claims(declaration, article, attrs, franchise, quota_code: bool, on_date, result) -> None:
    number = str(attrs.get(ATTR_INVESTMENT_CONVENTION) or "").strip()
    goods = _truthy(attrs.get(ATTR_INVESTMENT_GOODS))
    if not number and not goods:
        return
    field_name = _field(article, "attributes")
    if number and goods:
        result.errors.append(ExemptionError(
            f"Article {article.number} : une convention d'investissement et l'exonération des biens d'investissement "
            "ne se cumulent pas ; choisissez l'une ou l'autre.", field=field_name, code="exemption_claims_conflict"))
        return
    if not article.is_equipment:
        result.errors.append(ExemptionError(
            f"Article {article.number} : l'exonération ne vise que les biens d'équipement, matériels et outillages "
            "(article à marquer « machines, matériels, outillages ou équipements ») — "
            + ("CDII art. 164-1°-p." if number else "CGI art. 123-22°."),
            field=_field(article, "is_equipment"), code="capital_goods_only"))
    if number:
        _convention_errors(declaration, article, number, franchise, on_date, result)
        return
    if quota_code or (franchise is not None and franchise.tax == franchise.Tax.VAT):
        result.errors.append(ExemptionError(
            f"Article {article.number} : l'exonération de TVA des biens d'investissement ne se cumule pas avec le "
            f"code franchise {franchise.code}.", field=_field(article, "franchise_code"),
            code="exemption_claims_conflict"))
    if er.guarantee_required(imported_on=on_date, under_convention=False) and not (
            declaration.pk and declaration.vat_guarantees.filter(released_on__isnull=True).exists()):
        result.errors.append(ExemptionError(
            f"Article {article.number} : l'exonération de TVA des biens d'investissement exige des garanties réelles "
            "couvrant la TVA à exonérer (LF 2024 art. 6, circ. 6522/210 §IV-5-2) ; aucune garantie n'est "
            "enregistrée pour cette déclaration.", field="vat_guarantees", code="vat_guarantee_missing"))


def _convention_errors(declaration, article, number, franchise, on_date, result) -> None:
    # CDII art. 164-1°-p, CGI art. 123-22°-b (LF 2022, circ. 6255/210 §I.7 and §V).
    field_name = _field(article, "attributes")
    convention = InvestmentConvention.objects.filter(number=number).first()
    problems = []
    if convention is None:
        problems.append(("convention_not_found", f"convention d'investissement {number} introuvable"))
    else:
        if convention.party_id != declaration.party_id:
            problems.append(("convention_other_party",
                             f"la convention {number} a été conclue par un autre opérateur"))
        if not convention.is_valid_on(on_date):
            problems.append(("convention_not_valid", f"la convention {number} ne couvre pas les importations du "
                                                     f"{on_date:%d/%m/%Y}"))
        if not er.convention_meets_threshold(amount=convention.amount, signed_on=convention.signed_on):
            problems.append(("convention_below_threshold",
                             f"le programme de la convention {number} ({_mad(convention.amount)} MAD) n'atteint pas le "
                             f"seuil de {_mad(er.investment_threshold(convention.signed_on))} MAD"))
        prefixes = convention.prefixes
        if prefixes and not any(article.tariff_line.code.startswith(p) for p in prefixes):
            problems.append(("convention_goods_not_covered",
                             f"la position {format_tariff_code(article.tariff_line.code)} n'est pas prévue par la "
                             f"convention {number}"))
    if franchise is not None:
        problems.append(("exemption_claims_conflict",
                         f"la convention exonère déjà du DI et de la TVA, le code franchise {franchise.code} ne se "
                         "cumule pas avec elle"))
    for code, message in problems:
        result.errors.append(ExemptionError(f"Article {article.number} : {message} (CDII art. 164-1°-p).",
                                            field=field_name, code=code))


# --- liquidation --------------------------------------------------------------------------------

@dataclass
class LiquidationPlan:
    """What liquidation does beyond the plain tariff engine: articles it computes itself,
    quota allocations and assets to record once the liquidation is saved."""

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
        attrs = article.attributes or {}
        number = str(attrs.get(ATTR_INVESTMENT_CONVENTION) or "").strip()
        if number:
            _convention_article(article, number, on_date, index, plan)
        elif _truthy(attrs.get(ATTR_INVESTMENT_GOODS)):
            guaranteed_vat += _investment_goods_article(article, on_date, index, plan)
    _raise_all(errors)
    if guaranteed_vat and er.guarantee_required(imported_on=on_date, under_convention=False):
        held = declaration.vat_guarantees.filter(released_on__isnull=True).aggregate(total=Sum("amount"))["total"]
        shortfall = er.guarantee_shortfall(exempted_vat=guaranteed_vat, guaranteed=held or 0)
        if shortfall:
            raise ExemptionError(
                f"La TVA exonérée sur les biens d'investissement ({_mad(guaranteed_vat)} MAD) doit être "
                f"couverte par des garanties réelles : garanties enregistrées {_mad(held or 0)} MAD, "
                f"il manque {_mad(shortfall)} MAD (LF 2024 art. 6, circ. 6522/210 §IV-5-2).",
                field="vat_guarantees", code="vat_guarantee_insufficient", params={"shortfall": str(shortfall)})
    return plan


def _tariff_code(article) -> str:
    # Model instances at liquidation, ``duties.ArticleRow`` at bulk re-liquidation.
    return article.tariff_code if hasattr(article, "tariff_code") else article.tariff_line.code


def _quote(article, *, on_date, index, customs_value, quantity, net_mass, franchise_code):
    attributes = dict(article.attributes or {})
    attributes["net_mass_kg"] = str(net_mass)
    try:
        return quote_duties(tariff_code=_tariff_code(article), on_date=on_date, customs_value=customs_value,
                            quantity=quantity, franchise_code=franchise_code, attributes=attributes, index=index)
    except DomainError as exc:
        raise DeclarationError(f"Article {article.number} : {exc.message}",
                               field=_field(article, exc.field or "tariff_code"), code=exc.code) from exc


def _quota_article(article, quotas: list[Quota], on_date, index, plan: LiquidationPlan, errors) -> None:
    code = article.franchise_code
    quota = next((q for q in quotas if q.is_valid_on(on_date)), None)
    if quota is None:
        errors.append(ExemptionError(
            f"Article {article.number} : aucun contingent du code franchise {code} n'est ouvert le "
            f"{on_date:%d/%m/%Y}.", field=_field(article, "franchise_code"), code="quota_not_open"))
        return
    if article.net_mass_kg <= 0:
        errors.append(ExemptionError(
            f"Article {article.number} : la masse nette est requise, elle s'impute sur le contingent du code "
            f"franchise {code}.", field=_field(article, "net_mass_kg"), code="quota_net_mass_missing"))
        return
    plan.quotas[quota.id] = quota
    allow_partial = _truthy((article.attributes or {}).get(ATTR_QUOTA_PARTIAL, True))
    try:
        split = er.decide_quota_split(requested=article.net_mass_kg, balance=quota.balance_kg,
                                      allow_partial=allow_partial)
    except er.QuotaRefused as refused:
        s = refused.split
        if refused.reason == "exhausted":
            message = (f"le contingent {code} {quota.period_label} est épuisé (solde 0 kg sur "
                       f"{_fmt(quota.volume_kg)} kg) : le code franchise {code} est refusé, retirez-le pour liquider "
                       "au taux normal")
        else:
            message = (f"{_fmt(s.requested)} kg demandés, solde du contingent {code} {quota.period_label} : "
                       f"{_fmt(s.balance_before)} kg ; imputation partielle refusée par le déclarant "
                       f"(« {ATTR_QUOTA_PARTIAL} » = false)")
        errors.append(ExemptionError(
            f"Article {article.number} : {message} (LF 2024 art. 5 bis, circ. 6522/210 §V).",
            field=_field(article, "franchise_code"), code=f"quota_{refused.reason}",
            params={"balance_kg": str(s.balance_before)}))
        return
    quota.used_kg += split.in_quota
    plan.allocations.append(QuotaAllocation(
        quota=quota, article=article, requested_kg=split.requested, allocated_kg=split.in_quota,
        out_of_quota_kg=split.out_of_quota, balance_after_kg=quota.balance_kg))
    if split.is_split:  # otherwise the plain engine applies the franchise to the whole article
        plan.special[article.id] = _split_taxes(article, quota, split.in_quota, split.out_of_quota, on_date, index)


def _split_taxes(article, quota: Quota, in_kg: Decimal, out_kg: Decimal, on_date, index) -> ArticleTaxes:
    """Two quotes merged: the franchise on the mass the quota covers, the normal rate on the rest;
    customs value split in proportion to the masses (to the centime, summing exactly)."""
    # LF 2024 art. 5 bis (circ. 6522/210 §V): 2.5 % within the quota only.
    code = quota.franchise.code
    in_value, out_value = allocate(article.customs_value, [in_kg, out_kg])
    in_qty = (article.quantity * in_kg / (in_kg + out_kg)).quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP)
    inside = _quote(article, on_date=on_date, index=index, customs_value=in_value, quantity=in_qty,
                    net_mass=in_kg, franchise_code=code)
    outside = _quote(article, on_date=on_date, index=index, customs_value=out_value,
                     quantity=article.quantity - in_qty, net_mass=out_kg, franchise_code=None)
    in_label = f"Contingent {code} {quota.period_label}, {_fmt(in_kg)} kg : "
    out_label = f"Hors contingent {code} (solde épuisé), {_fmt(out_kg)} kg au taux normal : "
    return ArticleTaxes(article, [replace(line, detail=in_label + line.detail) for line in inside.lines]
                        + [replace(line, detail=out_label + line.detail) for line in outside.lines])


def _convention_taxes(article, convention: InvestmentConvention, on_date, index) -> tuple[ArticleTaxes, Decimal]:
    """DI and VAT exempt, TIC due; returns the lines and the VAT exempted."""
    # CDII art. 164-1°-p and CGI art. 123-22°-b: DI and VAT exemption, no trade-defence measure (loi 15-09).
    law = _law(index, "LF-76-21" if convention.signed_on >= er.LF_2022_FROM else "BASE")
    quote = _quote(article, on_date=on_date, index=index, customs_value=article.customs_value,
                   quantity=article.quantity, net_mass=article.net_mass_kg, franchise_code=None)
    vat_base = article.customs_value + sum((line.amount for line in quote.lines if line.tax == TAX_TIC), Decimal("0"))
    law_fields = {"law_id": law.id, "law_code": law.code, "law_label": str(law)}
    exempted = Decimal("0")
    lines = []
    for line in quote.lines:
        if line.tax == TAX_DI:
            line = replace(line, rate=Decimal("0"), amount=Decimal("0.00"), **law_fields, detail=(
                f"Exonéré : convention d'investissement {convention.number} (CDII art. 164-1°-p), hors mesures de "
                "défense commerciale (loi 15-09)"))
        elif line.tax == TAX_VAT:
            exempted = quantize_money(percent_of(vat_base, line.rate))
            line = replace(line, base=vat_base, rate=Decimal("0"), amount=Decimal("0.00"), **law_fields, detail=(
                f"Exonéré : convention d'investissement {convention.number} (CGI art. 123-22°-b) — TVA exonérée "
                f"{_mad(exempted)} MAD"))
        lines.append(line)
    return ArticleTaxes(article, lines), exempted


def _investment_goods_taxes(article, on_date, index) -> tuple[ArticleTaxes, Decimal]:
    """VAT exempt, DI and TIC due; returns the lines and the VAT exempted."""
    # CGI art. 123-22° with LF 2024 art. 6 (circ. 6522/210 §IV-5): VAT exempt against real guarantees.
    quote = _quote(article, on_date=on_date, index=index, customs_value=article.customs_value,
                   quantity=article.quantity, net_mass=article.net_mass_kg,
                   franchise_code=article.franchise_code or None)
    exempted = Decimal("0")
    lines = []
    for line in quote.lines:
        if line.tax == TAX_VAT:
            exempted = line.amount
            extra = {}
            if on_date >= er.LF_2024_FROM:
                law = _law(index, "LF-55-23")
                extra = {"law_id": law.id, "law_code": law.code, "law_label": str(law)}
            line = replace(line, rate=Decimal("0"), amount=Decimal("0.00"), **extra, detail=(
                f"Exonéré : biens d'investissement (CGI art. 123-22°) — TVA exonérée {_mad(exempted)} MAD"
                + (", sous garantie réelle, biens à conserver 60 mois (LF 2024)"
                   if on_date >= er.LF_2024_FROM else "")))
        lines.append(line)
    return ArticleTaxes(article, lines), exempted


def _convention_article(article, number, on_date, index, plan: LiquidationPlan) -> None:
    convention = InvestmentConvention.objects.filter(number=number).first()
    if convention is None:
        raise ExemptionError(f"Article {article.number} : convention d'investissement {number} introuvable.",
                             field=_field(article, "attributes"), code="convention_not_found")
    plan.special[article.id], exempted = _convention_taxes(article, convention, on_date, index)
    _track_asset(article, exempted, on_date, plan, convention=convention)


def _investment_goods_article(article, on_date, index, plan: LiquidationPlan) -> Decimal:
    plan.special[article.id], exempted = _investment_goods_taxes(article, on_date, index)
    _track_asset(article, exempted, on_date, plan)
    return exempted


def _track_asset(article, exempted: Decimal, on_date, plan: LiquidationPlan, convention=None) -> None:
    # CGI art. 102 (LF 2024, circ. 6522/210 §IV-5-1): goods imported VAT-exempt are kept 60 months.
    if exempted > 0 and er.conservation_required(on_date):
        plan.assets.append(ExemptAsset(article=article, convention=convention, exempted_vat=exempted,
                                       imported_on=on_date, keep_until=er.conservation_end(on_date)))


# --- re-liquidation -----------------------------------------------------------------------------

def reliquidation_overrides(*, articles: list, on_dates: dict[int, dt.date],
                            index: TariffIndex | None = None) -> dict[int, ArticleTaxes]:
    """Lines of the articles whose duties are not the plain engine's — quota split, convention
    goods, investment goods — recomputed with the current reference data but the quota
    allocations recorded at liquidation: nothing consumed, nothing written, nothing locked.

    Used by ``services.reliquidate_declarations``: every other article is computed with
    ``declaration_compute_duties`` and these are merged in by article id. ``articles`` are models
    or ``duties.ArticleRow``; ``on_dates`` maps declaration id → registration date.
    """
    index = index or get_tariff_index()
    # Filtered by declaration: a few hundred parameters rather than one per article.
    splits = {a.article_id: a for a in QuotaAllocation.objects.filter(
        article__declaration_id__in=list(on_dates), out_of_quota_kg__gt=0).select_related("quota__franchise")}
    numbers = {str((a.attributes or {}).get(ATTR_INVESTMENT_CONVENTION) or "").strip() for a in articles} - {""}
    conventions = {c.number: c for c in InvestmentConvention.objects.filter(number__in=numbers)} if numbers else {}
    overrides: dict[int, ArticleTaxes] = {}
    for article in articles:
        on_date = on_dates[article.declaration_id]
        attrs = article.attributes or {}
        number = str(attrs.get(ATTR_INVESTMENT_CONVENTION) or "").strip()
        if article.id in splits:
            allocation = splits[article.id]
            overrides[article.id] = _split_taxes(article, allocation.quota, allocation.allocated_kg,
                                                 allocation.out_of_quota_kg, on_date, index)
        elif number in conventions:
            overrides[article.id], _exempted = _convention_taxes(article, conventions[number], on_date, index)
        elif _truthy(attrs.get(ATTR_INVESTMENT_GOODS)):
            overrides[article.id], _exempted = _investment_goods_taxes(article, on_date, index)
    return overrides


# --- follow-up services -------------------------------------------------------------------------

def _clean_and_save(obj):
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def franchise_condition_create(*, franchise_code: str, kind: str, party, reference: str, issued_on: dt.date,
                               declaration=None, valid_to=None, status=FranchiseCondition.Status.GRANTED,
                               description: str = "") -> FranchiseCondition:
    """Record an undertaking, a DGI certificate, an exemption request or a beneficiary status."""
    from tariff.models import FranchiseCode

    franchise = FranchiseCode.objects.filter(code=franchise_code).first()
    if franchise is None:
        raise ExemptionError(f"Code franchise inconnu : {franchise_code}.", field="franchise_code",
                             code="franchise_not_applicable")
    return _clean_and_save(FranchiseCondition(
        franchise=franchise, kind=kind, party=party, declaration=declaration, reference=reference,
        issued_on=issued_on, valid_to=valid_to, status=status, description=description))


@transaction.atomic
def investment_convention_create(*, number: str, party, amount, signed_on: dt.date, valid_from: dt.date,
                                 goods_description: str, valid_to=None,
                                 tariff_prefixes: str = "") -> InvestmentConvention:
    """Record a convention; the threshold of CDII art. 164-1°-p is checked on it (rule EXO1)."""
    amount = to_decimal(amount)
    if not er.convention_meets_threshold(amount=amount, signed_on=signed_on):
        raise ExemptionError(
            f"Le programme d'investissement ({_mad(amount)} MAD) n'atteint pas le seuil de "
            f"{_mad(er.investment_threshold(signed_on))} MAD applicable aux conventions signées le "
            f"{signed_on:%d/%m/%Y} (CDII art. 164-1°-p ; 100 M MAD avant la LF 2022, 50 M MAD depuis).",
            field="amount", code="convention_below_threshold")
    return _clean_and_save(InvestmentConvention(
        number=number, party=party, amount=amount, signed_on=signed_on, valid_from=valid_from, valid_to=valid_to,
        goods_description=goods_description, tariff_prefixes=tariff_prefixes))


@transaction.atomic
def vat_guarantee_create(*, declaration: Declaration, kind: str, reference: str, amount,
                         constituted_on: dt.date) -> VatGuarantee:
    return _clean_and_save(VatGuarantee(declaration=declaration, kind=kind, reference=reference,
                                        amount=to_decimal(amount), constituted_on=constituted_on))


def _guarantee_blockers(guarantee: VatGuarantee, on_date: dt.date) -> list[str]:
    blockers = []
    for asset in ExemptAsset.objects.filter(article__declaration_id=guarantee.declaration_id).select_related("article"):
        if asset.disposed_on is None and asset.keep_until > on_date:
            blockers.append(f"article {asset.article.number} à conserver jusqu'au {asset.keep_until:%d/%m/%Y}")
        elif asset.regularisation_amount and asset.regularisation_settled_on is None:
            blockers.append(f"régularisation de {_mad(asset.regularisation_amount)} MAD non acquittée "
                            f"(article {asset.article.number})")
    return blockers


@transaction.atomic
def vat_guarantee_release(*, guarantee: VatGuarantee, released_on: dt.date) -> VatGuarantee:
    """Release once every asset was kept 60 months or its regularisation paid."""
    # CGI art. 102 and 104-II-2° (LF 2024, circ. 6522/210 §IV-5): the guarantee covers the exempted VAT until then.
    guarantee = VatGuarantee.objects.select_for_update().get(pk=guarantee.pk)
    if guarantee.released_on:
        raise ExemptionError(f"La garantie {guarantee.reference} est déjà levée.", field="released_on",
                             code="guarantee_already_released")
    blockers = _guarantee_blockers(guarantee, released_on)
    if blockers:
        raise ExemptionError(f"Mainlevée de la garantie {guarantee.reference} impossible : {' ; '.join(blockers)}.",
                             field="released_on", code="guarantee_still_needed")
    guarantee.released_on = released_on
    guarantee.full_clean()
    guarantee.save(update_fields=["released_on"])
    return guarantee


@transaction.atomic
def exempt_asset_dispose(*, asset: ExemptAsset, disposed_on: dt.date) -> ExemptAsset:
    """Record a disposal and the regularisation it owes (0 once kept 60 months)."""
    asset = ExemptAsset.objects.select_for_update().get(pk=asset.pk)
    if asset.disposed_on:
        raise ExemptionError(f"Cession déjà enregistrée le {asset.disposed_on:%d/%m/%Y}.", field="disposed_on",
                             code="asset_already_disposed")
    if disposed_on < asset.imported_on:
        raise ExemptionError(f"La date de cession précède l'importation ({asset.imported_on:%d/%m/%Y}).",
                             field="disposed_on", code="disposal_before_import")
    asset.disposed_on = disposed_on
    asset.regularisation_amount = er.regularisation_due(
        exempted_vat=asset.exempted_vat, imported_on=asset.imported_on, disposed_on=disposed_on)
    asset.save(update_fields=["disposed_on", "regularisation_amount"])
    return asset


@transaction.atomic
def exempt_asset_settle(*, asset: ExemptAsset, settled_on: dt.date) -> ExemptAsset:
    asset = ExemptAsset.objects.select_for_update().get(pk=asset.pk)
    if not asset.regularisation_amount:
        raise ExemptionError("Aucune régularisation à acquitter pour ce bien.", field="settled_on",
                             code="nothing_to_settle")
    asset.regularisation_settled_on = settled_on
    asset.save(update_fields=["regularisation_settled_on"])
    return asset


def exempt_asset_schedule(*, asset: ExemptAsset) -> list[er.ScheduleRow]:
    return er.regularisation_schedule(exempted_vat=asset.exempted_vat, imported_on=asset.imported_on)


@transaction.atomic
def warehouse_disposal_create(*, party, goods_description: str, quantity, kind: str, reason_code: str | None,
                              justification: str, requested_on: dt.date, duties_paid_or_guaranteed: bool = False,
                              costs_borne_by_operator: bool = True, declaration=None, unit: str = "kg",
                              completed_on=None, supervision_reference: str = "") -> WarehouseDisposal:
    """Abandonment or destruction of warehoused goods, refused when a condition of CDII
    art. 130-4° is not met (every unmet condition reported)."""
    from tariff.models import WarehouseDisposalReason

    reason = WarehouseDisposalReason.objects.filter(code=reason_code).first() if reason_code else None
    refusals = er.warehouse_disposal_refusals(
        duties_paid_or_guaranteed=duties_paid_or_guaranteed, reason_listed=reason is not None,
        costs_borne_by_operator=costs_borne_by_operator)
    if not (justification or "").strip():
        refusals.append(("justification_missing",
                         "La raison commerciale doit être dûment justifiée (CDII art. 130-4°)."))
    field_of = {"duties_paid_or_guaranteed": "duties_paid_or_guaranteed", "reason_not_listed": "reason",
                "cost_to_treasury": "costs_borne_by_operator", "justification_missing": "justification"}
    _raise_all([ExemptionError(message, field=field_of[code], code=f"warehouse_disposal_{code}")
                for code, message in refusals])
    return _clean_and_save(WarehouseDisposal(
        declaration=declaration, party=party, goods_description=goods_description, quantity=to_decimal(quantity),
        unit=unit, kind=kind, reason=reason, justification=justification,
        duties_paid_or_guaranteed=duties_paid_or_guaranteed, costs_borne_by_operator=costs_borne_by_operator,
        requested_on=requested_on, completed_on=completed_on, supervision_reference=supervision_reference))


# --- "to watch" list (selector) -----------------------------------------------------------------

class FollowUpKind:
    QUOTA = "quota"
    CERTIFICATE = "certificate"
    ASSET = "asset"
    REGULARISATION = "regularisation"
    GUARANTEE = "guarantee"
    CONVENTION = "convention"

    LABELS = {
        QUOTA: "Solde de contingent",
        CERTIFICATE: "Justificatif d'un code franchise arrivant à échéance",
        ASSET: "Bien d'investissement sous la règle des 60 mois",
        REGULARISATION: "Régularisation de TVA à acquitter",
        GUARANTEE: "Garantie non levée",
        CONVENTION: "Convention d'investissement arrivant à échéance",
    }


@dataclass(frozen=True)
class FollowUpItem:
    kind: str
    label: str
    due_on: dt.date | None
    reference: str
    party: str
    amount: Decimal | None
    unit: str
    detail: str
    object_id: int

    @property
    def kind_label(self) -> str:
        return FollowUpKind.LABELS[self.kind]


def follow_up_items(*, today: dt.date, kinds: list[str] | None = None, due_before: dt.date | None = None,
                    party_id: int | None = None) -> list[FollowUpItem]:
    """Everything staff must watch, soonest due first (undated last)."""
    wanted = set(kinds or FollowUpKind.LABELS)
    items: list[FollowUpItem] = []
    if FollowUpKind.QUOTA in wanted and party_id is None:
        items += _quota_items(today)
    if FollowUpKind.CERTIFICATE in wanted:
        items += _certificate_items(today, party_id)
    if wanted & {FollowUpKind.ASSET, FollowUpKind.REGULARISATION}:
        items += [i for i in _asset_items(today, party_id) if i.kind in wanted]
    if FollowUpKind.GUARANTEE in wanted:
        items += _guarantee_items(today, party_id)
    if FollowUpKind.CONVENTION in wanted:
        items += _convention_items(today, party_id)
    if due_before:
        items = [i for i in items if i.due_on is None or i.due_on <= due_before]
    return sorted(items, key=lambda i: (i.due_on is None, i.due_on or dt.date.max, i.kind, i.reference))


def _quota_items(today):
    for quota in Quota.objects.filter(valid_to__gte=today).select_related("franchise").order_by("valid_from"):
        share = (quota.used_kg * 100 / quota.volume_kg).quantize(Decimal("0.1")) if quota.volume_kg else Decimal("0")
        yield FollowUpItem(
            FollowUpKind.QUOTA, f"Contingent {quota.franchise.code} {quota.period_label}", quota.valid_to,
            f"{quota.franchise.code} {quota.period_label}", "", quota.balance_kg, "kg",
            f"{_fmt(quota.used_kg)} kg imputés sur {_fmt(quota.volume_kg)} kg ({_fmt(share)} %) ; solde "
            f"{_fmt(quota.balance_kg)} kg — {quota.franchise.label}", quota.id)


def _certificate_items(today, party_id):
    rows = FranchiseCondition.objects.select_related("party", "franchise", "declaration").filter(
        Q(valid_to__gte=today) | Q(status=FranchiseCondition.Status.PENDING))
    if party_id:
        rows = rows.filter(party_id=party_id)
    for condition in rows:
        pending = condition.status == FranchiseCondition.Status.PENDING
        scope = (f"déclaration {condition.declaration.reference}" if condition.declaration_id
                 else "toutes déclarations")
        detail = (f"code {condition.franchise.code}, {scope} ; "
                  + ("demande en cours d'examen" if pending else f"valable jusqu'au {condition.valid_to:%d/%m/%Y}"))
        yield FollowUpItem(FollowUpKind.CERTIFICATE, condition.get_kind_display(),
                           None if pending else condition.valid_to, condition.reference, condition.party.name, None, "",
                           detail, condition.id)


def _asset_items(today, party_id):
    rows = ExemptAsset.objects.select_related("article__declaration__party", "convention").filter(
        Q(disposed_on__isnull=True, keep_until__gt=today)
        | Q(disposed_on__isnull=False, regularisation_amount__gt=0, regularisation_settled_on__isnull=True))
    if party_id:
        rows = rows.filter(article__declaration__party_id=party_id)
    for asset in rows:
        declaration = asset.article.declaration
        reference = f"{declaration.reference} art. {asset.article.number}"
        if asset.disposed_on is None:
            due_now = er.regularisation_due(exempted_vat=asset.exempted_vat, imported_on=asset.imported_on,
                                            disposed_on=max(today, asset.imported_on))
            months = er.months_started(asset.imported_on, max(today, asset.imported_on))
            yield FollowUpItem(
                FollowUpKind.ASSET, asset.article.description, asset.keep_until, reference, declaration.party.name,
                due_now, "MAD",
                f"TVA exonérée {_mad(asset.exempted_vat)} MAD, importé le {asset.imported_on:%d/%m/%Y} ; "
                f"régularisation en cas de cession aujourd'hui : {_mad(due_now)} MAD ({months} mois entamés sur 60)",
                asset.id)
        else:
            yield FollowUpItem(
                FollowUpKind.REGULARISATION, asset.article.description, asset.disposed_on, reference,
                declaration.party.name, asset.regularisation_amount, "MAD",
                f"cédé le {asset.disposed_on:%d/%m/%Y} ; TVA exonérée {_mad(asset.exempted_vat)} MAD", asset.id)


def _guarantee_items(today, party_id):
    rows = VatGuarantee.objects.select_related("declaration__party").filter(released_on__isnull=True)
    if party_id:
        rows = rows.filter(declaration__party_id=party_id)
    for guarantee in rows:
        assets = list(ExemptAsset.objects.filter(article__declaration_id=guarantee.declaration_id,
                                                 disposed_on__isnull=True))
        release_from = max((a.keep_until for a in assets), default=None)
        detail = (f"{guarantee.get_kind_display()} du {guarantee.constituted_on:%d/%m/%Y}, déclaration "
                  f"{guarantee.declaration.reference} ; "
                  + (f"mainlevée possible à partir du {release_from:%d/%m/%Y}" if release_from
                     else "aucun bien sous la règle des 60 mois : mainlevée à demander"))
        yield FollowUpItem(FollowUpKind.GUARANTEE, f"Garantie {guarantee.reference}", release_from or today,
                           guarantee.reference, guarantee.declaration.party.name, guarantee.amount, "MAD", detail,
                           guarantee.id)


def _convention_items(today, party_id):
    rows = InvestmentConvention.objects.select_related("party").filter(valid_to__gte=today)
    if party_id:
        rows = rows.filter(party_id=party_id)
    for convention in rows:
        yield FollowUpItem(FollowUpKind.CONVENTION, f"Convention {convention.number}", convention.valid_to,
                           convention.number, convention.party.name, convention.amount, "MAD",
                           f"importations couvertes jusqu'au {convention.valid_to:%d/%m/%Y}", convention.id)
