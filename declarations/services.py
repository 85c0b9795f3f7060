"""Declaration services: create, register (valuation + blocking checks + ETPP
imputation), liquidate and re-liquidate through the tariff engine."""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import F, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from tariff.codes import normalize_tariff_code
from tariff.kit.errors import DomainError, raise_all
from tariff.kit.money import LOCAL_CURRENCY, allocate, quantize_money, to_decimal
from tariff.models import TariffLine
from tariff.selectors import get_tariff_index
from tariff.services import (
    TAX_DI,
    TAX_TIC,
    TAX_VAT,
    convert_to_mad,
    exchange_rate_in_force,
    exchange_rate_warnings,
)

from . import rules, selectors, sql
from .characteristics import article_characteristics_clean, registration_characteristics_errors
from .duties import ArticleRow, ArticleTaxes, DeclarationError, declaration_compute_duties, tax_totals
from .exemptions.checks import registration_checks
from .exemptions.plan import liquidation_plan
from .exemptions.reliquidation import reliquidation_overrides
from .models import (
    ETPP_DELIVERY_DAYS,
    AnnexedDocument,
    Article,
    Declaration,
    DeclarationGroup,
    DeclarationPayment,
    DeclarationRelease,
    EtppAuthorisation,
    EtppAuthorisationItem,
    EtppImputation,
    Liquidation,
    LiquidationLine,
    Party,
    ProcedureCode,
)
from .offence_fines import MISSING_DOCUMENTS_OFFENCE, offence_fine


class InvalidTransition(DeclarationError):
    code = "invalid_status"


# --- create -----------------------------------------------------------------------------------

ARTICLE_FIELDS = (
    "origin_country", "description", "invoiced_value", "quantity", "unit", "net_mass_kg", "franchise_code",
    "attributes", "is_equipment",
)


@transaction.atomic
def declaration_create(
    *,
    reference: str,
    customs_office: str,
    procedure: ProcedureCode,
    party: Party,
    invoice_currency: str,
    invoice_total,
    articles: list[dict],
    declarant=None,
    freight_amount=None,
    freight_currency: str = LOCAL_CURRENCY,
    freight_included: bool = False,
    insurance_amount=None,
    insurance_currency: str = LOCAL_CURRENCY,
    insurance_included: bool = False,
    other_costs_amount=Decimal("0"),
    other_costs_currency: str = LOCAL_CURRENCY,
    other_costs_included: bool = False,
    group: DeclarationGroup | None = None,
    etpp_authorisation: EtppAuthorisation | None = None,
    documents: list[dict] = (),
) -> Declaration:
    """A draft declaration with its articles (and annexed documents), all or nothing."""
    declaration = Declaration(
        reference=reference, customs_office=customs_office, procedure=procedure, party=party, declarant=declarant,
        invoice_currency=invoice_currency, invoice_total=invoice_total, freight_amount=freight_amount,
        freight_currency=freight_currency, freight_included=freight_included, insurance_amount=insurance_amount,
        insurance_currency=insurance_currency, insurance_included=insurance_included,
        other_costs_amount=other_costs_amount, other_costs_currency=other_costs_currency,
        other_costs_included=other_costs_included, group=group, etpp_authorisation=etpp_authorisation,
    )
    declaration.full_clean()
    declaration.save()
    _create_articles(declaration, articles)
    for doc in documents:
        document = AnnexedDocument(declaration=declaration, **doc)
        document.full_clean(exclude=["declaration"])
        document.save()
    return declaration


HEADER_FIELDS = (
    "reference", "customs_office", "procedure", "party", "invoice_currency", "invoice_total", "freight_amount",
    "freight_currency", "freight_included", "insurance_amount", "insurance_currency", "insurance_included",
    "other_costs_amount", "other_costs_currency", "other_costs_included", "group", "etpp_authorisation",
)


@transaction.atomic
def declaration_update_draft(*, declaration: Declaration, articles: list[dict], documents: list[dict] | None = None,
                             **header) -> Declaration:
    """Edit a draft: header fields, and its articles replaced by ``articles`` (renumbered);
    ``documents`` (kind, reference) replace the annexed documents, a document kept with the
    same kind and reference keeping its file. All or nothing; a registered declaration is
    no longer edited (its registration date fixed the rates: CDII art. 15)."""
    declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if declaration.status != Declaration.Status.DRAFT:
        raise InvalidTransition("Seul un brouillon peut être modifié.", field="status")
    unknown = set(header) - set(HEADER_FIELDS)
    if unknown:
        raise DeclarationError(f"Champs non modifiables : {', '.join(sorted(unknown))}.", field=sorted(unknown)[0])
    for name, value in header.items():
        setattr(declaration, name, value)
    declaration.full_clean()
    declaration.save()
    declaration.articles.all().delete()
    _create_articles(declaration, articles)
    if documents is not None:
        kept = {(d.kind, d.reference): d for d in declaration.documents.all()}
        wanted = {(doc["kind"], doc["reference"]) for doc in documents}
        declaration.documents.exclude(pk__in=[d.pk for key, d in kept.items() if key in wanted]).delete()
        for doc in documents:
            if (doc["kind"], doc["reference"]) not in kept:
                document = AnnexedDocument(declaration=declaration, **doc)
                document.full_clean(exclude=["declaration"])
                document.save()
    return declaration


