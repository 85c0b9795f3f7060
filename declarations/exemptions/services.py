"""Follow-up writes of the exemptions: conditions of the franchise codes, investment
conventions, VAT guarantees and their release, the disposal of exempt assets and its
regularisation, warehouse abandonment/destruction. Each in one transaction, refused before
anything is written."""
from __future__ import annotations

import datetime as dt

from django.db import transaction

from tariff import exemption_rules as er
from tariff.kit.errors import raise_all
from tariff.kit.money import LOCAL_CURRENCY, to_decimal
from tariff.kit.numbers import format_amount
from tariff.laws import LF_2022
from tariff.models import FranchiseCode, WarehouseDisposalReason
from tariff.selectors import law_in_force_from

from ..models import (
    Declaration,
    ExemptAsset,
    FranchiseCondition,
    InvestmentConvention,
    VatGuarantee,
    WarehouseDisposal,
)
from .claims import ExemptionError


def _clean_and_save(obj):
    obj.full_clean()
    obj.save()
    return obj


@transaction.atomic
def franchise_condition_create(*, franchise_code: str, kind: str, party, reference: str, issued_on: dt.date,
                               declaration=None, valid_to=None, status=FranchiseCondition.Status.GRANTED,
                               description: str = "") -> FranchiseCondition:
    """Record an undertaking, a DGI certificate, an exemption request or a beneficiary status."""
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
    lf_2022_from = law_in_force_from(LF_2022)
    if not er.convention_meets_threshold(amount=amount, signed_on=signed_on, lf_2022_from=lf_2022_from):
        threshold = er.investment_threshold(signed_on, lf_2022_from=lf_2022_from)
        raise ExemptionError(
            f"Le programme d'investissement ({format_amount(amount, LOCAL_CURRENCY)}) n'atteint pas le seuil de "
            f"{format_amount(threshold, LOCAL_CURRENCY)} applicable aux conventions signées le "
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
            blockers.append(f"régularisation de {format_amount(asset.regularisation_amount, LOCAL_CURRENCY)} "
                            "non acquittée "
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


@transaction.atomic
def warehouse_disposal_create(*, party, goods_description: str, quantity, kind: str, reason_code: str | None,
                              justification: str, requested_on: dt.date, duties_paid_or_guaranteed: bool = False,
                              costs_borne_by_operator: bool = True, declaration=None, unit: str = "kg",
                              completed_on=None, supervision_reference: str = "") -> WarehouseDisposal:
    """Abandonment or destruction of warehoused goods, refused when a condition of CDII
    art. 130-4° is not met (every unmet condition reported)."""
    reason = WarehouseDisposalReason.objects.filter(code=reason_code).first() if reason_code else None
    refusals = er.warehouse_disposal_refusals(
        duties_paid_or_guaranteed=duties_paid_or_guaranteed, reason_listed=reason is not None,
        costs_borne_by_operator=costs_borne_by_operator)
    if not (justification or "").strip():
        refusals.append(("justification_missing",
                         "La raison commerciale doit être dûment justifiée (CDII art. 130-4°)."))
    field_of = {"duties_paid_or_guaranteed": "duties_paid_or_guaranteed", "reason_not_listed": "reason",
                "cost_to_treasury": "costs_borne_by_operator", "justification_missing": "justification"}
    raise_all([ExemptionError(message, field=field_of[code], code=f"warehouse_disposal_{code}")
                for code, message in refusals])
    return _clean_and_save(WarehouseDisposal(
        declaration=declaration, party=party, goods_description=goods_description, quantity=to_decimal(quantity),
        unit=unit, kind=kind, reason=reason, justification=justification,
        duties_paid_or_guaranteed=duties_paid_or_guaranteed, costs_borne_by_operator=costs_borne_by_operator,
        requested_on=requested_on, completed_on=completed_on, supervision_reference=supervision_reference))
