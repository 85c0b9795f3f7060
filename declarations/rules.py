"""Declaration rules as plain functions, each citing its source."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from tariff.kit.errors import DomainError
from tariff.kit.money import LOCAL_CURRENCY, allocate, quantize_money, to_decimal
from tariff.kit.numbers import format_amount, format_plain

from .models import AnnexedDocument
from .offence_fines import OffenceFine


class RegistrationRefused(DomainError):
    code = "registration_refused"


@dataclass(frozen=True)
class Valuation:
    declared_value_mad: Decimal
    coefficient: Decimal  # C = total declared value (MAD) / invoiced amount (currency)
    article_values: list[Decimal]


def declared_value_mad(*, invoice_total_mad: Decimal, additions_mad: list[Decimal]) -> Decimal:
    return quantize_money(invoice_total_mad + sum(additions_mad, Decimal("0")))


def allocate_customs_values(*, declared_value: Decimal, invoice_total, article_invoiced_values: list) -> Valuation:
    """Circ. 6336/400 §2: article value (MAD) = C × article invoiced value (currency),
    C = total declared value (MAD) / invoiced amount (currency). Parts are rounded so
    that they sum exactly to the declared value (largest remainder)."""
    invoice_total = to_decimal(invoice_total)
    if invoice_total <= 0:
        raise RegistrationRefused("Le montant facturé doit être positif.", field="invoice_total")
    coefficient = (to_decimal(declared_value) / invoice_total).quantize(Decimal("0.00000001"))
    parts = allocate(declared_value, article_invoiced_values)
    return Valuation(quantize_money(declared_value), coefficient, parts)


def check_cost_fields_filled(declaration) -> list[DomainError]:
    """Circ. 6336/400 §1: freight (case 20) and insurance (case 22) are mandatory
    entries, each in its own field (0 allowed, empty not)."""
    errors = []
    if declaration.freight_amount is None:
        errors.append(RegistrationRefused(
            "Le fret (case 20) doit être renseigné, même s'il est inclus dans la facture (0 si aucun) — "
            "circulaire 6336/400.", field="freight_amount", code="freight_missing"))
    if declaration.insurance_amount is None:
        errors.append(RegistrationRefused(
            "L'assurance (case 22) doit être renseignée, même si elle est incluse dans la facture (0 si aucune) — "
            "circulaire 6336/400.", field="insurance_amount", code="insurance_missing"))
    return errors


def check_invoice_matches_articles(declaration, articles) -> list[DomainError]:
    if not articles:
        return [RegistrationRefused("La déclaration n'a aucun article.", field="articles", code="no_articles")]
    total = sum((a.invoiced_value for a in articles), Decimal("0"))
    if quantize_money(total) != quantize_money(declaration.invoice_total):
        return [RegistrationRefused(
            f"La somme des valeurs facturées des articles ({format_amount(total, declaration.invoice_currency)}) "
            f"diffère du montant facturé ({format_amount(declaration.invoice_total, declaration.invoice_currency)}).",
            field="invoice_total", code="invoice_total_mismatch")]
    return []


def required_document_kinds(declaration, articles) -> list[str]:
    """Documents a broker annexes to every DUM of this kind (CDII art. 74)."""
    kinds = [AnnexedDocument.Kind.INVOICE, AnnexedDocument.Kind.TRANSPORT]
    if declaration.procedure.is_etpp and any(not a.is_equipment for a in articles):
        kinds.append(AnnexedDocument.Kind.ETPP_AUTHORISATION)
    return kinds


def missing_document_kinds(declaration, articles, *, present: set[str]) -> list[str]:
    """The required kinds not among ``present`` (the kinds of the documents annexed so far)."""
    return [k for k in required_document_kinds(declaration, articles) if k not in present]


def missing_document_warnings(missing: list[str], *, fine: OffenceFine | None) -> list[str]:
    """What registration says of the ``missing`` document kinds; ``fine``: the offence of not
    annexing them (CDII art. 297-8°) as the offence catalogue has it on the date, ``None`` when
    not yet in force (the documents are still required by CDII art. 74)."""
    if not missing:
        return []
    labels = dict(AnnexedDocument.Kind.choices)
    names = ", ".join(str(labels[k]) for k in missing)
    if fine is None:
        return [f"Documents requis non annexés : {names} (CDII art. 74)."]
    return [
        f"Documents requis non annexés : {names}. Le défaut d'annexer les documents exigés est une "
        f"{fine.offence_class.lower()} (CDII art. {fine.citation}), amende de {format_plain(fine.fine_min)} à "
        f"{format_plain(fine.fine_max)} DH (faits à compter du {fine.valid_from:%d/%m/%Y})."
    ]


def check_etpp_authorisation(declaration, articles, on_date: dt.date) -> list[DomainError]:
    """CDII art. 152-1 bis: ETPP (codes 077, 771) needs an authorisation of the department
    in charge of the resource, except for machines, materials, tools and equipment;
    precious metals stay under circular 5360/313, outside the PortNet flow (circ. 6671/311)."""
    goods = [a for a in articles if not a.is_equipment]
    if not declaration.procedure.is_etpp or not goods:
        return []
    auth = declaration.etpp_authorisation
    if auth is None:
        return [RegistrationRefused(
            f"Le régime {declaration.procedure.code} (ETPP) exige une autorisation du département chargé de la "
            "ressource (CDII art. 152-1 bis), sauf pour les machines, matériels, outillages et équipements.",
            field="etpp_authorisation", code="etpp_authorisation_missing")]
    if auth.precious_metals:
        return [RegistrationRefused(
            "Autorisation ETPP de métaux précieux : elle relève de la circulaire n° 5360/313 du 16/01/2013 "
            "(traitement séparé) et n'est pas acceptée dans le circuit PortNet (circ. 6671/311).",
            field="etpp_authorisation", code="etpp_precious_metals")]
    if auth.exporter_id != declaration.party_id:
        return [RegistrationRefused("L'autorisation ETPP a été délivrée à un autre exportateur.",
                                    field="etpp_authorisation", code="etpp_wrong_exporter")]
    if not auth.is_valid_on(on_date):
        return [RegistrationRefused(
            f"L'autorisation ETPP {auth.number} n'est pas délivrée ou pas valable le {on_date:%d/%m/%Y}.",
            field="etpp_authorisation", code="etpp_authorisation_not_valid")]
    return []


def etpp_item_for(article, items):
    for item in items:
        if item.tariff_line_id == article.tariff_line_id:
            return item
    return None


# --- procedures: what a régime owes ------------------------------------------------------------

@dataclass(frozen=True)
class ProcedureDuties:
    payable: bool  # import duties and taxes liquidated and paid
    guarantee: bool  # suspended duties to be covered by a guarantee
    note: str  # why nothing is payable (shown on the liquidation and the note)

    @property
    def computes_duties(self) -> bool:
        """Duties are computed: to be paid, or as the amount a guarantee covers."""
        return self.payable or self.guarantee


def procedure_duties(procedure) -> ProcedureDuties:
    """What a declaration under ``procedure`` owes, as the procedure code table says
    (``liquidates_duties``, ``guarantee_required``): import duties and taxes for release for
    consumption; none at export (040, ETPP 077/771, CDII art. 152-1 bis); suspended under the
    economic régimes (AT, ATPA, warehouse; CDII titre V), guaranteed where the code says so."""
    if procedure.liquidates_duties:
        return ProcedureDuties(True, False, "")
    if procedure.flow == procedure.Flow.EXPORT:
        why = "exportation : aucun droit ni taxe à l'importation n'est dû"
    elif procedure.guarantee_required:
        why = "droits et taxes suspendus, couverts par un engagement cautionné"
    else:
        why = "droits et taxes suspendus"
    return ProcedureDuties(False, procedure.guarantee_required,
                           f"Régime {procedure.code} ({procedure.label}) : {why}.")


# --- payment and release -----------------------------------------------------------------------

class PaymentRefused(DomainError):
    code = "payment_refused"


def check_payment(*, liquidation, paid_on: dt.date, amount: Decimal, today: dt.date) -> list[DomainError]:
    """The payment settles the liquidation in force, to the centime (the quittance is for
    the liquidated total), on or after its date and not in the future."""
    errors = []
    if amount != liquidation.total:
        errors.append(PaymentRefused(
            f"Le montant payé ({format_amount(amount)} {LOCAL_CURRENCY}) doit être égal au total de la "
            f"liquidation en vigueur ({format_amount(liquidation.total)} {LOCAL_CURRENCY}).",
            field="amount", code="payment_amount_mismatch"))
    liquidated_on = timezone.localdate(liquidation.created_at) if liquidation.created_at else liquidation.on_date
    if paid_on < liquidated_on:
        errors.append(PaymentRefused(
            f"Le paiement ne peut pas précéder la liquidation du {liquidated_on:%d/%m/%Y}.",
            field="paid_on", code="payment_before_liquidation"))
    if paid_on > today:
        errors.append(PaymentRefused("La date du paiement ne peut pas être dans le futur.", field="paid_on",
                                     code="payment_in_future"))
    return errors


def check_release(*, declaration, liquidation, payment, released_on: dt.date, today: dt.date) -> list[DomainError]:
    """Release (mainlevée) once the duties are paid, or at once when nothing is payable."""
    status = declaration.Status
    if declaration.status == status.PAID:
        # (a declaration marked paid before payments were recorded has no payment row)
        after = payment.paid_on if payment is not None else declaration.registered_on
    elif declaration.status == status.LIQUIDATED and liquidation is not None and liquidation.total == 0:
        after = timezone.localdate(liquidation.created_at)
    elif declaration.status == status.LIQUIDATED:
        return [PaymentRefused("Les droits et taxes liquidés doivent être payés avant la mainlevée.",
                               field="status", code="release_before_payment")]
    else:
        return [PaymentRefused("Seule une déclaration liquidée et payée peut recevoir la mainlevée.",
                               field="status", code="invalid_status")]
    if released_on < after:
        return [PaymentRefused(f"La mainlevée ne peut pas précéder le {after:%d/%m/%Y}.", field="released_on",
                               code="release_too_early")]
    if released_on > today:
        return [PaymentRefused("La date de mainlevée ne peut pas être dans le futur.", field="released_on",
                               code="release_in_future")]
    return []