def _create_articles(declaration: Declaration, articles: list[dict]) -> None:
    codes = {}
    for i, data in enumerate(articles):
        try:
            codes[i] = normalize_tariff_code(data.get("tariff_code", ""), field=f"articles[{i}].tariff_code")
        except DomainError as exc:
            raise DeclarationError(f"Article {i + 1} : {exc.message}", field=exc.field, code=exc.code) from exc
    lines = {line.code: line for line in TariffLine.objects.filter(code__in=codes.values())}
    objs = []
    for i, data in enumerate(articles):
        line = lines.get(codes[i])
        if line is None:
            raise DeclarationError(
                f"Article {i + 1} : position tarifaire inconnue {data['tariff_code']}.",
                field=f"articles[{i}].tariff_code", code="unknown_tariff_line",
            )
        attributes = article_characteristics_clean(  # types, bounds, and what the line's TIC needs (issue 16)
            number=i + 1, tariff_code=line.code, attributes=data.get("attributes"), net_mass_kg=data.get("net_mass_kg"),
            on_date=timezone.localdate(), liquidates_duties=rules.procedure_duties(declaration.procedure).computes_duties)
        article = Article(
            declaration=declaration, number=i + 1, tariff_line=line,
            **{k: data[k] for k in ARTICLE_FIELDS if k in data and data[k] is not None and k != "attributes"},
            attributes=attributes,
        )
        article.full_clean(exclude=["declaration"])
        objs.append(article)
    Article.objects.bulk_create(objs)


# --- valuation (circ. 6336/400) ---------------------------------------------------------------

def _mad(amount, currency: str, on_date: dt.date) -> Decimal:
    return quantize_money(convert_to_mad(amount=amount, currency=currency, on_date=on_date))


def declaration_group_share(*, declaration: Declaration, on_date: dt.date) -> Decimal:
    """This declaration's part of its group's common elements, in proportion to the
    invoiced values (MAD) of all declarations of the group (circ. 6336/400)."""
    group = declaration.group
    if group is None or not group.common_costs:
        return Decimal("0")
    members = list(group.declarations.order_by("id"))
    weights = []
    for member in members:
        rate_date = member.registered_on or on_date
        weights.append(_mad(member.invoice_total, member.invoice_currency, rate_date))
    shares = allocate(group.common_costs, weights)
    return shares[[m.id for m in members].index(declaration.id)]


def declaration_valuation(*, declaration: Declaration, articles: list[Article], on_date: dt.date) -> rules.Valuation:
    invoice_mad = _mad(declaration.invoice_total, declaration.invoice_currency, on_date)
    additions = []
    if declaration.freight_amount and not declaration.freight_included:
        additions.append(_mad(declaration.freight_amount, declaration.freight_currency, on_date))
    if declaration.insurance_amount and not declaration.insurance_included:
        additions.append(_mad(declaration.insurance_amount, declaration.insurance_currency, on_date))
    if declaration.other_costs_amount and not declaration.other_costs_included:
        additions.append(_mad(declaration.other_costs_amount, declaration.other_costs_currency, on_date))
    additions.append(declaration_group_share(declaration=declaration, on_date=on_date))
    declared = rules.declared_value_mad(invoice_total_mad=invoice_mad, additions_mad=additions)
    return rules.allocate_customs_values(
        declared_value=declared, invoice_total=declaration.invoice_total,
        article_invoiced_values=[a.invoiced_value for a in articles],
    )


# --- registration -----------------------------------------------------------------------------

@dataclass
class RegistrationResult:
    declaration: Declaration
    warnings: list[str] = field(default_factory=list)


