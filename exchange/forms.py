"""Forms of the commitment pages. They check the input (types, formats, required fields)
and hand plain values to ``exchange.services``; the Office des Changes rules stay in the
services, whose ``DomainError``s are shown next to the field they name
(``declarations.forms.add_page_errors``, through each form's ``field_aliases``)."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tariff.forms import CurrencyField
from tariff.kit.forms import date_field, money_field
from tariff.kit.money import RATE_DECIMAL_PLACES, RATE_MAX_DIGITS

from .models import Bank, Commitment, Importer, Imputation, Modification, Payment
from .services import MODIFIABLE_FIELDS


class CommitmentFilterForm(forms.Form):
    number = forms.CharField(label=_("Numéro"), required=False, max_length=40,
                             widget=forms.TextInput(attrs={"placeholder": _("ex. EI-2025")}))
    status = forms.ChoiceField(label=_("Statut"), required=False,
                               choices=[("", _("Tous"))] + list(Commitment.Status.choices))
    importer = forms.CharField(label=_("Importateur (nom ou ICE)"), required=False, max_length=100)
    bank = forms.ModelChoiceField(label=_("Banque"), required=False, queryset=Bank.objects.order_by("name"),
                                  empty_label=_("Toutes"))


class CommitmentForm(forms.Form):
    """Subscription of a commitment (``services.commitment_create``); the bank domiciles it."""

    number = forms.CharField(label=_("Numéro de l'engagement"), max_length=40)
    importer = forms.ModelChoiceField(label=_("Importateur"), queryset=Importer.objects.select_related("party").order_by("party__name"),
                                      empty_label=_("— choisir —"))
    bank = forms.ModelChoiceField(label=_("Banque domiciliataire"), queryset=Bank.objects.order_by("name"),
                                  empty_label=_("— choisir —"))
    currency = CurrencyField(_("Devise"))
    subscribed_amount = money_field(_("Montant souscrit"))
    total_import_value = money_field(_("Valeur totale de l'importation"), required=False,
                                     help_text=_("Par défaut le montant souscrit ; base des acomptes (30 %)."))
    goods_description = forms.CharField(label=_("Marchandises"), max_length=500)
    goods_category = forms.ChoiceField(
        label=_("Catégorie de marchandises"), choices=Commitment.GoodsCategory.choices,
        initial=Commitment.GoodsCategory.OTHER, required=False,
        help_text=_("Détermine les dépassements admis (coulage, polarisation)."))

    def clean_goods_category(self) -> str:
        return self.cleaned_data["goods_category"] or Commitment.GoodsCategory.OTHER
    subscribed_on = date_field(_("Date de souscription"))
    contract_reference = forms.CharField(label=_("Référence du contrat commercial"), max_length=100, required=False)
    payment_method = forms.ChoiceField(label=_("Mode de règlement"), choices=Commitment.PaymentMethod.choices,
                                       initial=Commitment.PaymentMethod.OTHER)
    # Required, no initial value (issue 17): a silent 0 % blocked every advance. 0 when the contract
    # provides none; above the regulatory rate the service refuses it here, at subscription.
    contract_advance_rate = forms.DecimalField(
        label=_("Taux d'acompte contractuel (%)"), min_value=0, max_value=100, max_digits=RATE_MAX_DIGITS,
        decimal_places=RATE_DECIMAL_PLACES, localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "num"}),
        help_text=_("Celui du contrat commercial (0 s'il ne prévoit pas d'acompte) ; au plus 30 %, 50 % pour "
                    "l'aéronautique immatriculée, sauf exportateur réglant par son compte en devises."),
    )
    balance_before_entry = forms.BooleanField(
        label=_("Reliquat à régler avant l'entrée de la marchandise"), required=False)
    contract_provides_anticipated_payment = forms.BooleanField(
        label=_("Le contrat prévoit le règlement par anticipation"), required=False)
    bank_engagement = forms.BooleanField(label=_("Engagement de la banque (aval, garantie…)"), required=False)
    insured_abroad = forms.BooleanField(label=_("Assurance à l'étranger"), required=False)
    freight_amount = money_field(_("Fret"), required=False)
    accessory_costs = money_field(_("Frais accessoires"), required=False)
    insurance_amount = money_field(_("Frais d'assurance"), required=False)
    second_hand_auction_value = money_field(_("Matériel d'occasion acquis aux enchères (valeur)"), required=False)
    replaces = forms.CharField(label=_("Remplace l'engagement n°"), max_length=40, required=False,
                               help_text=_("Pour un report d'acomptes ; même importateur."))

    # Service errors name the service's argument; ``amount`` is the subscribed amount here.
    field_aliases = {"amount": "subscribed_amount"}
    COST_FIELDS = ("freight_amount", "accessory_costs", "insurance_amount")

    def clean_number(self):
        number = self.cleaned_data["number"].strip()
        if Commitment.objects.filter(number=number).exists():
            raise ValidationError(_("Un engagement porte déjà ce numéro."))
        return number

    def clean_replaces(self):
        number = self.cleaned_data["replaces"].strip()
        if not number:
            return None
        replaced = Commitment.objects.filter(number=number).first()
        if replaced is None:
            raise ValidationError(_("Engagement inconnu : %(number)s.") % {"number": number})
        return replaced

    def commitment_data(self) -> dict:
        """Keyword arguments of ``services.commitment_create`` (without the user)."""
        data = dict(self.cleaned_data)
        for name in self.COST_FIELDS:
            if data[name] is None:
                data[name] = 0
        return data


class ImputationForm(forms.Form):
    amount = money_field(_("Montant imputé"))
    currency = CurrencyField(_("Devise"))
    on_date = date_field(_("Date d'imputation"))
    declaration_reference = forms.CharField(label=_("Déclaration (DUM)"), max_length=60, required=False)
    kind = forms.ChoiceField(label=_("Nature"), choices=Imputation.Kind.choices, initial=Imputation.Kind.PARTIAL,
                             required=False, help_text=_("Définitive : la dernière imputation (facture définitive)."))

    def clean_kind(self) -> str:
        return self.cleaned_data["kind"] or Imputation.Kind.PARTIAL


class PaymentForm(forms.Form):
    """A payment the domiciliary bank makes (``services.commitment_pay``)."""

    kind = forms.ChoiceField(label=_("Nature"), choices=[("", _("— choisir —"))] + list(Payment.Kind.choices))
    amount = money_field(_("Montant"))
    currency = CurrencyField(_("Devise"))
    on_date = date_field(_("Date du règlement"))
    funding = forms.ChoiceField(label=_("Financement"), choices=Payment.Funding.choices,
                                initial=Payment.Funding.NORMAL)
    reason = forms.ChoiceField(label=_("Motif du dépassement"), required=False,
                               choices=[("", "—")] + list(Payment.OverrunReason.choices),
                               help_text=_("Dépassements seulement."))
    observed_difference = money_field(_("Différence constatée"), required=False,
                                      help_text=_("Coulage (sauf céréales), polarisation, perte ou dommage."))
    importer_bears_risk = forms.BooleanField(label=_("Risques à la charge de l'importateur"), required=False)

    def payment_data(self) -> dict:
        """Keyword arguments of ``services.commitment_pay`` (without commitment and user)."""
        return dict(self.cleaned_data)


class CommitmentEditForm(CommitmentForm):
    """The commitment's data as a modification request (``services.commitment_modify``): the
    subscription form's modifiable fields, with today's values; the bank validates."""

    reason = forms.CharField(label=_("Motif de la modification"), max_length=500, required=False,
                             help_text=_("Avenant au contrat, facture rectificative…"))

    def __init__(self, *args, commitment: Commitment, **kwargs):
        kwargs.setdefault("initial", self.initial_for(commitment))
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in (*MODIFIABLE_FIELDS, "reason"):
                del self.fields[name]

    @staticmethod
    def initial_for(commitment: Commitment) -> dict:
        initial = {name: getattr(commitment, name) for name in MODIFIABLE_FIELDS}
        initial["contract_advance_rate"] = format(commitment.contract_advance_rate.normalize(), "f")
        return initial

    def changes(self) -> dict:
        """The ``changes`` of ``services.commitment_modify``: every modifiable field as entered
        (the service keeps those that differ and refuses a request that changes nothing)."""
        data = {name: value for name, value in self.cleaned_data.items() if name in MODIFIABLE_FIELDS}
        for name in self.COST_FIELDS:
            if data.get(name) is None:
                data[name] = 0
        if data.get("total_import_value") is None:
            data.pop("total_import_value", None)  # empty: unchanged
        return data


class DomiciliationForm(forms.Form):
    """The domiciliary bank domiciles the commitment (``services.commitment_domiciliate``)."""

    # Not required here: unchecked, the service refuses with its own French message.
    contract_concordance_confirmed = forms.BooleanField(
        label=_("La banque confirme la concordance du contrat commercial et de l'engagement (parties, "
                "marchandises, montant, modalités de règlement conformes à la réglementation des changes)"),
        required=False)
    contract_reference = forms.CharField(label=_("Référence du contrat commercial"), max_length=100, required=False)


class ModificationDecisionForm(forms.Form):
    """The bank validates or rejects a requested modification (one of the commitment's)."""

    DECISIONS = (("validate", _("Valider")), ("reject", _("Refuser")))

    modification = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(choices=DECISIONS)
    rejection_reason = forms.CharField(label=_("Motif du refus"), max_length=500, required=False)

    def __init__(self, *args, commitment: Commitment, **kwargs):
        super().__init__(*args, **kwargs)
        self.commitment = commitment

    def clean_modification(self) -> Modification:
        modification = Modification.objects.filter(
            pk=self.cleaned_data["modification"], commitment=self.commitment).first()
        if modification is None:
            raise ValidationError(_("Demande de modification inconnue pour cet engagement."))
        return modification


class BankChangeRequestForm(forms.Form):
    """Broker staff ask, for the importer, to move the domiciliation to another bank."""

    to_bank = forms.ModelChoiceField(label=_("Nouvelle banque domiciliataire"), queryset=Bank.objects.none(),
                                     empty_label=_("— choisir —"))
    reason = forms.CharField(label=_("Motif"), max_length=500, required=False)

    def __init__(self, *args, commitment: Commitment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_bank"].queryset = Bank.objects.exclude(pk=commitment.bank_id).order_by("name")


class BankChangeDecisionForm(forms.Form):
    """A bank's step of a bank change: the initial bank records its settlements, the new bank
    accepts or rejects."""

    ACTIONS = (("settlements", _("Règlements renseignés")), ("accept", _("Accepter")), ("reject", _("Refuser")))

    action = forms.ChoiceField(choices=ACTIONS)
    rejection_reason = forms.CharField(label=_("Motif du refus"), max_length=500, required=False)


class CarryOverForm(forms.Form):
    """The bank carries the advances over to the commitment replacing this one."""

    on_date = date_field(_("Date du report"))
