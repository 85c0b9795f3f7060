"""Services of the commitment itself: its subscription and domiciliation, the customs
imputations against it, the Office des Changes' authorisation of an advance overshoot, and the
changes of its data asked by the importer and decided by the bank.

Office des Changes FAQ "engagements d'importation" (seed 002, DOMAIN.md §3): souscription et
domiciliation, acomptes (the contract's advance rate, the overshoot authorisation), quand régler
and peut-on dépasser la valeur (imputations), modification.
"""
from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from declarations.selectors import declaration_by_reference
from tariff.kit.money import LOCAL_CURRENCY, to_decimal

from .. import rules, selectors
from ..limits import convert_amount
from ..models import Bank, Commitment, CommitmentEvent, Importer, Imputation, Modification
from ._common import (
    ZERO,
    acting_bank,
    lock_commitment,
    positive,
    record_event,
    refresh_status,
    require_active,
    save,
)

# Commitment data the importer may change (through a modification validated by the bank).
MODIFIABLE_FIELDS = (
    "subscribed_amount",
    "total_import_value",
    "goods_description",
    "goods_category",
    "contract_reference",
    "payment_method",
    "balance_before_entry",
    "contract_advance_rate",
    "contract_provides_anticipated_payment",
    "bank_engagement",
    "insured_abroad",
    "freight_amount",
    "accessory_costs",
    "insurance_amount",
    "second_hand_auction_value",
)


def commitment_create(
    *,
    user,
    number: str,
    importer: Importer,
    bank: Bank,
    currency: str,
    subscribed_amount,
    goods_description: str,
    goods_category: str = Commitment.GoodsCategory.OTHER,
    total_import_value=None,
    subscribed_on: dt.date | None = None,
    contract_reference: str = "",
    payment_method: str = Commitment.PaymentMethod.OTHER,
    balance_before_entry: bool = False,
    contract_advance_rate,
    contract_provides_anticipated_payment: bool = False,
    bank_engagement: bool = False,
    insured_abroad: bool = False,
    freight_amount=ZERO,
    accessory_costs=ZERO,
    insurance_amount=ZERO,
    second_hand_auction_value=None,
    replaces: Commitment | None = None,
    oc_authorisation_reference: str = "",
) -> Commitment:
    """Subscribe a commitment (status ``subscribed``) for the importer at its chosen bank.

    ``contract_advance_rate``: the commercial contract's advance rate, always stated (0 when the
    contract provides no advance); above the regulatory rate it is refused here, not later at the
    bank's domiciliation (``rules.check_contract_advance_rate``)."""
    with transaction.atomic():
        if replaces is not None:
            replaced = lock_commitment(replaces.pk)
            if replaced.importer_id != importer.pk or Commitment.objects.filter(replaces_id=replaced.pk).exists():
                raise rules.refuse(rules.ReplacementInvalid)
        commitment = Commitment(
            number=number,
            importer=importer,
            bank=bank,
            currency=currency,
            subscribed_amount=positive(subscribed_amount),
            total_import_value=to_decimal(total_import_value if total_import_value is not None else subscribed_amount),
            goods_description=goods_description,
            goods_category=goods_category,
            subscribed_on=subscribed_on or timezone.localdate(),
            contract_reference=contract_reference,
            payment_method=payment_method,
            balance_before_entry=balance_before_entry,
            contract_advance_rate=to_decimal(contract_advance_rate),
            contract_provides_anticipated_payment=contract_provides_anticipated_payment,
            bank_engagement=bank_engagement,
            insured_abroad=insured_abroad,
            freight_amount=to_decimal(freight_amount),
            accessory_costs=to_decimal(accessory_costs),
            insurance_amount=to_decimal(insurance_amount),
            second_hand_auction_value=(
                to_decimal(second_hand_auction_value) if second_hand_auction_value is not None else None
            ),
            replaces=replaces,
            oc_authorisation_reference=oc_authorisation_reference,
            created_by=user,
        )
        commitment.full_clean()
        rules.check_contract_advance_rate(
            contract_advance_rate=commitment.contract_advance_rate,
            is_aeronautics_registered=importer.is_aeronautics_registered,
            is_exporter_with_fx_account=importer.is_exporter_with_fx_account,
        )
        save(commitment, user)
        record_event(
            commitment, CommitmentEvent.Kind.SUBSCRIBED, subscribed_amount=commitment.subscribed_amount,
            currency=commitment.currency,
        )
        return commitment