@transaction.atomic
def declaration_register(*, declaration: Declaration, user=None, on_date: dt.date | None = None) -> RegistrationResult:
    """Blocking checks, customs value of each article, ETPP quantities imputed; the
    registration date fixes the rates that apply."""
    declaration = Declaration.objects.select_for_update(of=("self",)).select_related(
        "procedure", "etpp_authorisation", "group").get(pk=declaration.pk)
    if declaration.status != Declaration.Status.DRAFT:
        raise InvalidTransition("Seule une déclaration en brouillon peut être enregistrée.", field="status")
    on_date = on_date or timezone.localdate()
    articles = list(declaration.articles.select_related("tariff_line").order_by("number"))
    checks = declaration_checks(declaration=declaration, articles=articles, on_date=on_date)
    raise_all(checks.errors)
    valuation = declaration_valuation(declaration=declaration, articles=articles, on_date=on_date)
    for article, value in zip(articles, valuation.article_values):
        article.customs_value = value
    Article.objects.bulk_update(articles, ["customs_value"])
    _impute_etpp(declaration, articles)
    declaration.exchange_rate = (Decimal("1") if declaration.invoice_currency == LOCAL_CURRENCY else exchange_rate_in_force(
        currency=declaration.invoice_currency, on_date=on_date, field="invoice_currency").rate)
    declaration.declared_value_mad = valuation.declared_value_mad
    declaration.allocation_coefficient = valuation.coefficient
    declaration.registered_on = on_date
    declaration.status = Declaration.Status.REGISTERED
    declaration.save(update_fields=[
        "exchange_rate", "declared_value_mad", "allocation_coefficient", "registered_on", "status", "updated_at"])
    return RegistrationResult(declaration, checks.warnings)


@dataclass(frozen=True)
class DeclarationChecks:
    errors: list[DomainError]
    warnings: list[str]


def declaration_checks(*, declaration: Declaration, articles: list[Article], on_date: dt.date,
                       document_kinds: set[str] | None = None) -> DeclarationChecks:
    """The one check list of a declaration on ``on_date``: what blocks registration (cost
    fields, invoice total, ETPP authorisation, TIC characteristics, exemption claims) and what it warns of (missing
    documents, sample exchange rates). Registration raises the errors; the preview shows both.
    ``document_kinds``: the annexed documents of an unsaved declaration (preview of a form)."""
    claims = registration_checks(declaration=declaration, articles=articles, on_date=on_date)
    errors = (rules.check_cost_fields_filled(declaration)
              + rules.check_invoice_matches_articles(declaration, articles)
              + rules.check_etpp_authorisation(declaration, articles, on_date)
              + registration_characteristics_errors(articles=articles, on_date=on_date,
                                                    liquidates_duties=rules.procedure_duties(
                                                        declaration.procedure).computes_duties)
              + claims.errors)
    if document_kinds is None:
        document_kinds = {d.kind for d in declaration.documents.all()} if declaration.pk else set()
    currencies = {declaration.invoice_currency} | {
        currency for amount, currency in (
            (declaration.freight_amount, declaration.freight_currency),
            (declaration.insurance_amount, declaration.insurance_currency),
            (declaration.other_costs_amount, declaration.other_costs_currency)) if amount}
    missing = rules.missing_document_kinds(declaration, articles, present=document_kinds)
    article, paragraph = MISSING_DOCUMENTS_OFFENCE
    fine = offence_fine(article=article, paragraph=paragraph, on_date=on_date) if missing else None
    warnings = (rules.missing_document_warnings(missing, fine=fine)
                + claims.warnings + exchange_rate_warnings(currencies=currencies, on_date=on_date))
    return DeclarationChecks(errors, warnings)


def _impute_etpp(declaration: Declaration, articles: list[Article]) -> None:
    """Quantities used are imputed on the authorisation; over-use is refused (row lock)."""
    goods = [a for a in articles if not a.is_equipment]
    if not declaration.procedure.is_etpp or not goods:
        return
    items = list(EtppAuthorisationItem.objects.select_for_update().filter(authorisation=declaration.etpp_authorisation))
    errors = []
    for article in goods:
        item = rules.etpp_item_for(article, items)
        if item is None:
            errors.append(rules.RegistrationRefused(
                f"Article {article.number} : la position {article.tariff_line.dotted_code} n'est pas couverte par "
                f"l'autorisation ETPP {declaration.etpp_authorisation.number}.",
                field=f"articles[{article.number - 1}].tariff_code", code="etpp_goods_not_covered"))
            continue
        if article.quantity > item.quantity_left:
            errors.append(rules.RegistrationRefused(
                f"Article {article.number} : quantité {article.quantity} supérieure au solde autorisé "
                f"{item.quantity_left} {item.unit} (autorisation {declaration.etpp_authorisation.number}).",
                field=f"articles[{article.number - 1}].quantity", code="etpp_quantity_exceeded"))
            continue
        item.quantity_used += article.quantity
        EtppImputation.objects.create(item=item, article=article, quantity=article.quantity)
    raise_all(errors)
    EtppAuthorisationItem.objects.bulk_update(items, ["quantity_used"])


