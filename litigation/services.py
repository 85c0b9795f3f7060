"""Litigation services: cases, their penalty exposure, status, settlements and documents.

``case_penalty`` answers "what does this case risk, under which article": one line per
offence, from the version of the offence in force on the date of the facts.
Every write runs in one transaction and raises a ``DomainError`` before anything is
half-written.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from declarations.parties import party_get_or_create
from declarations.selectors import declaration_by_reference
from tariff.kit.errors import DomainError, DomainErrors
from tariff.kit.money import quantize_money, to_decimal
from tariff.kit.numbers import format_amount
from tariff.kit.uploads import check_upload

from . import selectors
from .business_rules import SettlementNeverRemitsDuties
from .models import Case, CaseDocument, CaseOffence, CaseParty, Offence, Settlement
from .rules import (
    DH,
    ZERO,
    CaseAction,
    Exposure,
    Refusal,
    case_action_refusal,
    transition_refusal,
)
from .selectors import case_exposure
from .selectors import pick_own_or_case as _pick

Status = Case.Status


class LitigationError(DomainError):
    code = "litigation_error"


def refusal_error(refusal: Refusal) -> LitigationError:
    return LitigationError(refusal.message, field=refusal.field, code=refusal.code)


def _refuse_if(refusal: Refusal | None) -> None:
    """Raise the refusal of ``rules.case_action_refusal`` / ``transition_refusal``, if any."""
    if refusal is not None:
        raise refusal_error(refusal)


# --- penalty: read in selectors (case_penalty, case_exposure) -------------------------------------

# --- cases ----------------------------------------------------------------------------------

def _offence_to_charge(*, article: str, paragraph: str, variant: str, on_date: dt.date, field: str) -> Offence:
    """The version in force on the date of the facts, else the latest one (the case then
    shows the offence as not applicable); unknown offences are refused."""
    found = selectors.offence_for(article=article, paragraph=paragraph, variant=variant, on_date=on_date)
    if found is not None:
        return found
    versions = selectors.offence_versions(article=article, paragraph=paragraph, variant=variant)
    if not versions:
        citation = f"{article}-{paragraph}" if paragraph else article
        raise LitigationError(
            f"Infraction inconnue du référentiel : article {citation}" + (f" ({variant})" if variant else "") + ".",
            field=field, code="unknown_offence",
        )
    return versions[-1]


def case_add_offence(
    *,
    case: Case,
    article: str,
    paragraph: str = "",
    variant: str = "",
    goods_customs_value: Decimal | None = None,
    duties_compromised: Decimal | None = None,
    undeclared_amount: Decimal | None = None,
    export_advantages: Decimal | None = None,
    note: str = "",
    field: str = "article",
) -> CaseOffence:
    refusal = case_action_refusal(case.status, CaseAction.ADD_OFFENCE)
    if refusal is not None:
        raise LitigationError(refusal.message, field=field, code=refusal.code)
    offence = _offence_to_charge(
        article=article, paragraph=paragraph, variant=variant, on_date=case.facts_date, field=field
    )
    undeclared = _pick(undeclared_amount, case.undeclared_amount)
    # CDII art. 66 bis (LF 2022): below 100,000 DH there is nothing to declare, hence no offence.
    if offence.min_undeclared_amount is not None and undeclared is not None:
        if to_decimal(undeclared) < offence.min_undeclared_amount:
            raise LitigationError(
                f"Montant non déclaré de {format_amount(undeclared, DH)} inférieur au seuil de "
                f"{format_amount(offence.min_undeclared_amount, DH)} : pas d'infraction à l'article 66 bis "
                f"({offence.citation}).",
                field="undeclared_amount", code="below_66_bis_threshold",
            )
    if case.case_offences.filter(offence__article=offence.article, offence__paragraph=offence.paragraph,
                                 offence__variant=offence.variant).exists():
        raise LitigationError(f"L'infraction {offence.citation} est déjà relevée sur ce dossier.",
                              field=field, code="duplicate_offence")
    charged = CaseOffence(
        case=case, offence=offence, goods_customs_value=goods_customs_value, duties_compromised=duties_compromised,
        undeclared_amount=undeclared_amount, export_advantages=export_advantages, note=note,
    )
    charged.full_clean()
    charged.save()
    return charged


def case_add_party(
    *, case: Case, name: str, role: str = CaseParty.Role.OFFENDER, identifier: str = "", address: str = "",
) -> CaseParty:
    """Name a party in a case: the office's record of it when its ICE / CIN is known (the operator of
    the declarations), else a new record."""
    if not name.strip():
        raise LitigationError("Le nom ou la raison sociale de la partie est obligatoire.", field="parties",
                              code="party_name_required")
    party = party_get_or_create(name=name, identifier=identifier, address=address)
    role_row = CaseParty(case=case, role=role, party=party)
    role_row.full_clean()
    role_row.save()
    return role_row


def case_create(
    *,
    reference: str,
    office: str,
    facts_date: dt.date,
    declaration_reference: str = "",
    declaration=None,
    description: str = "",
    goods_customs_value: Decimal | None = None,
    duties_compromised: Decimal | None = None,
    undeclared_amount: Decimal | None = None,
    export_advantages: Decimal | None = None,
    other_sums_due: Decimal | None = None,
    aggravating_circumstances: bool = False,
    aggravating_details: str = "",
    sensitive_goods: bool = False,
    post_clearance_fraud: bool = False,
    seized_goods_description: str = "",
    seized_goods_customs_value: Decimal | None = None,
    duties_on_seized_goods: Decimal | None = None,
    seized_transport_value: Decimal | None = None,
    parties: Iterable[dict] = (),
    offences: Iterable[dict] = (),
) -> Case:
    """A new case (status « constatée ») with its parties and offences, all or nothing.

    ``offences``: dicts with ``article``, ``paragraph``, optional ``variant`` and own base
    amounts; ``parties``: dicts of CaseParty fields.
    """
    declaration = declaration or declaration_by_reference(declaration_reference)
    with transaction.atomic():
        case = Case(
            reference=reference.strip(), office=office, facts_date=facts_date,
            declaration=declaration,
            declaration_reference="" if declaration else declaration_reference.strip(),
            description=description,
            goods_customs_value=goods_customs_value, duties_compromised=duties_compromised,
            undeclared_amount=undeclared_amount, export_advantages=export_advantages, other_sums_due=other_sums_due,
            aggravating_circumstances=aggravating_circumstances, aggravating_details=aggravating_details,
            sensitive_goods=sensitive_goods, post_clearance_fraud=post_clearance_fraud,
            seized_goods_description=seized_goods_description, seized_goods_customs_value=seized_goods_customs_value,
            duties_on_seized_goods=duties_on_seized_goods, seized_transport_value=seized_transport_value,
        )
        case.full_clean()
        try:
            with transaction.atomic():
                case.save()
        except IntegrityError as exc:  # a concurrent request took the reference after full_clean
            raise LitigationError("Un dossier avec cette référence existe déjà.", field="reference",
                                  code="duplicate_reference") from exc
        for data in parties:
            case_add_party(case=case, **data)
        for data in offences:
            case_add_offence(case=case, field="offences", **data)
    return case


def case_transition(*, case: Case, to_status: str) -> Case:
    """Move a case along reported → under review → settled / referred to court → closed.

    « Réglée par transaction » is reached only by recording the settlement
    (``settlement_record``). Refusals come from ``rules.transition_refusal`` (the case page
    shows the same reasons beside the greyed actions)."""
    if to_status not in Status.values:
        raise LitigationError(f"Statut inconnu : {to_status}.", field="status", code="invalid_status")
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        target = Status(to_status)
        _refuse_if(transition_refusal(case.status, target))
        case.status = target
        case.full_clean()
        case.save(update_fields=["status", "updated_at"])
    return case


# --- settlements (CDII art. 275) ---------------------------------------------------------------

SETTLEMENT_AMOUNTS = ("fines_remitted", "confiscations_remitted", "other_sums_remitted", "duties_remitted")


def settlement_check(*, case: Case, settlement_date: dt.date, amounts: dict[str, Decimal],
                     fine_retained: Decimal | None = None) -> Exposure:
    """Every reason the settlement cannot be recorded, at once; returns the case's exposure
    on the settlement date when it can. A retained fine lies within the legal range of the
    offences in force on the facts date, and the fines remission is granted on it."""
    errors: list[DomainError] = []
    if SettlementNeverRemitsDuties.refuses(amounts["duties_remitted"]):  # CDII art. 275, the model's own rule
        errors.append(LitigationError(SettlementNeverRemitsDuties.message(), field="duties_remitted",
                                      code=SettlementNeverRemitsDuties.code))
    for name in SETTLEMENT_AMOUNTS:
        if amounts[name] < 0:
            errors.append(LitigationError("Le montant ne peut pas être négatif.", field=name, code="negative_amount"))
    refusal = case_action_refusal(case.status, CaseAction.SETTLE)
    if refusal is not None:
        errors.append(refusal_error(refusal))
    if settlement_date < case.facts_date:
        errors.append(LitigationError("La transaction ne peut pas précéder la date des faits.",
                                      field="settlement_date", code="settlement_before_facts"))
    exposure = case_exposure(case, on_date=settlement_date)
    already = {name: sum((getattr(s, name) for s in case.settlements.all()), ZERO) for name in SETTLEMENT_AMOUNTS}
    fines_cap = (exposure.fine_max_total, "des amendes encourues")
    if fine_retained is not None:
        low, high = exposure.fine_min_total, exposure.fine_max_total
        if fine_retained < low or (not exposure.incomplete and fine_retained > high):
            errors.append(LitigationError(
                f"L'amende retenue ({format_amount(fine_retained, DH)}) doit être comprise entre "
                f"{format_amount(low, DH)} et {format_amount(high, DH)} (infractions en vigueur à la date des faits).",
                field="fine_retained", code="retained_fine_out_of_range",
            ))
        fines_cap = (fine_retained, "de l'amende retenue")
    caps = {
        "fines_remitted": fines_cap,
        "confiscations_remitted": (exposure.confiscation_value, "de la valeur des biens confiscables saisis"),
        "other_sums_remitted": (quantize_money(case.other_sums_due or ZERO), "des autres sommes dues"),
    }
    for name, (cap, what) in caps.items():
        if amounts[name] > 0 and already[name] + amounts[name] > cap:
            hint = (" Certaines amendes ne peuvent être calculées faute d'assiette."
                    if name == "fines_remitted" and exposure.incomplete else "")
            errors.append(LitigationError(
                f"La remise ({format_amount(amounts[name], DH)}) dépasse le montant {what} "
                f"({format_amount(cap - already[name], DH)})."
                + hint,
                field=name, code="remits_more_than_due",
            ))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DomainErrors(errors)
    return exposure


def settlement_record(
    *,
    case: Case,
    settlement_date: dt.date,
    fines_remitted: Decimal = ZERO,
    confiscations_remitted: Decimal = ZERO,
    other_sums_remitted: Decimal = ZERO,
    duties_remitted: Decimal = ZERO,
    fine_retained: Decimal | None = None,
    reference: str = "",
    notes: str = "",
) -> Settlement:
    """Record a transaction on a case under review and mark the case settled.

    Remissions may cover fines, confiscations and other sums, partly or wholly, up to what
    the case exposes (the fines: up to the retained fine when one is given); any remission of
    duties is refused (``settlement_remits_duties``).
    """
    amounts = {
        "fines_remitted": quantize_money(fines_remitted),
        "confiscations_remitted": quantize_money(confiscations_remitted),
        "other_sums_remitted": quantize_money(other_sums_remitted),
        "duties_remitted": quantize_money(duties_remitted),
    }
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        retained = None if fine_retained is None else quantize_money(fine_retained)
        exposure = settlement_check(case=case, settlement_date=settlement_date, amounts=amounts,
                                    fine_retained=retained)
        settlement = Settlement(
            case=case, settlement_date=settlement_date, reference=reference, notes=notes, fine_retained=retained,
            fines_due=exposure.fine_max_total, duties_due=exposure.duties_not_remittable, **amounts,
        )
        settlement.full_clean()
        settlement.save()
        case.status = Status.SETTLED
        case.full_clean()
        case.save(update_fields=["status", "updated_at"])
    return settlement


# --- documents (CDII art. 45 quater) ------------------------------------------------------------

def case_document_add(*, case: Case, title: str, file, kind: str = CaseDocument.Kind.OTHER,
                      document_date: dt.date | None = None) -> CaseDocument:
    """File a document (report of findings, transaction agreement, proofs…) on a case that is
    not closed. The file is checked (PDF, JPEG or PNG, size, ``tariff.kit.uploads``) before
    anything is written."""
    _refuse_if(case_action_refusal(case.status, CaseAction.ADD_DOCUMENT))
    check_upload(file)
    document = CaseDocument(case=case, title=title.strip(), file=file, kind=kind,
                            document_date=document_date or timezone.localdate())
    document.full_clean()
    document.save()
    return document


def case_document_deletion_refusal(*, document: CaseDocument, today: dt.date | None = None) -> str | None:
    """Why the document may not be deleted yet, or None."""
    until = document.retention_until
    today = today or timezone.localdate()
    if until is not None and today < until:
        return (
            f"Document à conserver jusqu'au {until:%d/%m/%Y} : les documents relatifs aux moyens de paiement "
            f"(art. 66 bis) sont conservés {document.case.document_retention_years} ans (CDII art. 45 quater)."
        )
    return None


def case_document_delete(*, document: CaseDocument, today: dt.date | None = None) -> None:
    refusal = case_document_deletion_refusal(document=document, today=today)
    if refusal:
        raise LitigationError(refusal, field="document", code="document_retention")
    storage, name = document.file.storage, document.file.name
    with transaction.atomic():
        document.delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))
