"""Penalty and settlement rules of customs litigation: pure functions over the catalogue
rows and the case's figures (no database access here).

Sources: CDII art. 219, 275, 279 quater, 282 bis, 287 bis, 294 bis, 297 bis, 299 bis as
amended by LF 2022 (circ. 6255/210, annexe I) and LF 2024 (circ. 6522/210, annexe I).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from tariff.kit.money import LOCAL_CURRENCY, quantize_money, to_decimal
from tariff.kit.numbers import format_amount, format_plain

from .models import Case, Offence

ZERO = Decimal("0.00")
HALF = Decimal("0.5")
ONE = Decimal("1")
TWO = Decimal("2")

FineBasis = Offence.FineBasis
Status = Case.Status

CONFISCATION_LABELS = {
    "goods": "marchandises de fraude",
    "transport": "moyens de transport",
    "concealing": "marchandises servant à masquer la fraude",
}

BASIS_WORDING = {
    FineBasis.GOODS_VALUE: "la valeur en douane des marchandises",
    FineBasis.DUTIES: "les droits et taxes",
    FineBasis.HALF_UNDECLARED: "le montant non déclaré",
    FineBasis.HALF_GOODS_VALUE: "la valeur en douane des marchandises",
    FineBasis.GOODS_VALUE_ONCE: "la valeur en douane des marchandises",
    FineBasis.EXPORT_ADVANTAGES: "le montant des avantages attachés à l'exportation",
}

# Coefficient implied by the basis itself (the row's multiplier is used for the others).
IMPLIED_MULTIPLIER = {
    FineBasis.HALF_UNDECLARED: HALF,
    FineBasis.HALF_GOODS_VALUE: HALF,
    FineBasis.GOODS_VALUE_ONCE: ONE,
    FineBasis.EXPORT_ADVANTAGES: ONE,
}

DH = "DH"  # the dirham as the CDII and the circulars write it; amounts shown by tariff.kit.numbers.format_amount


def _fine_wording(multiplier: Decimal, basis: str) -> str:
    """« à 3 fois les droits et taxes », « à la moitié du montant non déclaré »…"""
    words = BASIS_WORDING[basis]
    prefix = {ONE: "à ", HALF: "à la moitié de ", Decimal("1.5"): "à une fois et demie "}.get(
        multiplier, f"à {format_plain(multiplier)} fois ")
    text = prefix + words
    for long, short in (("à le ", "au "), ("à les ", "aux "), ("de le ", "du "), ("de les ", "des ")):
        text = text.replace(long, short)
    return text


@dataclass(frozen=True)
class PenaltyLine:
    """What one offence on a case risks, with the article it comes from."""

    article: str
    paragraph: str
    variant: str
    citation: str
    label: str
    offence_class: str
    offence_class_label: str
    applicable: bool
    reason: str = ""
    offence_id: int | None = None
    penalty_article: str = ""
    source: str = ""
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    fine_basis: str = ""
    fine_basis_label: str = ""
    fine_base: Decimal | None = None
    fine_multiplier: Decimal | None = None
    fine_min: Decimal | None = None
    fine_max: Decimal | None = None
    doubled: bool = False
    doubling_reason: str = ""
    prison_min_months: int | None = None
    prison_max_months: int | None = None
    confiscations: tuple[str, ...] = ()
    confiscation_note: str = ""
    detail: str = ""
    currency: str = LOCAL_CURRENCY

    @property
    def fine_known(self) -> bool:
        return self.applicable and self.fine_max is not None

    @property
    def confiscation_labels(self) -> list[str]:
        return [CONFISCATION_LABELS[c] for c in self.confiscations]


def _identity(offence: Offence) -> dict:
    return {
        "article": offence.article,
        "paragraph": offence.paragraph,
        "variant": offence.variant,
        "citation": offence.citation,
        "label": offence.label_fr,
        "offence_class": offence.offence_class,
        "offence_class_label": str(offence.get_offence_class_display()),
    }


def not_in_force_line(offence: Offence, *, on_date: dt.date, versions: list[Offence]) -> PenaltyLine:
    """Line for an offence with no version in force on the date of the facts."""
    periods = ", ".join(
        f"du {v.valid_from:%d/%m/%Y}" + (f" au {v.valid_to:%d/%m/%Y}" if v.valid_to else "")
        for v in sorted(versions, key=lambda v: v.valid_from)
    )
    reason = (
        f"Infraction {offence.citation} non applicable : aucune version en vigueur le {on_date:%d/%m/%Y}"
        + (f" (en vigueur {periods})." if periods else ".")
    )
    return PenaltyLine(applicable=False, reason=reason, **_identity(offence))


_SANCTION_KEYS = ("prison_min_months", "prison_max_months", "confiscations", "confiscation_note")


def compute_penalty(
    offence: Offence,
    *,
    goods_value=None,
    duties=None,
    undeclared_amount=None,
    export_advantages=None,
    aggravating: bool = False,
    sensitive_goods: bool = False,
) -> PenaltyLine:
    """Fine (amount or range), prison range and confiscations the offence carries.

    ``offence`` is the version in force on the date of the facts. Fines on a base are
    rounded half-up to the centime (fine_min = fine_max); fixed fines are a range.
    Bases are the customs value of the goods (CDII art. 219) or the duties and taxes.
    """
    common = {
        **_identity(offence),
        "offence_id": offence.pk,
        "penalty_article": offence.penalty_article,
        "source": offence.source,
        "valid_from": offence.valid_from,
        "valid_to": offence.valid_to,
        "prison_min_months": offence.prison_min_months,
        "prison_max_months": offence.prison_max_months,
        "confiscations": tuple(
            key for key, on in (
                ("goods", offence.confiscate_goods),
                ("transport", offence.confiscate_transport),
                ("concealing", offence.confiscate_concealing),
            ) if on
        ),
        "confiscation_note": offence.confiscation_note,
    }
    basis = offence.fine_basis
    bases = {
        FineBasis.GOODS_VALUE: (goods_value, "valeur en douane des marchandises", "goods_customs_value"),
        FineBasis.HALF_GOODS_VALUE: (goods_value, "valeur en douane des marchandises", "goods_customs_value"),
        FineBasis.GOODS_VALUE_ONCE: (goods_value, "valeur en douane des marchandises", "goods_customs_value"),
        FineBasis.DUTIES: (duties, "droits et taxes", "duties_compromised"),
        FineBasis.HALF_UNDECLARED: (undeclared_amount, "montant non déclaré", "undeclared_amount"),
        FineBasis.EXPORT_ADVANTAGES: (export_advantages, "avantages attachés à l'exportation", "export_advantages"),
    }

    # CDII art. 66 bis (LF 2022): only payment instruments of 100,000 DH or more must be declared.
    if offence.min_undeclared_amount is not None and undeclared_amount is not None:
        if to_decimal(undeclared_amount) < offence.min_undeclared_amount:
            return PenaltyLine(
                applicable=False,
                reason=(
                    f"Montant non déclaré de {format_amount(undeclared_amount, DH)} inférieur au seuil de "
                    f"{format_amount(offence.min_undeclared_amount, DH)} : pas d'infraction (art. 66 bis)."
                ),
                **{k: v for k, v in common.items() if k not in _SANCTION_KEYS},
            )

    basis_label = str(offence.get_fine_basis_display()) if basis else ""
    if not basis:
        return PenaltyLine(
            applicable=True,
            detail=offence.note or "Montant de l'amende non repris dans le référentiel.",
            **common,
        )

    doubling = []
    if offence.doubling_on_aggravating and aggravating:
        doubling.append("circonstances aggravantes")
    if offence.doubling_on_sensitive_goods and sensitive_goods:
        doubling.append("marchandises ayant une incidence sur la sécurité, la moralité, la santé publique "
                        "ou l'environnement")
    factor = TWO if doubling else ONE
    doubling_reason = ("Amende portée au double : " + " et ".join(doubling) + ".") if doubling else ""

    if basis == FineBasis.FIXED_RANGE:
        fine_min = quantize_money(offence.fine_min * factor)
        fine_max = quantize_money(offence.fine_max * factor)
        detail = f"Amende de {format_amount(offence.fine_min, DH)} à {format_amount(offence.fine_max, DH)}"
        if doubling:
            detail += f", portée au double : {format_amount(fine_min, DH)} à {format_amount(fine_max, DH)}"
        return PenaltyLine(
            applicable=True, fine_basis=basis, fine_basis_label=basis_label, fine_min=fine_min, fine_max=fine_max,
            doubled=bool(doubling), doubling_reason=doubling_reason,
            detail=f"{detail} (art. {offence.penalty_article}).", **common,
        )

    base, base_label, base_field = bases[basis]
    multiplier = offence.fine_multiplier if offence.fine_multiplier is not None else IMPLIED_MULTIPLIER[basis]
    if base is None:
        return PenaltyLine(
            applicable=True, fine_basis=basis, fine_basis_label=basis_label, fine_multiplier=multiplier,
            doubled=bool(doubling), doubling_reason=doubling_reason,
            detail=f"Assiette manquante : {base_label} non renseigné(e) sur le dossier ({base_field}).",
            **common,
        )
    base = to_decimal(base)
    simple = quantize_money(base * multiplier)
    amount = quantize_money(simple * factor)
    detail = (f"Amende égale {_fine_wording(multiplier, basis)} ({format_amount(base, DH)}) = "
              f"{format_amount(simple, DH)}")
    if doubling:
        detail += f", portée au double = {format_amount(amount, DH)}"
    return PenaltyLine(
        applicable=True, fine_basis=basis, fine_basis_label=basis_label, fine_base=base, fine_multiplier=multiplier,
        fine_min=amount, fine_max=amount, doubled=bool(doubling), doubling_reason=doubling_reason,
        detail=f"{detail} (art. {offence.penalty_article}).", **common,
    )


@dataclass(frozen=True)
class Exposure:
    """What a case risks in total: the lines, fine totals over the applicable lines whose
    fine is known, confiscations, and the duties a settlement can never remit."""

    lines: list[PenaltyLine] = field(default_factory=list)
    fine_min_total: Decimal = ZERO
    fine_max_total: Decimal = ZERO
    incomplete: bool = False
    confiscations: tuple[str, ...] = ()
    confiscation_value: Decimal = ZERO
    duties_not_remittable: Decimal = ZERO
    duties_basis: str = ""
    currency: str = LOCAL_CURRENCY

    @property
    def confiscation_labels(self) -> list[str]:
        return [CONFISCATION_LABELS[c] for c in self.confiscations]


def duties_not_remittable(case: Case, *, on_date: dt.date, lf_2024_from: dt.date) -> tuple[Decimal, str]:
    """Duties and taxes a settlement can never remit (CDII art. 275), and why.

    From the LF 2024 date (``lf_2024_from``, the law's row) they are assessed on the goods
    actually seized, except in frauds found under art. 86 bis / 166 ter (and before that date),
    where they are due on all the goods.
    """
    # CDII art. 275 as amended by LF 2024 (circ. 6522/210 §I.6).
    if case.post_clearance_fraud or on_date < lf_2024_from:
        why = ("fraude relevée au titre des art. 86 bis / 166 ter" if case.post_clearance_fraud
               else "texte antérieur à la LF 2024")
        return quantize_money(case.duties_compromised or ZERO), (
            f"Droits et taxes compromis sur l'ensemble des marchandises ({why}) — art. 275."
        )
    return quantize_money(case.duties_on_seized_goods or ZERO), (
        "Droits et taxes exigibles sur les marchandises effectivement saisies — art. 275 (LF 2024)."
    )


def exposure_of(case: Case, lines: list[PenaltyLine], *, on_date: dt.date, lf_2024_from: dt.date) -> Exposure:
    applicable = [line for line in lines if line.applicable]
    known = [line for line in applicable if line.fine_max is not None]
    confiscations = tuple(k for k in CONFISCATION_LABELS if any(k in line.confiscations for line in applicable))
    value = ZERO
    if "goods" in confiscations:
        value += case.seized_goods_customs_value or ZERO
    if "transport" in confiscations:
        value += case.seized_transport_value or ZERO
    duties, duties_basis = duties_not_remittable(case, on_date=on_date, lf_2024_from=lf_2024_from)
    return Exposure(
        lines=lines,
        fine_min_total=quantize_money(sum((line.fine_min for line in known), ZERO)),
        fine_max_total=quantize_money(sum((line.fine_max for line in known), ZERO)),
        incomplete=len(known) < len(applicable),
        confiscations=confiscations,
        confiscation_value=quantize_money(value),
        duties_not_remittable=duties,
        duties_basis=duties_basis,
    )


# --- case lifecycle: steps and next actions ---------------------------------------------------
# One home for each rule on what a case in a given status allows: ``case_action_refusal`` says
# why an action is refused (code + French message); the services raise that refusal and the
# case page shows it beside the greyed action (``case_next_actions``).

class CaseAction:
    REVIEW = "review"
    SETTLE = "settle"
    REFER = "refer"
    CLOSE = "close"
    ADD_OFFENCE = "add_offence"
    ADD_DOCUMENT = "add_document"


ACTION_LABELS = {
    CaseAction.REVIEW: _("Passer en cours d'examen"),
    CaseAction.SETTLE: _("Enregistrer une transaction"),
    CaseAction.REFER: _("Transmettre au tribunal"),
    CaseAction.CLOSE: _("Clôturer le dossier"),
    CaseAction.ADD_OFFENCE: _("Ajouter une infraction"),
    CaseAction.ADD_DOCUMENT: _("Déposer un document"),
}

# The status each moving action leads to (« réglée » only by recording the transaction).
ACTION_TARGETS = {
    CaseAction.REVIEW: Status.UNDER_REVIEW,
    CaseAction.SETTLE: Status.SETTLED,
    CaseAction.REFER: Status.REFERRED_TO_COURT,
    CaseAction.CLOSE: Status.CLOSED,
}

CLOSED_MESSAGE = "Dossier clôturé : il ne peut plus être modifié."


@dataclass(frozen=True)
class Refusal:
    """Why an action is refused on a case: the code API clients match on, the French message."""

    code: str
    message: str
    field: str = "status"


def _status_label(status: str) -> str:
    return str(Status(status).label)


def case_action_refusal(status: str, action: str) -> Refusal | None:
    """Why ``action`` is not possible on a case in ``status`` (None: it is).

    Workflow: constatée → en cours d'examen → réglée par transaction (CDII art. 275) or
    transmise au tribunal → clôturée; offences are charged until the case is decided."""
    current = Status(status)
    if current == Status.CLOSED:
        return Refusal("case_closed", CLOSED_MESSAGE)
    label = _status_label(current)
    if action == CaseAction.ADD_DOCUMENT:
        return None
    if action == CaseAction.ADD_OFFENCE:
        if current in (Status.REPORTED, Status.UNDER_REVIEW):
            return None
        return Refusal("offences_locked", f"Dossier « {label} » : ses infractions ne peuvent plus être modifiées.",
                       field="offence")
    if action == CaseAction.REVIEW:
        if current == Status.REPORTED:
            return None
        if current == Status.UNDER_REVIEW:
            return Refusal("invalid_transition", "Le dossier est déjà en cours d'examen.")
        return Refusal("invalid_transition", f"Le dossier a déjà été examiné (statut « {label} »).")
    if action == CaseAction.SETTLE:
        # CDII art. 275: the transaction is agreed while the administration examines the case.
        if current == Status.UNDER_REVIEW:
            return None
        if current == Status.REPORTED:
            return Refusal("invalid_status", f"Passez le dossier « {_status_label(Status.UNDER_REVIEW)} » pour "
                                             f"enregistrer une transaction (statut actuel : « {label} »).")
        if current == Status.SETTLED:
            return Refusal("invalid_status", "Une transaction est déjà enregistrée sur ce dossier.")
        return Refusal("invalid_status", f"Une transaction s'enregistre sur un dossier « "
                                         f"{_status_label(Status.UNDER_REVIEW)} » (statut actuel : « {label} »).")
    if action == CaseAction.REFER:
        if current == Status.UNDER_REVIEW:
            return None
        if current == Status.REPORTED:
            return Refusal("invalid_transition",
                           "Passez le dossier en cours d'examen avant de le transmettre au tribunal.")
        if current == Status.SETTLED:
            return Refusal("invalid_transition", "Dossier réglé par transaction : il n'est plus transmis au tribunal.")
        return Refusal("invalid_transition", "Le dossier est déjà transmis au tribunal.")
    if action == CaseAction.CLOSE:
        if current in (Status.SETTLED, Status.REFERRED_TO_COURT):
            return None
        return Refusal("invalid_transition", "Un dossier se clôture une fois réglé par transaction ou transmis au "
                                             f"tribunal (statut actuel : « {label} »).")
    raise ValueError(f"unknown case action: {action}")


def transition_refusal(from_status: str, to_status: str) -> Refusal | None:
    """Why ``case_transition`` refuses to move a case from one status to another (None: it may)."""
    action = next((a for a, target in ACTION_TARGETS.items() if target == to_status), None)
    if action is None:  # back to « constatée »: never
        return Refusal("invalid_transition", f"Passage du statut « {_status_label(from_status)} » à "
                                             f"« {_status_label(to_status)} » non autorisé.")
    refusal = case_action_refusal(from_status, action)
    if refusal is None and action == CaseAction.SETTLE:
        return Refusal("settlement_required", "Un dossier est réglé par l'enregistrement de la transaction "
                                              "(art. 275), pas par un changement de statut.")
    if refusal is not None and refusal.code != "invalid_transition":  # one code for every refused move
        return Refusal("invalid_transition", refusal.message)
    return refusal


@dataclass(frozen=True)
class NextAction:
    """One thing the people in charge may (or may not yet) do on a case, and why not."""

    action: str
    label: str
    allowed: bool
    reason: str = ""
    code: str = ""
    to_status: str = ""


def case_next_actions(case: Case) -> list[NextAction]:
    """Every action of the case page, allowed or not with its reason (``case_action_refusal``)."""
    actions = []
    for action, label in ACTION_LABELS.items():
        refusal = case_action_refusal(case.status, action)
        actions.append(NextAction(
            action=action, label=label, allowed=refusal is None, reason=refusal.message if refusal else "",
            code=refusal.code if refusal else "", to_status=ACTION_TARGETS.get(action, ""),
        ))
    return actions


@dataclass(frozen=True)
class CaseStep:
    """One step of the lifecycle shown on the case page: ``done``, ``current``, ``todo`` or
    ``skipped`` (the branch not taken: settled or sent to court)."""

    status: str
    label: str
    state: str


def case_steps(case: Case, *, settled: bool | None = None) -> list[list[CaseStep]]:
    """The lifecycle as steps; the third step is the alternative « réglée » | « transmise ».
    ``settled``: for a closed case, whether it was closed after a transaction (its settlements)."""
    order = [[Status.REPORTED], [Status.UNDER_REVIEW], [Status.SETTLED, Status.REFERRED_TO_COURT], [Status.CLOSED]]
    current = Status(case.status)
    position = next(i for i, group in enumerate(order) if current in group)
    if current == Status.CLOSED:
        taken = Status.SETTLED if settled else Status.REFERRED_TO_COURT
    elif current in (Status.SETTLED, Status.REFERRED_TO_COURT):
        taken = current
    else:
        taken = None
    steps = []
    for i, group in enumerate(order):
        row = []
        for status in group:
            if taken is not None and len(group) > 1 and status != taken:
                state = "skipped"
            elif i < position:
                state = "done"
            elif i == position:
                state = "current"
            else:
                state = "todo"
            row.append(CaseStep(status=status, label=_status_label(status), state=state))
        steps.append(row)
    return steps