# --- liquidation ------------------------------------------------------------------------------

def _new_liquidation(*, declaration, computed: list[ArticleTaxes], on_date, user, reason, sequence, version,
                     exchange_rate_row_id=None) -> Liquidation:
    di, tic, vat = tax_totals(computed)
    return Liquidation(
        declaration=declaration, sequence=sequence, on_date=on_date, reason=reason, created_by=user,
        reference_version=version, total_di=di, total_tic=tic, total_vat=vat, total=di + tic + vat,
        exchange_rate_row_id=exchange_rate_row_id,
    )


def _insert_lines(liquidations: list[tuple[Liquidation, list[ArticleTaxes]]]) -> None:
    """Write liquidation lines as plain rows (``declarations.sql.insert_liquidation_lines``)."""
    sql.insert_liquidation_lines([
        (liq.pk, item.article.id, line.tax, line.base, line.base_unit, line.rate, line.rate_unit, line.amount,
         line.law_id, line.detail[:500])
        for liq, computed in liquidations
        for item in computed
        for line in item.lines
    ])


@transaction.atomic
def declaration_liquidate(*, declaration: Declaration, user=None) -> Liquidation:
    """Liquidate a registered declaration with the rates in force on its registration date."""
    declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if declaration.status != Declaration.Status.REGISTERED:
        raise InvalidTransition("Seule une déclaration enregistrée peut être liquidée.", field="status")
    articles = list(declaration.articles.select_related("tariff_line").order_by("number"))
    index = get_tariff_index()
    treatment = rules.procedure_duties(declaration.procedure)
    if not treatment.payable:
        return _liquidate_without_duties(declaration=declaration, articles=articles, treatment=treatment,
                                         index=index, user=user)
    plan = liquidation_plan(declaration=declaration, articles=articles, index=index)
    computed = declaration_compute_duties(
        declaration=declaration, articles=plan.standard_articles(articles), on_date=declaration.registered_on,
        index=index)
    computed = plan.merge(articles, computed)
    liquidation = _new_liquidation(
        declaration=declaration, computed=computed, on_date=declaration.registered_on, user=user,
        reason="Liquidation initiale", sequence=1, version=index.version,
    )
    liquidation.exchange_rate_row = _invoice_rate(declaration, index)
    liquidation.save()
    _insert_lines([(liquidation, computed)])
    plan.record(liquidation)
    declaration.status = Declaration.Status.LIQUIDATED
    declaration.save(update_fields=["status", "updated_at"])
    return liquidation


def _invoice_rate(declaration: Declaration, index):
    if declaration.invoice_currency == LOCAL_CURRENCY:
        return None
    return exchange_rate_in_force(currency=declaration.invoice_currency, on_date=declaration.registered_on,
                                  index=index, field="invoice_currency")


def _liquidate_without_duties(*, declaration: Declaration, articles: list[Article], treatment: rules.ProcedureDuties,
                              index, user) -> Liquidation:
    """Export and suspensive régimes: nothing payable, the reason recorded; where the régime
    needs a guarantee, the suspended duties computed (at the rates of the registration date) as
    the amount it must cover. No quota is consumed and no exemption is recorded."""
    guarantee = None
    if treatment.guarantee:
        computed = declaration_compute_duties(declaration=declaration, articles=articles,
                                              on_date=declaration.registered_on, index=index)
        guarantee = sum(tax_totals(computed), Decimal("0.00"))
    liquidation = _new_liquidation(
        declaration=declaration, computed=[], on_date=declaration.registered_on, user=user,
        reason="Liquidation initiale", sequence=1, version=index.version)
    liquidation.duties_note, liquidation.guarantee_amount = treatment.note, guarantee
    liquidation.exchange_rate_row = _invoice_rate(declaration, index)
    liquidation.save()
    declaration.status = Declaration.Status.LIQUIDATED
    declaration.save(update_fields=["status", "updated_at"])
    return liquidation


ZERO_DELTA = {TAX_DI: Decimal("0"), TAX_TIC: Decimal("0"), TAX_VAT: Decimal("0"), "total": Decimal("0")}


@dataclass(frozen=True)
class ReliquidationResult:
    declaration: Declaration
    previous: Liquidation
    current: Liquidation | None  # None when nothing changed
    delta: dict[str, Decimal]
    error: DomainError | None = None
    articles: int = 0


