"""Forms of the declaration and ETPP pages. They check the input (types, formats,
required fields) and hand plain values to ``declarations.services``; the business
rules stay in the services, whose ``DomainError``s are shown next to the field they
name (``add_page_errors``)."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tariff.characteristics import CLAIMS, EXCISE_CHARACTERISTICS
from tariff.codes import format_tariff_code, normalize_tariff_code
from tariff.forms import CurrencyField, characteristic_fields, characteristics_of, franchise_code_validator
from tariff.kit.errors import DomainError
from tariff.kit.forms import date_field, money_field, quantity_field
from tariff.kit.uploads import DocumentFileField
from tariff.models import TariffLine

from .models import AnnexedDocument, Declaration, DeclarationPayment, EtppAuthorisation, Party, ProcedureCode

country_validator = RegexValidator(r"^[A-Z]{2}$", _("Code pays ISO à 2 lettres (ex. FR)."))


class TariffCodeField(forms.CharField):
    """A 10-digit tariff line that exists; ``clean`` returns the ``TariffLine``."""

    def __init__(self, label=_("Position tarifaire"), **kwargs):
        super().__init__(label=label, max_length=20, widget=forms.TextInput(
            attrs={"placeholder": "2309.10.00.00", "autocomplete": "off", "class": "code"}), **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            code = normalize_tariff_code(value)
        except DomainError as exc:
            raise ValidationError(exc.message) from None
        line = TariffLine.objects.filter(code=code).first()
        if line is None:
            raise ValidationError(_("Position tarifaire inconnue : %(code)s.") % {"code": format_tariff_code(code)})
        return line


def party_choice_field(label):
    return forms.ModelChoiceField(label=label, queryset=Party.objects.order_by("name"),
                                  empty_label=_("— choisir —"))


# --- declaration --------------------------------------------------------------------------------

class DeclarationForm(forms.Form):
    """The DUM header: parties, procedure, invoice and the cost fields of circular 6336/400."""

    reference = forms.CharField(label=_("Référence"), max_length=40)
    customs_office = forms.CharField(label=_("Bureau de douane"), max_length=60,
                                     widget=forms.TextInput(attrs={"placeholder": "309 Casablanca-Port"}))
    procedure = forms.ModelChoiceField(label=_("Code régime"), queryset=ProcedureCode.objects.order_by("code"),
                                       to_field_name="code", empty_label=_("— choisir —"))
    party = party_choice_field(_("Importateur / exportateur"))
    etpp_authorisation = forms.ModelChoiceField(
        label=_("Autorisation ETPP"), required=False, empty_label=_("— aucune —"),
        queryset=EtppAuthorisation.objects.select_related("exporter").order_by("-requested_on"),
        help_text=_("Régimes 077 et 771 (CDII art. 152-1 bis)."),
    )
    invoice_currency = CurrencyField(_("Devise de facturation"), initial="EUR")
    invoice_total = money_field(_("Montant facturé (devise)"))
    freight_amount = money_field(_("Fret (case 20)"), required=False,
                                 help_text=_("Obligatoire à l'enregistrement, même inclus (0 si aucun)."))
    freight_currency = CurrencyField(_("Devise du fret"))
    freight_included = forms.BooleanField(label=_("inclus dans la facture"), required=False)
    insurance_amount = money_field(_("Assurance (case 22)"), required=False,
                                   help_text=_("Obligatoire à l'enregistrement, même incluse (0 si aucune)."))
    insurance_currency = CurrencyField(_("Devise de l'assurance"))
    insurance_included = forms.BooleanField(label=_("incluse dans la facture"), required=False)
    other_costs_amount = money_field(_("Autres frais à ajouter (art. 20 ter-1 e, f, g)"), required=False)
    other_costs_currency = CurrencyField(_("Devise des autres frais"))
    other_costs_included = forms.BooleanField(label=_("inclus dans les prix unitaires"), required=False)
    rates_date = date_field(_("Date des taux pour la prévisualisation"), required=False,
                            help_text=_("Par défaut aujourd'hui ; la liquidation retient la date d'enregistrement."))

    SERVICE_FIELDS = (
        "reference", "customs_office", "procedure", "party", "etpp_authorisation", "invoice_currency",
        "invoice_total", "freight_amount", "freight_currency", "freight_included", "insurance_amount",
        "insurance_currency", "insurance_included", "other_costs_amount", "other_costs_currency",
        "other_costs_included",
    )

    def __init__(self, *args, declaration: Declaration | None = None, **kwargs):
        self.declaration = declaration  # the draft being edited, if any
        super().__init__(*args, **kwargs)

    @classmethod
    def initial_for(cls, declaration: Declaration) -> dict:
        initial = {name: getattr(declaration, name) for name in cls.SERVICE_FIELDS}
        return {**initial, "rates_date": declaration.registered_on or timezone.localdate()}

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        others = Declaration.objects.exclude(pk=self.declaration.pk) if self.declaration else Declaration.objects
        if others.filter(reference=reference).exists():
            raise ValidationError(_("Une déclaration porte déjà cette référence."))
        return reference

    def clean_other_costs_amount(self):
        value = self.cleaned_data.get("other_costs_amount")
        return 0 if value is None else value

    def declaration_data(self) -> dict:
        """Keyword arguments of ``declaration_create`` (without articles and documents)."""
        return {name: self.cleaned_data[name] for name in self.SERVICE_FIELDS}


# The characteristics an article row offers (tariff.characteristics): what the TIC tables read —
# but the net mass, an article field already — and the exemption claims.
ARTICLE_EXCISE_CHARACTERISTICS = tuple(c.key for c in EXCISE_CHARACTERISTICS if c.key != "net_mass_kg")
ARTICLE_CLAIMS = tuple(c.key for c in CLAIMS)
ARTICLE_CHARACTERISTICS = ARTICLE_EXCISE_CHARACTERISTICS + ARTICLE_CLAIMS


class ArticleForm(forms.Form):
    tariff_line = TariffCodeField()
    description = forms.CharField(label=_("Désignation commerciale"), max_length=255)
    origin_country = forms.CharField(label=_("Origine"), max_length=2, min_length=2, validators=[country_validator],
                                     widget=forms.TextInput(attrs={"class": "country", "placeholder": "FR"}))
    invoiced_value = money_field(_("Valeur facturée (devise)"))
    quantity = quantity_field(_("Quantité"))
    unit = forms.CharField(label=_("Unité"), max_length=10, initial="kg",
                           widget=forms.TextInput(attrs={"class": "unit"}))
    net_mass_kg = quantity_field(_("Masse nette (kg)"))
    franchise_code = forms.CharField(label=_("Code franchise"), max_length=4, required=False,
                                     validators=[franchise_code_validator],
                                     widget=forms.TextInput(attrs={"class": "franchise"}))
    is_equipment = forms.BooleanField(label=_("Machines, matériels, équipements"), required=False,
                                      help_text=_("Dispensés d'autorisation ETPP."))

    # Service errors say "articles[0].tariff_code"; the form field holds the line. A characteristic
    # error says "articles[0].attributes.volume_ml": the field of that name.
    field_aliases = {"tariff_code": "tariff_line", "attributes.net_mass_kg": "net_mass_kg"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(characteristic_fields(ARTICLE_CHARACTERISTICS))

    @property
    def excise_bound_fields(self):
        return [self[key] for key in ARTICLE_EXCISE_CHARACTERISTICS]

    @property
    def claim_bound_fields(self):
        return [self[key] for key in ARTICLE_CLAIMS]

    def characteristics_open(self, keys=ARTICLE_EXCISE_CHARACTERISTICS) -> bool:
        return any(self[key].value() not in (None, "") or self[key].errors for key in keys)

    @property
    def excise_open(self) -> bool:
        return self.characteristics_open(ARTICLE_EXCISE_CHARACTERISTICS)

    @property
    def claims_open(self) -> bool:
        return self.characteristics_open(ARTICLE_CLAIMS)

    def article_data(self) -> dict:
        """One entry of ``declaration_create(articles=[...])``."""
        data = {k: v for k, v in self.cleaned_data.items() if k not in ARTICLE_CHARACTERISTICS}
        data.pop("DELETE", None)
        line = data.pop("tariff_line")
        return {"tariff_code": line.code, **data, "attributes": characteristics_of(self, ARTICLE_CHARACTERISTICS)}


def article_initial(article) -> dict:
    """An ArticleForm row for an existing article (edit page)."""
    return {
        "tariff_line": format_tariff_code(article.tariff_line.code), "description": article.description,
        "origin_country": article.origin_country, "invoiced_value": article.invoiced_value,
        "quantity": article.quantity, "unit": article.unit, "net_mass_kg": article.net_mass_kg,
        "franchise_code": article.franchise_code or "", "is_equipment": article.is_equipment,
        **{key: value for key, value in (article.attributes or {}).items() if key in ARTICLE_CHARACTERISTICS},
    }


class BaseArticleFormSet(forms.BaseFormSet):
    def filled_forms(self) -> list[ArticleForm]:
        """Forms holding an article: existing rows (edit page) and filled extra rows; empty
        extra rows and deleted rows are skipped."""
        return [f for f in self.forms if (f.initial or f.has_changed()) and not self._should_delete_form(f)]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        filled = self.filled_forms()
        if not filled:
            raise ValidationError(_("Saisissez au moins un article."))
        if sum(f.cleaned_data["invoiced_value"] for f in filled) <= 0:
            raise ValidationError(_("La somme des valeurs facturées des articles doit être positive."))


ArticleFormSet = forms.formset_factory(ArticleForm, formset=BaseArticleFormSet, extra=1, can_delete=True,
                                       max_num=999)


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Nature"), choices=[("", "—")] + list(AnnexedDocument.Kind.choices))
    reference = forms.CharField(label=_("Référence du document"), max_length=80)

    def document_data(self) -> dict:
        return {"kind": self.cleaned_data["kind"], "reference": self.cleaned_data["reference"]}


class BaseDocumentFormSet(forms.BaseFormSet):
    def filled_forms(self) -> list[DocumentForm]:
        return [f for f in self.forms if (f.initial or f.has_changed()) and not self._should_delete_form(f)]


DocumentFormSet = forms.formset_factory(DocumentForm, formset=BaseDocumentFormSet, extra=2, can_delete=True,
                                        max_num=50)


class DeclarationFilterForm(forms.Form):
    q = forms.CharField(label=_("Référence"), required=False, max_length=40,
                        widget=forms.TextInput(attrs={"placeholder": _("ex. DUM-2024")}))
    status = forms.ChoiceField(label=_("Statut"), required=False,
                               choices=[("", _("Tous"))] + list(Declaration.Status.choices))
    procedure = forms.ModelChoiceField(label=_("Régime"), required=False, to_field_name="code",
                                       queryset=ProcedureCode.objects.order_by("code"), empty_label=_("Tous"))


class RegisterForm(forms.Form):
    date = date_field(_("Date d'enregistrement"), required=False,
                      help_text=_("Par défaut aujourd'hui ; elle fixe les taux applicables."))


class ReliquidateForm(forms.Form):
    reason = forms.CharField(label=_("Motif de la reliquidation"), max_length=255)


class PaymentForm(forms.Form):
    """Payment of the liquidation in force (``services.declaration_record_payment``)."""

    paid_on = date_field(_("Date du paiement"))
    amount = money_field(_("Montant payé (MAD)"))
    means = forms.ChoiceField(label=_("Mode de paiement"), choices=DeclarationPayment.Means.choices)
    reference = forms.CharField(label=_("Référence (quittance)"), max_length=60)


class ReleaseForm(forms.Form):
    """Release of the goods (``services.declaration_record_release``)."""

    released_on = date_field(_("Date de la mainlevée"))
    reference = forms.CharField(label=_("Référence de la mainlevée"), max_length=60)


# --- ETPP authorisations ------------------------------------------------------------------------

class EtppAuthorisationForm(forms.Form):
    number = forms.CharField(label=_("Numéro"), max_length=40)
    department = forms.ChoiceField(label=_("Département émetteur"),
                                   choices=[("", _("— choisir —"))] + list(EtppAuthorisation.Department.choices))
    exporter = party_choice_field(_("Exportateur"))
    requested_on = date_field(_("Demandée le"))
    channel = forms.ChoiceField(label=_("Canal"), choices=EtppAuthorisation.Channel.choices,
                                initial=EtppAuthorisation.Channel.PORTNET)
    precious_metals = forms.BooleanField(label=_("Métaux précieux (circ. 5360/313)"), required=False)
    issued_on = date_field(_("Délivrée le"), required=False)
    valid_from = date_field(_("Valable du"), required=False)
    valid_to = date_field(_("Valable jusqu'au"), required=False)

    SERVICE_FIELDS = ("number", "department", "exporter", "requested_on", "channel", "precious_metals",
                      "issued_on", "valid_from", "valid_to")

    def clean_number(self):
        number = self.cleaned_data["number"].strip()
        if EtppAuthorisation.objects.filter(number=number).exists():
            raise ValidationError(_("Une autorisation porte déjà ce numéro."))
        return number

    def clean(self):
        data = super().clean()
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            self.add_error("valid_to", _("La fin de validité précède son début."))
        return data

    def authorisation_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.SERVICE_FIELDS}


class EtppItemForm(forms.Form):
    tariff_line = TariffCodeField()
    description = forms.CharField(label=_("Désignation"), max_length=255, required=False)
    quantity = quantity_field(_("Quantité autorisée"))
    unit = forms.CharField(label=_("Unité"), max_length=10, initial="kg",
                           widget=forms.TextInput(attrs={"class": "unit"}))

    field_aliases = {"tariff_code": "tariff_line"}

    def item_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("DELETE", None)
        return {"tariff_code": data.pop("tariff_line").code, **data}


class BaseEtppItemFormSet(forms.BaseFormSet):
    def filled_forms(self) -> list[EtppItemForm]:
        return [f for f in self.forms if f.has_changed() and not self._should_delete_form(f)]

    def clean(self):
        super().clean()
        if not any(self.errors) and not self.filled_forms():
            raise ValidationError(_("Saisissez au moins une marchandise autorisée."))


EtppItemFormSet = forms.formset_factory(EtppItemForm, formset=BaseEtppItemFormSet, extra=1, can_delete=True,
                                        max_num=200)


class EtppIssueForm(forms.Form):
    issued_on = date_field(_("Délivrée le"))
    valid_from = date_field(_("Valable du"))
    valid_to = date_field(_("Valable jusqu'au"), required=False)

    def clean(self):
        data = super().clean()
        if data.get("valid_from") and data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            self.add_error("valid_to", _("La fin de validité précède son début."))
        return data


ETPP_STATE_CHOICES = [
    ("", _("Toutes")), ("pending", _("En attente")), ("overdue", _("En retard (> 60 jours)")),
    ("issued", _("Délivrées")),
]


class EtppFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("État"), required=False, choices=ETPP_STATE_CHOICES)
    q = forms.CharField(label=_("Numéro"), required=False, max_length=40)


class DeclarationDocumentForm(forms.Form):
    """A document uploaded on the declaration page (``declarations.documents``)."""

    kind = forms.ChoiceField(label=_("Nature"), choices=AnnexedDocument.Kind.choices)
    reference = forms.CharField(label=_("Référence du document"), max_length=80,
                                widget=forms.TextInput(attrs={"placeholder": _("ex. FAC-2024-001")}))
    file = DocumentFileField(label=_("Fichier"))
