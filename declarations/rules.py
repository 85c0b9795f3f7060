"""Declaration rules as plain functions, each citing its source."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from tariff.errors import DomainError
from tariff.money import allocate, quantize_money, to_decimal

# CDII art. 297 bis (LF 2024, circ. 6522/210 annexe I): missing annexed documents.
MISSING_DOCUMENTS_FINE_FROM = dt.date(2024, 1, 1)
MISSING_DOCUMENTS_FINE = ("10 000", "50 000")


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
            f"La somme des valeurs facturées des articles ({total}) diffère du montant facturé "
            f"({declaration.invoice_total} {declaration.invoice_currency}).",
            field="invoice_total", code="invoice_total_mismatch")]
    return []


def required_document_kinds(declaration, articles) -> list[str]:
    """Documents a broker annexes to every DUM of this kind (CDII art. 74)."""
    from .models import AnnexedDocument

    kinds = [AnnexedDocument.Kind.INVOICE, AnnexedDocument.Kind.TRANSPORT]
    if declaration.procedure.is_etpp and any(not a.is_equipment for a in articles):
        kinds.append(AnnexedDocument.Kind.ETPP_AUTHORISATION)
    return kinds


def missing_document_warnings(declaration, articles, on_date: dt.date) -> list[str]:
    present = {d.kind for d in declaration.documents.all()}
    from .models import AnnexedDocument

    labels = dict(AnnexedDocument.Kind.choices)
    missing = [k for k in required_document_kinds(declaration, articles) if k not in present]
    if not missing:
        return []
    names = ", ".join(str(labels[k]) for k in missing)
    if on_date >= MISSING_DOCUMENTS_FINE_FROM:
        return [
            f"Documents requis non annexés : {names}. Le défaut d'annexer les documents exigés est une "
            f"contravention de 3e classe (CDII art. 297-8°), amende de {MISSING_DOCUMENTS_FINE[0]} à "
            f"{MISSING_DOCUMENTS_FINE[1]} DH (faits à compter du 01/01/2024)."
        ]
    return [f"Documents requis non annexés : {names} (CDII art. 74)."]


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
