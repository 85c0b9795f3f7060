"""Forms of the litigation pages. They check the input (types, formats, required fields)
and hand plain values to ``litigation.services``; the rules (offence in force on the date
of the facts, 66 bis threshold, art. 275 on settlements…) stay in the services, whose
French ``DomainError``s are shown next to the field they name (``add_page_errors``)."""
from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from declarations.selectors import declaration_by_reference
from tariff.kit.forms import date_field, money_field
from tariff.kit.uploads import DocumentFileField

from . import selectors
from .models import Case, CaseDocument, CaseParty, Offence

KEY_SEPARATOR = "|"


def _natural(text: str) -> tuple:
    """``"6° bis"`` sorts after ``"6°"`` and before ``"13°"``."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def offence_choices(*, on_date=None) -> list[tuple[str, str]]:
    """One choice per offence of the effective-dated catalogue (``selectors.offence_list``),
    keyed ``article|paragraph|variant`` and labelled from its latest version; the service
    charges the version in force on the date of the facts."""
    latest: dict[tuple[str, str, str], Offence] = {}
    for row in selectors.offence_list(on_date=on_date):
        latest[(row.article, row.paragraph, row.variant)] = row  # ordered by valid_from
    choices = []
    for key in sorted(latest, key=lambda k: (_natural(k[0]), _natural(k[1]), k[2])):
        row = latest[key]
        period = f"dès le {row.valid_from:%d/%m/%Y}"
        if row.valid_to:
            period = f"du {row.valid_from:%d/%m/%Y} au {row.valid_to:%d/%m/%Y}"
        text = Truncator(row.label_fr).chars(90)
        label = f"{row.citation} — {row.get_offence_class_display()} — {text} ({period})"
        choices.append((KEY_SEPARATOR.join(key), label))
    return choices


def offence_key(value: str) -> dict:
    article, paragraph, variant = (value.split(KEY_SEPARATOR) + ["", ""])[:3]
    return {"article": article, "paragraph": paragraph, "variant": variant}


def optional_money(label, **kwargs):
    return money_field(label, required=False, **kwargs)


# --- case ---------------------------------------------------------------------------------------

class CaseForm(forms.Form):
    """A new case: facts, bases of the fines, circumstances, seizure, first party, offences."""

    reference = forms.CharField(label=_("Référence du dossier"), max_length=40,
                                widget=forms.TextInput(attrs={"placeholder": "CTX-2024-0001"}))
    office = forms.CharField(label=_("Bureau de douane"), max_length=120,
                             widget=forms.TextInput(attrs={"placeholder": "309 Casablanca-Port"}))
    facts_date = date_field(_("Date des faits"),
                            help_text=_("Elle fixe le texte de l'infraction applicable."))
    declaration_reference = forms.CharField(
        label=_("Déclaration (DUM) concernée"), max_length=40, required=False,
        help_text=_("Liée au dossier si la déclaration est gérée par le cabinet."),
    )
    description = forms.CharField(label=_("Exposé des faits"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    goods_customs_value = optional_money(_("Valeur en douane des marchandises (DH)"))
    duties_compromised = optional_money(_("Droits et taxes compromis ou éludés (DH)"))
    undeclared_amount = optional_money(_("Montant non déclaré — moyens de paiement, art. 66 bis (DH)"))
    export_advantages = optional_money(_("Avantages attachés à l'exportation (DH)"))
    other_sums_due = optional_money(_("Autres sommes dues (DH)"))
    aggravating_circumstances = forms.BooleanField(label=_("Circonstances aggravantes"), required=False)
    aggravating_details = forms.CharField(label=_("Précisions sur les circonstances"), max_length=255,
                                          required=False)
    sensitive_goods = forms.BooleanField(
        label=_("Marchandises sensibles (sécurité, moralité, santé publique, environnement)"), required=False)
    post_clearance_fraud = forms.BooleanField(
        label=_("Fraude relevée au titre des articles 86 bis ou 166 ter"), required=False)
    seized_goods_description = forms.CharField(label=_("Marchandises saisies"), required=False,
                                               widget=forms.Textarea(attrs={"rows": 2}))
    seized_goods_customs_value = optional_money(_("Valeur en douane des marchandises saisies (DH)"))
    duties_on_seized_goods = optional_money(_("Droits et taxes sur les marchandises saisies (DH)"))
    seized_transport_value = optional_money(_("Valeur des moyens de transport saisis (DH)"))
    party_name = forms.CharField(label=_("Partie poursuivie (nom ou raison sociale)"), max_length=200,
                                 required=False)
    party_role = forms.ChoiceField(label=_("Qualité"), choices=CaseParty.Role.choices,
                                   initial=CaseParty.Role.OFFENDER, required=False)
    party_identifier = forms.CharField(label=_("Identifiant (CIN, ICE, RC)"), max_length=60, required=False)
    offences = forms.MultipleChoiceField(
        label=_("Infractions relevées"), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choisir au moins une infraction du référentiel.")},
        help_text=_("Le texte en vigueur à la date des faits est retenu ; une infraction qui n'existait "
                    "pas encore à cette date apparaît « non applicable »."),
    )

    CASE_FIELDS = (
        "reference", "office", "facts_date", "declaration_reference", "description", "goods_customs_value",
        "duties_compromised", "undeclared_amount", "export_advantages", "other_sums_due",
        "aggravating_circumstances", "aggravating_details", "sensitive_goods", "post_clearance_fraud",
        "seized_goods_description", "seized_goods_customs_value", "duties_on_seized_goods", "seized_transport_value",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offences"].choices = offence_choices()

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        if Case.objects.filter(reference=reference).exists():
            raise ValidationError(_("Un dossier porte déjà cette référence."))
        return reference

    def clean_declaration_reference(self):
        return self.cleaned_data["declaration_reference"].strip()

    def case_data(self) -> dict:
        """Keyword arguments of ``services.case_create``."""
        data = {name: self.cleaned_data[name] for name in self.CASE_FIELDS}
        data["declaration"] = declaration_by_reference(data["declaration_reference"])
        name = self.cleaned_data["party_name"].strip()
        data["parties"] = [{
            "name": name, "role": self.cleaned_data["party_role"] or CaseParty.Role.OFFENDER,
            "identifier": self.cleaned_data["party_identifier"].strip(),
        }] if name else []
        data["offences"] = [offence_key(value) for value in self.cleaned_data["offences"]]
        return data


# --- actions on a case --------------------------------------------------------------------------

class CaseOffenceForm(forms.Form):
    """One more offence on a case, with its own bases when they differ from the case's."""

    offence = forms.ChoiceField(label=_("Infraction"))
    goods_customs_value = optional_money(_("Valeur en douane propre (DH)"))
    duties_compromised = optional_money(_("Droits et taxes propres (DH)"))
    undeclared_amount = optional_money(_("Montant non déclaré propre (DH)"))
    export_advantages = optional_money(_("Avantages à l'exportation propres (DH)"))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    field_aliases = {"article": "offence"}

    def __init__(self, *args, on_date=None, **kwargs):
        """``on_date``: the facts date of the case; only the offences in force that day are
        offered (a repealed or replaced text is not: the text in force on the facts date applies)."""
        super().__init__(*args, **kwargs)
        self.fields["offence"].choices = [("", _("— choisir —")), *offence_choices(on_date=on_date)]

    def offence_data(self) -> dict:
        """Keyword arguments of ``services.case_add_offence`` (without the case)."""
        data = {k: v for k, v in self.cleaned_data.items() if k != "offence"}
        return {**offence_key(self.cleaned_data["offence"]), **data, "field": "offence"}


