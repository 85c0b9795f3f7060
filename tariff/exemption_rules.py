"""Rules of the exemptions the office must follow up after the declaration (issue 9):
quotas, conditional franchise codes, investment conventions, investment goods kept
60 months, warehouse abandonment/destruction, alcohol and the transitional clause.

Pure functions (and business-rule classes over plain attributes): no database, no
clock. Each cites its source in one line. The date a law applies from is a parameter
(``lf_2022_from``, ``lf_2024_from``): callers read it from the law's ``FinanceLaw`` row
(``tariff.selectors.law_in_force_from``). Money is ``Decimal``; the only rounding is
``tariff.kit.money.quantize_money``.
"""
from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from .kit.business_rules import BusinessRule
from .kit.money import quantize_money, to_decimal

ZERO = Decimal("0")


# --- calendar months ----------------------------------------------------------------------------

def add_months(day: dt.date, months: int) -> dt.date:
    """Same day ``months`` calendar months later, clamped to the month's last day (31/01 + 1 → 28 or 29/02)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_started(start: dt.date, end: dt.date) -> int:
    """Calendar months from ``start`` to ``end``, any started month counting as a whole one
    (25 months and 3 days → 26; exactly 60 months → 60; the next day → 1; the same day → 0)."""
    if end < start:
        raise ValueError("end before start")
    full = (end.year - start.year) * 12 + (end.month - start.month)
    while full > 0 and add_months(start, full) > end:
        full -= 1
    return full + (1 if add_months(start, full) < end else 0)


# --- investment goods imported VAT-exempt (LF 2024) -----------------------------------------------

CONSERVATION_MONTHS = 60


def conservation_required(imported_on: dt.date, *, lf_2024_from: dt.date) -> bool:
    # CGI art. 102 reinstated by LF 2024 art. 6 (circ. 6522/210 §IV-5-1): imports from the LF 2024 date.
    return imported_on >= lf_2024_from


def conservation_end(imported_on: dt.date) -> dt.date:
    # CGI art. 102 (LF 2024, circ. 6522/210 §IV-5-1): goods kept 60 months from the import date.
    return add_months(imported_on, CONSERVATION_MONTHS)


def regularisation_due(*, exempted_vat, imported_on: dt.date, disposed_on: dt.date) -> Decimal:
    """Exempted VAT less one sixtieth per month or fraction of month elapsed since import."""
    # CGI art. 104-II-2° (LF 2024, circ. 6522/210 §IV-5-1): « diminuée d'un soixantième par mois ou fraction ».
    vat = to_decimal(exempted_vat)
    if vat < 0:
        raise ValueError("exempted VAT must not be negative")
    months = min(months_started(imported_on, disposed_on), CONSERVATION_MONTHS)
    return quantize_money(vat * (CONSERVATION_MONTHS - months) / CONSERVATION_MONTHS)


@dataclass(frozen=True)
class ScheduleRow:
    month: int  # months counted (any started month counting)
    disposed_from: dt.date  # disposal on any day of [disposed_from, disposed_to] …
    disposed_to: dt.date
    amount: Decimal  # … gives this regularisation


def regularisation_schedule(*, exempted_vat, imported_on: dt.date) -> list[ScheduleRow]:
    """How the regularisation decreases: one row per started month, 60 → 0 at the 60th month's end."""
    # CGI art. 104-II-2° (LF 2024, circ. 6522/210 §IV-5-1).
    whole = regularisation_due(exempted_vat=exempted_vat, imported_on=imported_on, disposed_on=imported_on)
    rows = [ScheduleRow(0, imported_on, imported_on, whole)]
    for month in range(1, CONSERVATION_MONTHS + 1):
        start = add_months(imported_on, month - 1) + dt.timedelta(days=1)
        end = add_months(imported_on, month)
        rows.append(ScheduleRow(month, start, end, regularisation_due(
            exempted_vat=exempted_vat, imported_on=imported_on, disposed_on=end)))
    return rows


def guarantee_required(*, imported_on: dt.date, under_convention: bool, lf_2024_from: dt.date) -> bool:
    # LF 2024 art. 6, CGI art. 92-I-6° (circ. 6522/210 §IV-5-2, annexe IV-3): real guarantees covering the
    # exempted VAT, "à l'exception de ceux exonérés dans le cadre des conventions conclues avec l'Etat".
    return imported_on >= lf_2024_from and not under_convention


def guarantee_shortfall(*, exempted_vat, guaranteed) -> Decimal:
    """What the guarantees lack to cover the exempted VAT (0 when covered)."""
    # Circ. 6522/210 §IV-5-2: « garanties réelles … couvrant le montant à exonérer au titre de la TVA ».
    return max(quantize_money(to_decimal(exempted_vat) - to_decimal(guaranteed)), ZERO)


