"""Registration checks of the exemptions an article claims, on the registration date; nothing
written. Every unmet condition is reported at once, naming what is missing; the declaration's
one check list (``declarations.services.declaration_checks``) adds them to its own."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from tariff import exemption_rules as er
from tariff.codes import format_tariff_code
from tariff.kit.errors import DomainError
from tariff.kit.money import LOCAL_CURRENCY
from tariff.kit.numbers import format_amount, format_plain
from tariff.laws import LF_2022, LF_2024
from tariff.models import Quota, SchoolSupplyItem
from tariff.selectors import TariffIndex, finance_law, get_tariff_index, law_in_force_from

from ..models import Article, Declaration, FranchiseCondition, InvestmentConvention
from .claims import (
    ATTR_SCHOOL_SUPPLY_ITEM,
    ATTR_SCHOOL_SUPPLY_MATERIAL,
    ATTR_TRANSITIONAL_CLAUSE,
    FM6SS,
    MINIMUM_DUTY,
    SCHOOL_SUPPLIES,
    SOLAR_PANEL_INPUTS,
    ExemptionError,
    allows_partial_quota,
    article_field,
    claims_investment_goods,
    convention_number,
    truthy,
)


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
        _transitional_clause(article, on_date, index, result)
        _investment_claims(declaration, article, franchise, code in quota_codes, on_date, result)
    return result


def _franchise_in_force(article, code: str, on_date: dt.date, index: TariffIndex):
    franchise = index.franchise(code)
    field_name = article_field(article, "franchise_code")
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
    is_material = truthy(attrs.get(ATTR_SCHOOL_SUPPLY_MATERIAL))
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
        field=article_field(article, "franchise_code"), code="franchise_condition_missing", params={"missing": missing})


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
        field=article_field(article, "franchise_code"), code="franchise_condition_missing", params={"missing": missing})


def _minimum_duty_error(article, on_date: dt.date, conditions: _Conditions, index) -> DomainError | None:
    # CDII art. 164 bis-1°-j (LF 2024, circ. 6522/210 §I.3): code 0164, the Foundation listed from the LF 2024 date.
    lf_2024_from = law_in_force_from(LF_2024)
    missing = er.minimum_duty_missing_condition(held=conditions.held.get(MINIMUM_DUTY, set()),
                                                fm6ss_listed=on_date >= lf_2024_from)
    if missing is None:
        return None
    if missing == er.FM6SS_NOT_YET_LISTED:
        message = (f"ne vaut pour la Fondation Mohammed VI des Sciences et de la Santé qu'à compter du "
                   f"{lf_2024_from:%d/%m/%Y} ({finance_law(LF_2024, index=index)}, qui l'ajoute à l'article "
                   "164 bis-1°-j du CDII)")
    else:
        message = ("exige que l'importateur justifie sa qualité de bénéficiaire : organisme à but non lucratif visé "
                   "à l'article 164 bis-1°-j du CDII ou Fondation Mohammed VI des Sciences et de la Santé"
                   f"{_lapsed_hint(conditions, MINIMUM_DUTY, missing, on_date)}")
    return ExemptionError(
        f"Article {article.number} : le code franchise {MINIMUM_DUTY} {message} (circ. 6522/210 §I.3).",
        field=article_field(article, "franchise_code"), code="franchise_condition_missing", params={"missing": missing})


def _solar_panel_inputs_error(article, on_date: dt.date, conditions: _Conditions, index) -> DomainError | None:
    # CGI art. 123-59° (LF 2022, circ. 6255/210 §V): code 2059, inputs imported by panel manufacturers.
    missing = er.solar_panel_inputs_missing_condition(held=conditions.held.get(SOLAR_PANEL_INPUTS, set()))
    if missing is None:
        return None
    return ExemptionError(
        f"Article {article.number} : le code franchise {SOLAR_PANEL_INPUTS} exige la {er.CONDITION_LABELS[missing]}"
        f"{_lapsed_hint(conditions, SOLAR_PANEL_INPUTS, missing, on_date)} (CGI art. 123-59°, circ. 6255/210 §V).",
        field=article_field(article, "franchise_code"), code="franchise_condition_missing", params={"missing": missing})


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
            f"franchise {code} (LF 2024 art. 5 bis).", field=article_field(article, "net_mass_kg"),
            code="quota_net_mass_missing"))
        return
    quota = Quota.objects.as_of(on_date).filter(franchise__code=code).first()
    if quota is None:
        result.errors.append(ExemptionError(
            f"Article {article.number} : aucun contingent du code franchise {code} n'est ouvert le "
            f"{on_date:%d/%m/%Y}.", field=article_field(article, "franchise_code"), code="quota_not_open"))
        return
    planned[quota.id] += article.net_mass_kg
    if planned[quota.id] > quota.balance_kg:
        partial = allows_partial_quota(article)
        outcome = ("la part dépassant le solde sera taxée au taux normal" if partial
                   else "la liquidation sera refusée si le solde reste insuffisant (imputation partielle refusée)")
        result.warnings.append(
            f"Article {article.number} : solde du contingent {code} {quota.period_label} : "
            f"{format_plain(quota.balance_kg)} kg, cette déclaration en demande {format_plain(planned[quota.id])} kg ; "
            f"{outcome} "
            "à la liquidation (LF 2024 art. 5 bis).")


def _transitional_clause(article, on_date, index: TariffIndex, result: RegistrationChecks) -> None:
    if not truthy((article.attributes or {}).get(ATTR_TRANSITIONAL_CLAUSE)):
        return
    categories = index.excise_categories_for(article.tariff_line.code)
    alcoholic = any(c.code in er.ALCOHOL_EXCISE_CATEGORIES for c in categories)
    lf_2024_from = law_in_force_from(LF_2024)
    if er.transitional_clause_refused(is_alcoholic_beverage=alcoholic, on_date=on_date, lf_2024_from=lf_2024_from):
        result.errors.append(ExemptionError(
            f"Article {article.number} : la clause transitoire de l'article 13 du CDII ne s'applique pas aux "
            f"importations de boissons alcoolisées réalisées à compter du {lf_2024_from:%d/%m/%Y} (LF 2024 art. 5-IV, "
            f"circ. 6522/210 §III.2) : les quotités de TIC en vigueur le {on_date:%d/%m/%Y} s'appliquent.",
            field=article_field(article, "attributes"), code="transitional_clause_refused"))


def _investment_claims(declaration, article, franchise, quota_code: bool, on_date, result) -> None:
    number = convention_number(article)
    goods = claims_investment_goods(article)
    if not number and not goods:
        return
    field_name = article_field(article, "attributes")
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
            field=article_field(article, "is_equipment"), code="capital_goods_only"))
    if number:
        _convention_errors(declaration, article, number, franchise, on_date, result)
        return
    if quota_code or (franchise is not None and franchise.tax == franchise.Tax.VAT):
        result.errors.append(ExemptionError(
            f"Article {article.number} : l'exonération de TVA des biens d'investissement ne se cumule pas avec le "
            f"code franchise {franchise.code}.", field=article_field(article, "franchise_code"),
            code="exemption_claims_conflict"))
    if er.guarantee_required(imported_on=on_date, under_convention=False,
                             lf_2024_from=law_in_force_from(LF_2024)) and not (
            declaration.pk and declaration.vat_guarantees.filter(released_on__isnull=True).exists()):
        result.errors.append(ExemptionError(
            f"Article {article.number} : l'exonération de TVA des biens d'investissement exige des garanties réelles "
            "couvrant la TVA à exonérer (LF 2024 art. 6, circ. 6522/210 §IV-5-2) ; aucune garantie n'est "
            "enregistrée pour cette déclaration.", field="vat_guarantees", code="vat_guarantee_missing"))


def _convention_errors(declaration, article, number, franchise, on_date, result) -> None:
    # CDII art. 164-1°-p, CGI art. 123-22°-b (LF 2022, circ. 6255/210 §I.7 and §V).
    field_name = article_field(article, "attributes")
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
        lf_2022_from = law_in_force_from(LF_2022)
        if not er.convention_meets_threshold(amount=convention.amount, signed_on=convention.signed_on,
                                             lf_2022_from=lf_2022_from):
            threshold = er.investment_threshold(convention.signed_on, lf_2022_from=lf_2022_from)
            problems.append(("convention_below_threshold",
                             f"le programme de la convention {number} "
                             f"({format_amount(convention.amount, LOCAL_CURRENCY)}) n'atteint pas le "
                             f"seuil de {format_amount(threshold, LOCAL_CURRENCY)}"))
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