@dataclass(frozen=True)
class ReliquidationPlan:
    """What re-liquidating one declaration would give, nothing written: the duties computed with
    the index (``computed``), or the error that stops it; ``changed`` when an amount or a law
    differs from the current liquidation (``previous``)."""

    declaration: Declaration
    previous: Liquidation
    computed: list[ArticleTaxes] | None
    changed: bool
    error: DomainError | None = None
    articles: int = 0

    @property
    def delta(self) -> dict[str, Decimal]:
        if not self.changed:
            return ZERO_DELTA
        di, tic, vat = tax_totals(self.computed)
        prev = self.previous
        return {TAX_DI: di - prev.total_di, TAX_TIC: tic - prev.total_tic, TAX_VAT: vat - prev.total_vat,
                "total": (di + tic + vat) - prev.total}


def reliquidation_plans(*, declarations: list[Declaration], index=None,
                        only_if_changed: bool = True) -> list[ReliquidationPlan]:
    """The duties of liquidated declarations computed again, in bulk and read-only: one query
    each for articles, current liquidations and (where the totals are equal) their lines. Used
    by the re-liquidation (which then stores the changed ones) and by the what-if simulation."""
    index = index or get_tariff_index()
    if not declarations:
        return []
    by_id = {d.id: d for d in declarations}
    articles: dict[int, list[ArticleRow]] = {d.id: [] for d in declarations}
    # Attributes read as text and decoded only when not empty: most articles have none,
    # and decoding hundreds of thousands of "{}" is a measurable share of a run.
    for values in (Article.objects.filter(declaration_id__in=by_id).order_by("declaration_id", "number")
                   .annotate(attributes_text=Cast("attributes", TextField()))
                   .values_list(*ArticleRow.FIELDS[:-1], "attributes_text")):
        text = values[-1]
        row = ArticleRow(*values[:-1], attributes=json.loads(text) if text and text not in ("{}", "null") else {})
        articles[row.declaration_id].append(row)
    previous = {liq.declaration_id: liq for liq in Liquidation.objects.filter(declaration_id__in=by_id, is_current=True)}

    overrides = reliquidation_overrides(
        articles=[row for rows in articles.values() for row in rows],
        on_dates={d.id: d.registered_on for d in declarations}, index=index)
    plans, candidates = [], []
    for declaration in declarations:
        prev = previous[declaration.id]
        arts = articles[declaration.id]
        try:
            plain = declaration_compute_duties(
                declaration=declaration, articles=[a for a in arts if a.id not in overrides],
                on_date=declaration.registered_on, index=index)
            by_article = {item.article.id: item for item in plain}
            computed = [overrides.get(a.id) or by_article[a.id] for a in arts]
        except DomainError as exc:
            plans.append(ReliquidationPlan(declaration, prev, None, False, exc, len(arts)))
            continue
        candidates.append((declaration, prev, computed, len(arts)))

    # Different totals prove a change; only where the totals are equal are the lines compared
    # one by one (amounts may have moved between articles, or a law replaced another).
    same_totals = {prev.id for _d, prev, computed, _n in candidates
                   if only_if_changed and tax_totals(computed) == (prev.total_di, prev.total_tic, prev.total_vat)}
    old_lines: dict[int, list] = {liq_id: [] for liq_id in same_totals}
    if same_totals:
        for liq_id, article_id, tax, amount, law_id in LiquidationLine.objects.filter(
                liquidation_id__in=same_totals).values_list("liquidation_id", "article_id", "tax", "amount", "law_id"):
            old_lines[liq_id].append((article_id, tax, amount, law_id))  # Decimal equality ignores the exponent
    for declaration, prev, computed, n in candidates:
        unchanged = prev.id in same_totals and sorted(old_lines[prev.id]) == sorted(
            (item.article.id, line.tax, line.amount, line.law_id) for item in computed for line in item.lines)
        plans.append(ReliquidationPlan(declaration, prev, computed, not unchanged, None, n))
    return plans