# --- investment conventions (CDII art. 164-1°-p, CGI art. 123-22°-b) ------------------------------

def investment_threshold(signed_on: dt.date, *, lf_2022_from: dt.date) -> Decimal:
    # CDII art. 164-1°-p and CGI art. 123-22°-b as amended by LF 2022 (circ. 6255/210 §I.7, §V): 100 M → 50 M MAD.
    return Decimal("50000000") if signed_on >= lf_2022_from else Decimal("100000000")


def convention_meets_threshold(*, amount, signed_on: dt.date, lf_2022_from: dt.date) -> bool:
    return to_decimal(amount) >= investment_threshold(signed_on, lf_2022_from=lf_2022_from)


# --- quotas ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class QuotaSplit:
    requested: Decimal
    balance_before: Decimal
    in_quota: Decimal  # at the franchise rate
    out_of_quota: Decimal  # at the normal rate

    @property
    def is_split(self) -> bool:
        return self.out_of_quota > 0

    @property
    def balance_after(self) -> Decimal:
        return self.balance_before - self.in_quota


class QuotaHasAnEnd(BusinessRule):
    """Un contingent est ouvert pour une période fermée (date de fin obligatoire)."""

    # LF 2024 art. 5 bis (circ. 6522/210 §V): « 15 000 tonnes par an », jusqu'au 31/12/2026.
    code = "QTA1"

    def validate(self, obj) -> None:
        if obj.valid_from and obj.valid_to is None:
            raise self.violation()


class QuotaNotBelowUsed(BusinessRule):
    """Le volume d'un contingent ne peut pas être inférieur à la quantité déjà imputée."""

    code = "QTA2"

    def validate(self, obj) -> None:
        if obj.volume_kg is not None and obj.used_kg is not None and obj.volume_kg < obj.used_kg:
            raise self.violation(f"{self.message()} Déjà imputé : {obj.used_kg} kg.")


class QuotaRefused(Exception):
    def __init__(self, reason: str, split: QuotaSplit):
        super().__init__(reason)
        self.reason = reason  # "exhausted" | "exceeded"
        self.split = split


def decide_quota_split(*, requested, balance, allow_partial: bool = True) -> QuotaSplit:
    """The franchise rate on what the quota still covers, the normal rate on the rest;
    refused when nothing is left, or when the declarant refuses a partial allocation."""
    # LF 2024 art. 5 bis (circ. 6522/210 §V): 2.5 % « dans la limite d'un contingent de 15 000 tonnes par an ».
    requested, balance = to_decimal(requested), max(to_decimal(balance), ZERO)
    if requested <= 0:
        raise ValueError("requested quantity must be positive")
    in_quota = min(requested, balance)
    split = QuotaSplit(requested, balance, in_quota, requested - in_quota)
    if in_quota == 0:
        raise QuotaRefused("exhausted", split)
    if split.is_split and not allow_partial:
        raise QuotaRefused("exceeded", split)
    return split


# --- conditional franchise codes (circ. 6522/210 §IV-1) --------------------------------------------

def dgi_certificate_expiry(issued_on: dt.date) -> dt.date:
    # Décret 2-23-1118 (circ. 6522/210 §IV-1): DGI certificate « valable que pour l'année de sa délivrance ».
    return dt.date(issued_on.year, 12, 31)


def dgi_certificate_valid_on(*, issued_on: dt.date, on_date: dt.date) -> bool:
    return issued_on <= on_date <= dgi_certificate_expiry(issued_on)


UNDERTAKING = "undertaking"
DGI_CERTIFICATE = "dgi_certificate"
EXEMPTION_REQUEST = "exemption_request"
FM6SS_BENEFICIARY = "fm6ss_beneficiary"
NONPROFIT_BENEFICIARY = "nonprofit_body"
PV_MANUFACTURER = "pv_manufacturer"
FM6SS_NOT_YET_LISTED = "fm6ss_not_yet_listed"

CONDITION_LABELS = {
    UNDERTAKING: "engagement de l'importateur d'utiliser les fournitures pour un usage strictement scolaire",
    DGI_CERTIFICATE: "attestation d'importation en exonération de TVA délivrée par la DGI (valable pour l'année de "
                     "sa délivrance)",
    EXEMPTION_REQUEST: "demande d'exonération de TVA acceptée (fournitures ne figurant pas à l'annexe IV-1)",
    FM6SS_BENEFICIARY: "qualité de bénéficiaire : Fondation Mohammed VI des Sciences et de la Santé "
                       "(loi n° 23-23)",
    NONPROFIT_BENEFICIARY: "qualité de bénéficiaire : organisme à but non lucratif visé à l'article 164 bis-1°-j du "
                           "CDII",
    PV_MANUFACTURER: "qualité de fabricant de panneaux photovoltaïques de l'importateur",
}