def commitment_domiciliate(
    *, commitment: Commitment, user, contract_concordance_confirmed: bool, contract_reference: str | None = None
) -> Commitment:
    """The bank confirms the contract matches the commitment and domiciles it."""
    with transaction.atomic():
        c = lock_commitment(commitment.pk)
        acting_bank(user, c)
        rules.check_domiciliation(
            is_domiciled=c.is_domiciled,
            concordance_confirmed=contract_concordance_confirmed,
            contract_advance_rate=c.contract_advance_rate,
            is_aeronautics_registered=c.importer.is_aeronautics_registered,
            is_exporter_with_fx_account=c.importer.is_exporter_with_fx_account,
        )
        c.status = Commitment.Status.DOMICILED
        c.domiciliation_confirmed_at = timezone.now()
        c.domiciliation_confirmed_by = user
        if contract_reference:
            c.contract_reference = contract_reference
        c.full_clean()
        save(c, user)
        record_event(c, CommitmentEvent.Kind.DOMICILED, contract_reference=c.contract_reference)
        return c


def commitment_record_imputation(
    *, commitment: Commitment, user, amount, currency: str, on_date: dt.date, declaration_reference: str = "",
    kind: str = Imputation.Kind.PARTIAL, declaration=None,
) -> Imputation:
    """Customs imputation of an imported amount against the commitment: ``partial`` (one shipment
    of several) or ``final`` (the last: the final invoice is then known). ``declaration``: the DUM
    when the office keeps it — a ``declaration_reference`` the office keeps is linked too; the text is
    kept only for another declarant's DUM. Refused after the
    final imputation; beyond the subscribed value it is recorded and flagged: the answer's
    ``imputed_to_date`` and ``notice`` (``rules.imputation_beyond_subscribed_notice``)."""
    with transaction.atomic():
        c = lock_commitment(commitment.pk)
        require_active(c)
        totals = selectors.commitment_totals(commitment=c)
        rules.check_imputation(final_recorded=totals.final_imputed)
        amount = positive(amount)
        if declaration is None:
            declaration = declaration_by_reference(declaration_reference)
        if declaration is not None:
            declaration_reference = ""
        imputation = Imputation(
            commitment=c,
            kind=kind,
            declaration=declaration,
            date=on_date,
            amount=amount,
            currency=currency,
            amount_in_commitment_currency=convert_amount(
                amount=amount, from_currency=currency, to_currency=c.currency, on_date=on_date
            ),
            amount_mad=convert_amount(
                amount=amount, from_currency=currency, to_currency=LOCAL_CURRENCY, on_date=on_date
            ),
            declaration_reference=declaration_reference,
            created_by=user,
        )
        imputation.full_clean(exclude={"commitment", "declaration", "created_by"})
        save(imputation, user)
        imputed = totals.imputed + imputation.amount_in_commitment_currency
        record_event(
            c, CommitmentEvent.Kind.IMPUTATION_RECORDED, imputation=imputation.pk, kind=kind,
            amount=imputation.amount, currency=imputation.currency,
            amount_in_commitment_currency=imputation.amount_in_commitment_currency, date=on_date,
            declaration_reference=declaration_reference, imputed_to_date=imputed,
        )
        refresh_status(
            c, user=user, imputed=imputed, goods_paid=totals.goods_paid, final=kind == Imputation.Kind.FINAL
        )
        imputation.imputed_to_date = imputed
        return imputation


def commitment_record_oc_authorisation(*, commitment: Commitment, user, reference: str) -> Commitment:
    """Record the Office des Changes' special authorisation (advances overshooting the rate by > 5 %)."""
    with transaction.atomic():
        c = lock_commitment(commitment.pk)
        acting_bank(user, c)
        c.oc_authorisation_reference = reference
        c.full_clean()
        save(c, user, update_fields=["oc_authorisation_reference", "updated_at"])
        return c

# --- modification ----------------------------------------------------------------------------