class SettlementForm(forms.Form):
    """A transaction (CDII art. 275). Duties are never remitted: the field is there so that
    an attempt is refused by the service with its reason, not silently dropped."""

    settlement_date = date_field(_("Date de la transaction"))
    reference = forms.CharField(label=_("Référence de la transaction"), max_length=60, required=False)
    fine_retained = money_field(
        _("Amende retenue (DH)"), required=False,
        help_text=_("Dans la fourchette légale des infractions (ex. 297-8° : 10 000 à 50 000 DH) ; "
                    "vide : le maximum encouru."))
    fines_remitted = money_field(_("Remise sur les amendes (DH)"), initial=0)
    confiscations_remitted = money_field(_("Remise sur les confiscations (DH)"), initial=0)
    other_sums_remitted = money_field(_("Remise sur les autres sommes (DH)"), initial=0)
    duties_remitted = money_field(_("Remise sur les droits et taxes (DH)"), initial=0,
                                  help_text=_("Toujours 0 : les droits et taxes ne sont jamais remis (art. 275)."))
    notes = forms.CharField(label=_("Observations"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CaseStatusForm(forms.Form):
    """Move a case along its workflow (the buttons of the case page). Any status is accepted
    here: ``services.case_transition`` refuses with the reason of ``rules.transition_refusal``
    (« réglée par transaction » comes from recording the settlement)."""

    to_status = forms.ChoiceField(label=_("Nouveau statut"), choices=Case.Status.choices)

    field_aliases = {"status": "to_status"}

    def __init__(self, *args, case: Case | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case



class CaseDocumentForm(forms.Form):
    """A document filed on a case: its kind, title, date and the file (PDF, JPEG or PNG)."""

    kind = forms.ChoiceField(label=_("Nature"), choices=CaseDocument.Kind.choices, initial=CaseDocument.Kind.REPORT)
    title = forms.CharField(label=_("Intitulé ou référence"), max_length=200,
                            widget=forms.TextInput(attrs={"placeholder": _("ex. PV n° 123/2024")}))
    document_date = date_field(_("Date du document"))
    file = DocumentFileField(label=_("Fichier"))