def reliquidate_declarations(*, declarations: list[Declaration], reason: str, user=None, index=None,
                             only_if_changed: bool = True) -> list[ReliquidationResult]:
    """Re-liquidate liquidated declarations in bulk (caller holds the row locks and the
    transaction): the plans of ``reliquidation_plans``, then bulk writes. A new liquidation is
    added only where an amount or a law changed; previous liquidations are kept
    (``is_current=False``)."""
    index = index or get_tariff_index()
    results, to_store = [], []
    for plan in reliquidation_plans(declarations=declarations, index=index, only_if_changed=only_if_changed):
        if plan.error or not plan.changed:
            results.append(ReliquidationResult(plan.declaration, plan.previous, None, ZERO_DELTA, plan.error,
                                               plan.articles))
        else:
            to_store.append((plan.declaration, plan.previous, plan.computed, plan.articles))

    if to_store:
        Liquidation.objects.filter(pk__in=[prev.pk for _d, prev, _c, _n in to_store]).update(is_current=False)
        new_liquidations = [
            _new_liquidation(declaration=d, computed=c, on_date=d.registered_on, user=user, reason=reason,
                             sequence=prev.sequence + 1, version=index.version,
                             exchange_rate_row_id=prev.exchange_rate_row_id)
            for d, prev, c, _n in to_store
        ]
        Liquidation.objects.bulk_create(new_liquidations)
        # update() and bulk_create() send no signals: the audit history of both is written here.
        superseded = [prev for _d, prev, _c, _n in to_store]
        for prev in superseded:
            prev.is_current = False
        Liquidation.history.bulk_history_create(superseded, update=True, default_user=user,
                                                default_change_reason=reason[:100])
        Liquidation.history.bulk_history_create(new_liquidations, default_user=user,
                                                default_change_reason=reason[:100])
        _insert_lines([(liq, c) for liq, (_d, _p, c, _n) in zip(new_liquidations, to_store)])
        for liq, (d, prev, _c, n) in zip(new_liquidations, to_store):
            delta = {
                TAX_DI: liq.total_di - prev.total_di, TAX_TIC: liq.total_tic - prev.total_tic,
                TAX_VAT: liq.total_vat - prev.total_vat, "total": liq.total - prev.total,
            }
            results.append(ReliquidationResult(d, prev, liq, delta, None, n))
    return results


@transaction.atomic
def declaration_reliquidate(*, declaration: Declaration, user=None, reason: str, only_if_changed: bool = True) -> ReliquidationResult:
    """Explicit, audited re-liquidation of a liquidated (not yet paid) declaration: a new
    liquidation is added, the previous one is kept. Idempotent when nothing changed."""
    declaration = Declaration.objects.select_for_update().select_related("procedure").get(pk=declaration.pk)
    if declaration.status != Declaration.Status.LIQUIDATED:
        raise InvalidTransition("Seule une déclaration liquidée et non payée peut être reliquidée.", field="status")
    treatment = rules.procedure_duties(declaration.procedure)
    if not treatment.payable:
        raise InvalidTransition(f"{treatment.note} Rien à reliquider.", field="status", code="procedure_owes_no_duties")
    [result] = reliquidate_declarations(
        declarations=[declaration], reason=reason, user=user, only_if_changed=only_if_changed)
    if result.error:
        raise result.error
    return result


def payment_refusals(*, declaration: Declaration, paid_on: dt.date, amount, today: dt.date | None = None
                     ) -> list[DomainError]:
    """Why a payment of ``amount`` on ``paid_on`` would be refused (none: it can be recorded)."""
    if declaration.status != Declaration.Status.LIQUIDATED:
        return [InvalidTransition("Seule une déclaration liquidée et non payée peut recevoir un paiement.",
                                  field="status")]
    liquidation = declaration.liquidations.get(is_current=True)
    return rules.check_payment(liquidation=liquidation, paid_on=paid_on, amount=to_decimal(amount),
                               today=today or timezone.localdate())


def release_refusals(*, declaration: Declaration, released_on: dt.date, today: dt.date | None = None
                     ) -> list[DomainError]:
    """Why a release on ``released_on`` would be refused (none: it can be recorded)."""
    return rules.check_release(
        declaration=declaration, liquidation=declaration.liquidations.filter(is_current=True).first(),
        payment=DeclarationPayment.objects.filter(declaration=declaration).first(), released_on=released_on,
        today=today or timezone.localdate())


@transaction.atomic
def declaration_record_payment(*, declaration: Declaration, paid_on: dt.date, amount, means: str, reference: str,
                               user=None, today: dt.date | None = None) -> DeclarationPayment:
    """Record the payment of the liquidation in force (liquidated → paid). The amount must be
    the liquidation's total; a paid declaration is no longer re-liquidated."""
    declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
    raise_all(payment_refusals(declaration=declaration, paid_on=paid_on, amount=amount, today=today))
    payment = DeclarationPayment(declaration=declaration, liquidation=declaration.liquidations.get(is_current=True),
                                 paid_on=paid_on, amount=quantize_money(to_decimal(amount)), means=means,
                                 reference=reference.strip(), recorded_by=user)
    payment.full_clean()
    payment.save()
    declaration.status = Declaration.Status.PAID
    declaration.save(update_fields=["status", "updated_at"])
    return payment