def school_supplies_missing_condition(*, listed_item: bool, is_material: bool, held: set[str]) -> str | None:
    """Which condition code 2013 still lacks, ``None`` when met. ``held`` = kinds of valid conditions."""
    # Circ. 6522/210 §IV-1 (décret 2-23-1118): supplies → undertaking; materials → DGI certificate;
    # supplies outside annexe IV-1 → exemption request examined by the Administration.
    if is_material:
        return None if DGI_CERTIFICATE in held else DGI_CERTIFICATE
    if not listed_item:
        return None if EXEMPTION_REQUEST in held else EXEMPTION_REQUEST
    return None if held & {UNDERTAKING, DGI_CERTIFICATE} else UNDERTAKING


def fm6ss_missing_condition(*, is_equipment: bool, held: set[str]) -> str | None:
    # CGI art. 123 (LF 2024, circ. 6522/210 §IV-1, code 0040): equipment, materials and tools acquired by the
    # Fondation Mohammed VI des Sciences et de la Santé for its missions.
    if FM6SS_BENEFICIARY not in held:
        return FM6SS_BENEFICIARY
    if not is_equipment:
        return "equipment"
    return None


def minimum_duty_missing_condition(*, held: set[str], fm6ss_listed: bool) -> str | None:
    """What the 2.5 % minimum duty still lacks, ``None`` when met; ``fm6ss_listed``: the date is on or
    after the effective date of the law that added the Foundation (LF 2024)."""
    # CDII art. 164 bis-1°-j (LF 2024, circ. 6522/210 §I.3): listed non-profit bodies, the FM6SS from LF 2024.
    if NONPROFIT_BENEFICIARY in held:
        return None
    if FM6SS_BENEFICIARY in held:
        return None if fm6ss_listed else FM6SS_NOT_YET_LISTED
    return NONPROFIT_BENEFICIARY


def solar_panel_inputs_missing_condition(*, held: set[str]) -> str | None:
    # CGI art. 123-59° (LF 2022, circ. 6255/210 §V): inputs « importés par les fabricants desdits panneaux ».
    return None if PV_MANUFACTURER in held else PV_MANUFACTURER


# --- alcoholic beverages (LF 2024 art. 5-IV) -------------------------------------------------------

ALCOHOL_EXCISE_CATEGORIES = ("A-beer", "A-wine", "A-spirits")  # table A II-b), III), IV)-d)


def transitional_clause_refused(*, is_alcoholic_beverage: bool, on_date: dt.date, lf_2024_from: dt.date) -> bool:
    # LF 2024 art. 5-IV (circ. 6522/210 §III.2): the transitional clause of CDII art. 13 does not apply to
    # imports of alcoholic beverages from the LF 2024 date.
    return is_alcoholic_beverage and on_date >= lf_2024_from


# --- warehouse goods abandoned or destroyed (CDII art. 130-4°, LF 2024) ----------------------------

def warehouse_disposal_refusals(*, duties_paid_or_guaranteed: bool, reason_listed: bool,
                                costs_borne_by_operator: bool) -> list[tuple[str, str]]:
    """(code, message) for every unmet condition of a duty-free abandonment or destruction."""
    # CDII art. 130-4° (LF 2024, circ. 6522/210 §I.2).
    refusals = []
    if duties_paid_or_guaranteed:
        refusals.append(("duties_paid_or_guaranteed",
                         "Les droits et taxes ont été acquittés ou garantis : l'abandon ou la destruction en "
                         "franchise n'est pas ouvert (CDII art. 130-4°)."))
    if not reason_listed:
        refusals.append(("reason_not_listed",
                         "Une raison commerciale dûment justifiée, figurant sur la liste fixée par voie "
                         "réglementaire, doit être indiquée (CDII art. 130-4°)."))
    if not costs_borne_by_operator:
        refusals.append(("cost_to_treasury",
                         "L'abandon ou la destruction se fait sans frais pour le Trésor : les frais sont à la "
                         "charge du soumissionnaire (CDII art. 130-4°)."))
    return refusals


class WarehouseDisposalAllowed(BusinessRule):
    """L'abandon ou la destruction en franchise des marchandises entreposées n'est ouvert que sans droits acquittés
    ni garantis, pour une raison commerciale de la liste réglementaire, et sans frais pour le Trésor."""

    # CDII art. 130-4° (LF 2024, circ. 6522/210 §I.2).
    code = "EXO3"

    def validate(self, obj) -> None:
        refusals = warehouse_disposal_refusals(
            duties_paid_or_guaranteed=obj.duties_paid_or_guaranteed, reason_listed=obj.reason_id is not None,
            costs_borne_by_operator=obj.costs_borne_by_operator)
        if refusals:
            raise self.violation(" ".join(message for _code, message in refusals))
