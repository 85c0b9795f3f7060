"""Reads of the exemptions followed over time: the "to watch" list for staff (quota balances,
certificates and conventions expiring, assets under the 60-month rule, regularisations to pay,
guarantees not released) and the regularisation schedule of an asset."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from tariff import exemption_rules as er
from tariff.kit.money import LOCAL_CURRENCY
from tariff.kit.numbers import format_amount, format_plain
from tariff.models import Quota

from ..models import ExemptAsset, FranchiseCondition, InvestmentConvention, VatGuarantee


def exempt_asset_schedule(*, asset: ExemptAsset) -> list[er.ScheduleRow]:
    """How the regularisation owed on an early disposal decreases, month by month (CGI art. 104-II-2°)."""
    return er.regularisation_schedule(exempted_vat=asset.exempted_vat, imported_on=asset.imported_on)


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
            f"{format_plain(quota.used_kg)} kg imputés sur {format_plain(quota.volume_kg)} kg "
            f"({format_plain(share)} %) ; "
            f"solde {format_plain(quota.balance_kg)} kg — {quota.franchise.label}", quota.id)


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
                due_now, LOCAL_CURRENCY,
                f"TVA exonérée {format_amount(asset.exempted_vat, LOCAL_CURRENCY)}, importé le "
                f"{asset.imported_on:%d/%m/%Y} ; régularisation en cas de cession aujourd'hui : "
                f"{format_amount(due_now, LOCAL_CURRENCY)} ({months} mois entamés sur 60)",
                asset.id)
        else:
            yield FollowUpItem(
                FollowUpKind.REGULARISATION, asset.article.description, asset.disposed_on, reference,
                declaration.party.name, asset.regularisation_amount, LOCAL_CURRENCY,
                f"cédé le {asset.disposed_on:%d/%m/%Y} ; TVA exonérée "
                f"{format_amount(asset.exempted_vat, LOCAL_CURRENCY)}",
                asset.id)


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
                           guarantee.reference, guarantee.declaration.party.name, guarantee.amount, LOCAL_CURRENCY,
                           detail, guarantee.id)


def _convention_items(today, party_id):
    rows = InvestmentConvention.objects.select_related("party").filter(valid_to__gte=today)
    if party_id:
        rows = rows.filter(party_id=party_id)
    for convention in rows:
        yield FollowUpItem(FollowUpKind.CONVENTION, f"Convention {convention.number}", convention.valid_to,
                           convention.number, convention.party.name, convention.amount, LOCAL_CURRENCY,
                           f"importations couvertes jusqu'au {convention.valid_to:%d/%m/%Y}", convention.id)