@transaction.atomic
def declaration_record_release(*, declaration: Declaration, released_on: dt.date, reference: str, user=None,
                               today: dt.date | None = None) -> DeclarationRelease:
    """Record the release of the goods (mainlevée): paid → cleared, or liquidated → cleared
    when the liquidation leaves nothing to pay (export, suspension, full exemption)."""
    declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
    raise_all(release_refusals(declaration=declaration, released_on=released_on, today=today))
    release = DeclarationRelease(declaration=declaration, released_on=released_on, reference=reference.strip(),
                                 recorded_by=user)
    release.full_clean()
    release.save()
    declaration.status = Declaration.Status.CLEARED
    declaration.save(update_fields=["status", "updated_at"])
    return release


@transaction.atomic
def declaration_cancel(*, declaration: Declaration) -> Declaration:
    """Cancel a draft or registered declaration; ETPP quantities it imputed are released."""
    declaration = Declaration.objects.select_for_update().get(pk=declaration.pk)
    if declaration.status not in (Declaration.Status.DRAFT, Declaration.Status.REGISTERED):
        raise InvalidTransition("Une déclaration liquidée ou payée ne peut pas être annulée.", field="status")
    for imputation in EtppImputation.objects.select_for_update().filter(article__declaration=declaration):
        EtppAuthorisationItem.objects.filter(pk=imputation.item_id).update(
            quantity_used=F("quantity_used") - imputation.quantity)
        imputation.delete()
    declaration.status = Declaration.Status.CANCELLED
    declaration.save(update_fields=["status", "updated_at"])
    return declaration


# --- ETPP authorisations ----------------------------------------------------------------------

@transaction.atomic
def etpp_authorisation_create(*, number: str, department: str, exporter: Party, requested_on: dt.date,
                              items: list[dict], channel: str = EtppAuthorisation.Channel.PORTNET,
                              precious_metals: bool = False, issued_on=None, valid_from=None,
                              valid_to=None) -> EtppAuthorisation:
    auth = EtppAuthorisation(
        number=number, department=department, exporter=exporter, requested_on=requested_on, channel=channel,
        precious_metals=precious_metals, issued_on=issued_on, valid_from=valid_from, valid_to=valid_to,
    )
    auth.full_clean()
    auth.save()
    for i, data in enumerate(items):
        code = normalize_tariff_code(data.get("tariff_code", ""), field=f"items[{i}].tariff_code")
        line = TariffLine.objects.filter(code=code).first()
        if line is None:
            raise DeclarationError(f"Position tarifaire inconnue {data['tariff_code']}.",
                                   field=f"items[{i}].tariff_code", code="unknown_tariff_line")
        item = EtppAuthorisationItem(
            authorisation=auth, tariff_line=line, description=data.get("description", ""),
            quantity=to_decimal(data["quantity"]), unit=data.get("unit", "kg"),
        )
        item.full_clean(exclude=["authorisation"])
        item.save()
    return auth


@transaction.atomic
@transaction.atomic
def etpp_authorisation_issue(*, authorisation: EtppAuthorisation, issued_on: dt.date, valid_from: dt.date,
                             valid_to: dt.date | None = None, channel: str | None = None) -> EtppAuthorisation:
    """Record the delivery of a requested authorisation (date, validity, PortNet or paper)."""
    authorisation = EtppAuthorisation.objects.select_for_update().get(pk=authorisation.pk)
    if authorisation.refused_on:
        raise DeclarationError("Cette demande a été refusée : elle ne peut plus être délivrée.",
                               field="issued_on", code="etpp_refused")
    if issued_on < authorisation.requested_on:
        raise DeclarationError("La délivrance ne peut pas précéder la demande.", field="issued_on",
                               code="etpp_issued_before_request")
    authorisation.issued_on, authorisation.valid_from, authorisation.valid_to = issued_on, valid_from, valid_to
    authorisation.channel = channel or authorisation.channel
    authorisation.full_clean()
    authorisation.save(update_fields=["issued_on", "valid_from", "valid_to", "channel"])
    return authorisation


@transaction.atomic
def etpp_authorisation_refuse(*, authorisation: EtppAuthorisation, refused_on: dt.date,
                              reason: str) -> EtppAuthorisation:
    """Record that the department refused a pending request: it leaves the overdue list."""
    authorisation = EtppAuthorisation.objects.select_for_update().get(pk=authorisation.pk)
    if not authorisation.is_pending:
        raise DeclarationError("Seule une demande en attente peut être refusée.", field="refused_on",
                               code="etpp_not_pending")
    if refused_on < authorisation.requested_on:
        raise DeclarationError("Le refus ne peut pas précéder la demande.", field="refused_on",
                               code="etpp_refused_before_request")
    authorisation.refused_on, authorisation.refusal_reason = refused_on, reason
    authorisation.full_clean()
    authorisation.save(update_fields=["refused_on", "refusal_reason"])
    return authorisation