def _normalise_changes(commitment: Commitment, changes: dict) -> dict:
    unknown = set(changes) - set(MODIFIABLE_FIELDS)
    if unknown:
        raise rules.refuse(rules.ModificationInvalid, f"Données non modifiables : {', '.join(sorted(unknown))}.")
    effective = {}
    for name, value in changes.items():
        field = Commitment._meta.get_field(name)
        value = field.to_python(value)
        if value != getattr(commitment, name):
            effective[name] = value
    if not effective:
        raise rules.refuse(rules.ModificationEmpty)
    candidate = copy.copy(commitment)
    for name, value in effective.items():
        setattr(candidate, name, value)
    candidate.full_clean(validate_unique=False)
    return effective


def _check_modification(commitment: Commitment, changes: dict) -> None:
    if "contract_advance_rate" in changes:
        rules.check_contract_advance_rate(
            contract_advance_rate=changes["contract_advance_rate"],
            is_aeronautics_registered=commitment.importer.is_aeronautics_registered,
            is_exporter_with_fx_account=commitment.importer.is_exporter_with_fx_account,
        )
    lowers = any(
        name in changes and changes[name] is not None and changes[name] < getattr(commitment, name)
        for name in rules.VALUE_FIELDS
    )
    rules.check_modification(
        is_totally_imputed=commitment.is_totally_imputed,
        lowers_value=lowers,
        has_payments=selectors.commitment_totals(commitment=commitment).has_payments,
    )


def _json(value):
    if isinstance(value, Decimal):
        return str(value)
    return value


def commitment_modify(*, commitment: Commitment, user, changes: dict, reason: str = "") -> Modification:
    """The importer (through the broker) asks to change the commitment's data; the bank validates."""
    with transaction.atomic():
        c = lock_commitment(commitment.pk)
        if c.status == Commitment.Status.CLOSED:
            raise rules.refuse(rules.CommitmentClosed)
        effective = _normalise_changes(c, changes)
        _check_modification(c, effective)
        modification = Modification(
            commitment=c,
            changes={k: _json(v) for k, v in effective.items()},
            previous={k: _json(getattr(c, k)) for k in effective},
            reason=reason,
            requested_by=user,
        )
        modification.full_clean()
        save(modification, user)
        record_event(
            c, CommitmentEvent.Kind.MODIFICATION_REQUESTED, modification=modification.pk,
            changes=modification.changes, previous=modification.previous,
        )
        return modification


def _lock_modification(modification: Modification, user) -> tuple[Commitment, Modification]:
    c = lock_commitment(modification.commitment_id)
    acting_bank(user, c)
    mod = Modification.objects.select_for_update().get(pk=modification.pk)
    if mod.status != Modification.Status.REQUESTED:
        raise rules.refuse(rules.ModificationNotPending)
    return c, mod


def modification_validate(*, modification: Modification, user) -> Modification:
    """The domiciliary bank validates the change; the rules are checked again on today's ledger."""
    with transaction.atomic():
        c, mod = _lock_modification(modification, user)
        if c.status == Commitment.Status.CLOSED:
            raise rules.refuse(rules.CommitmentClosed)
        effective = _normalise_changes(c, mod.changes)
        _check_modification(c, effective)
        for name, value in effective.items():
            setattr(c, name, value)
        c.full_clean()
        save(c, user)
        refresh_status(c, user=user)
        mod.status = Modification.Status.VALIDATED
        mod.validated_by = user
        mod.decided_at = timezone.now()
        mod.full_clean()
        save(mod, user)
        record_event(c, CommitmentEvent.Kind.MODIFICATION_VALIDATED, modification=mod.pk, changes=mod.changes)
        return mod


def modification_reject(*, modification: Modification, user, reason: str = "") -> Modification:
    with transaction.atomic():
        c, mod = _lock_modification(modification, user)
        mod.status = Modification.Status.REJECTED
        mod.validated_by = user
        mod.decided_at = timezone.now()
        mod.rejection_reason = reason
        mod.full_clean()
        save(mod, user)
        record_event(
            c, CommitmentEvent.Kind.MODIFICATION_REJECTED, modification=mod.pk, changes=mod.changes,
            rejection_reason=reason,
        )
        return mod