# --- preview (pages: live customs value and duties, nothing written) --------------------------

@dataclass
class DeclarationPreview:
    valuation: rules.Valuation | None
    taxes: list[ArticleTaxes]
    totals: dict[str, Decimal]
    errors: list[str]
    blocking: list[str] = field(default_factory=list)  # what registration would refuse
    warnings: list[str] = field(default_factory=list)  # what registration would warn of
    duties_note: str = ""  # régime owing no import duties
    guarantee_amount: Decimal | None = None


def declaration_preview(*, declaration: Declaration, articles: list[Article], on_date: dt.date,
                        document_kinds: set[str] | None = None) -> DeclarationPreview:
    """Customs value and duties of an unsaved (or draft) declaration on ``on_date``, with the
    registration's own check list (``declaration_checks``); problems are returned as messages
    instead of raised."""
    totals = {TAX_DI: Decimal("0"), TAX_TIC: Decimal("0"), TAX_VAT: Decimal("0"), "total": Decimal("0")}
    try:
        checks = declaration_checks(declaration=declaration, articles=articles, on_date=on_date,
                                    document_kinds=document_kinds)
        blocking, warnings = [e.message for e in checks.errors], checks.warnings
    except DomainError as exc:
        blocking, warnings = [exc.message], []
    try:
        valuation = declaration_valuation(declaration=declaration, articles=articles, on_date=on_date)
    except DomainError as exc:
        return DeclarationPreview(None, [], totals, [exc.message], blocking, warnings)
    for article, value in zip(articles, valuation.article_values):
        article.customs_value = value
    treatment = rules.procedure_duties(declaration.procedure)
    if not treatment.computes_duties:  # export, plain suspension: nothing computed
        return DeclarationPreview(valuation, [], totals, [], blocking, warnings, treatment.note)
    try:
        taxes = declaration_compute_duties(declaration=declaration, articles=articles, on_date=on_date)
    except DomainError as exc:
        return DeclarationPreview(valuation, [], totals, [exc.message], blocking, warnings)
    if not treatment.payable:
        guarantee = sum(tax_totals(taxes), Decimal("0.00"))
        return DeclarationPreview(valuation, [], totals, [], blocking, warnings, treatment.note, guarantee)
    for item in taxes:
        for line in item.lines:
            totals[line.tax] += line.amount
            totals["total"] += line.amount
    return DeclarationPreview(valuation, taxes, totals, [], blocking, warnings)


# --- ETPP deadlines (daily notice to the staff) --------------------------------------------------

ETPP_EXPIRY_NOTICE_DAYS = 15  # authorisations about to expire are announced this many days ahead


def etpp_deadline_notice(*, today: dt.date) -> tuple[str, str] | None:
    """The subject and body of the daily notice: requests past the 60-day delivery delay
    (CDII art. 152-1 bis) and authorisations ending within ``ETPP_EXPIRY_NOTICE_DAYS``; None
    when there is nothing to say."""
    overdue = list(selectors.etpp_overdue_requests(today=today).select_related("exporter").order_by("requested_on"))
    expiring = list(selectors.etpp_expiring(today=today, within_days=ETPP_EXPIRY_NOTICE_DAYS)
                    .select_related("exporter").order_by("valid_to"))
    if not overdue and not expiring:
        return None
    lines = [f"Suivi des autorisations ETPP au {today:%d/%m/%Y}.", ""]
    if overdue:
        lines.append(f"Demandes en retard (plus de {ETPP_DELIVERY_DAYS} jours, CDII art. 152-1 bis) :")
        lines += [f"- {a.number} — {a.exporter} — demandée le {a.requested_on:%d/%m/%Y}, attendue le "
                  f"{a.due_on:%d/%m/%Y} ({(today - a.due_on).days} jours de retard)" for a in overdue]
        lines.append("")
    if expiring:
        lines.append(f"Autorisations qui expirent dans les {ETPP_EXPIRY_NOTICE_DAYS} jours :")
        lines += [f"- {a.number} — {a.exporter} — valable jusqu'au {a.valid_to:%d/%m/%Y}" for a in expiring]
    subject = f"ETPP : {len(overdue)} demande(s) en retard, {len(expiring)} autorisation(s) bientôt expirée(s)"
    return subject, "\n".join(lines)
