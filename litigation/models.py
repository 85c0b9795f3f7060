"""Customs litigation: the offence catalogue (effective-dated reference data) and the
offence cases the office follows, with their settlements (transactions) and documents.

Sources: CDII title IX as amended by LF 2022 (circ. 6255/210, annexe I) and LF 2024
(circ. 6522/210, annexe I). Amounts are in dirhams; penalties are computed by
``litigation.rules.compute_penalty`` and read through ``litigation.services``.
"""
from __future__ import annotations

import datetime as dt

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from declarations.models import Party
from tariff.kit.money import CurrencyField, MoneyField, RateField
from tariff.kit.validity import validity_check_constraint
from tariff.models import EffectiveDatedRow, RuleCheckedModel

from .business_rules import (
    AmountsInDirhams,
    FineParametersMatchBasis,
    FineRangeOrdered,
    PrisonRangeOrdered,
    SettlementNeverRemitsDuties,
)

non_negative = [MinValueValidator(0)]


def _optional_money(label):
    return MoneyField(label, null=True, blank=True, validators=non_negative)


class Offence(EffectiveDatedRow):
    """One customs offence (article + paragraph of the CDII) and its penalty, for a period.

    The penalty rule is data: prison range, fine basis (multiple of the goods' customs
    value or of the duties and taxes, fixed range, half the undeclared amount…),
    doubling conditions and confiscations. Rows of the same offence never overlap (VAL2).
    """

    class OffenceClass(models.TextChoices):
        DELIT_1 = "delit_1", _("Délit douanier de 1re classe")
        DELIT_2 = "delit_2", _("Délit douanier de 2e classe")
        CONTRAVENTION_1 = "contravention_1", _("Contravention douanière de 1re classe")
        CONTRAVENTION_2 = "contravention_2", _("Contravention douanière de 2e classe")
        CONTRAVENTION_3 = "contravention_3", _("Contravention douanière de 3e classe")
        CONTRAVENTION_4 = "contravention_4", _("Contravention douanière de 4e classe")

    class FineBasis(models.TextChoices):
        GOODS_VALUE = "goods_value", _("multiple de la valeur en douane des marchandises")
        DUTIES = "duties", _("multiple des droits et taxes")
        FIXED_RANGE = "fixed_range", _("montant fixe (minimum – maximum)")
        HALF_UNDECLARED = "half_undeclared", _("moitié du montant non déclaré")
        HALF_GOODS_VALUE = "half_goods_value", _("moitié de la valeur des marchandises")
        GOODS_VALUE_ONCE = "goods_value_once", _("valeur des marchandises")
        EXPORT_ADVANTAGES = "export_advantages", _("montant des avantages attachés à l'exportation")

    class Variant(models.TextChoices):
        NONE = "", _("—")
        IMPORT = "import", _("à l'importation")
        EXPORT = "export", _("à l'exportation")

    article = models.CharField(_("article du code"), max_length=20, help_text=_("ex. 281, 279 ter"))
    paragraph = models.CharField(_("paragraphe"), max_length=20, blank=True, help_text=_("ex. 1°, 6° bis"))
    variant = models.CharField(
        _("variante"), max_length=10, choices=Variant.choices, blank=True, default="",
        help_text=_("départage une même infraction punie différemment à l'importation et à l'exportation"),
    )
    offence_class = models.CharField(_("classe"), max_length=20, choices=OffenceClass.choices)
    label_fr = models.CharField(_("libellé"), max_length=500)
    penalty_article = models.CharField(_("article de la sanction"), max_length=40, help_text=_("ex. 282 bis-2°-a"))
    prison_min_months = models.PositiveSmallIntegerField(_("emprisonnement minimum (mois)"), null=True, blank=True)
    prison_max_months = models.PositiveSmallIntegerField(_("emprisonnement maximum (mois)"), null=True, blank=True)
    fine_basis = models.CharField(
        _("assiette de l'amende"), max_length=20, choices=FineBasis.choices, blank=True,
        help_text=_("vide : montant non repris dans les circulaires"),
    )
    fine_multiplier = RateField(_("coefficient de l'amende"), null=True, blank=True, validators=non_negative)
    fine_min = _optional_money(_("amende minimum (DH)"))
    fine_max = _optional_money(_("amende maximum (DH)"))
    min_undeclared_amount = _optional_money(_("seuil du montant non déclaré (DH)"))
    doubling_on_aggravating = models.BooleanField(_("doublée en cas de circonstances aggravantes"), default=False)
    doubling_on_sensitive_goods = models.BooleanField(
        _("doublée pour les marchandises sensibles (sécurité, moralité, santé publique, environnement)"), default=False
    )
    confiscate_goods = models.BooleanField(_("confiscation des marchandises de fraude"), default=False)
    confiscate_transport = models.BooleanField(_("confiscation des moyens de transport"), default=False)
    confiscate_concealing = models.BooleanField(_("confiscation des marchandises servant à masquer la fraude"),
                                                default=False)
    confiscation_note = models.CharField(_("condition des confiscations"), max_length=255, blank=True)
    document_retention_years = models.PositiveSmallIntegerField(
        _("conservation des documents (années)"), null=True, blank=True
    )
    source = models.CharField(_("source du texte"), max_length=255)
    note = models.CharField(_("remarque"), max_length=500, blank=True)

    validity_key = ("article", "paragraph", "variant")
    business_rules = EffectiveDatedRow.business_rules + (
        FineParametersMatchBasis, FineRangeOrdered, PrisonRangeOrdered,
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ("article", "paragraph", "variant", "valid_from")
        verbose_name = _("infraction douanière")
        verbose_name_plural = _("infractions douanières")
        constraints = [
            validity_check_constraint("offence_valid_range"),
            models.UniqueConstraint(fields=("article", "paragraph", "variant", "valid_from"),
                                    name="offence_natural_key"),
        ]

    def __str__(self) -> str:
        return f"{self.citation} — {self.label_fr[:80]} (dès {self.valid_from:%d/%m/%Y})"

    @property
    def citation(self) -> str:
        text = f"{self.article}-{self.paragraph}" if self.paragraph else self.article
        return f"{text} ({self.get_variant_display()})" if self.variant else text


class Case(RuleCheckedModel):
    """An offence reported by customs on one of the office's files (dossier contentieux)."""

    class Status(models.TextChoices):
        REPORTED = "reported", _("Constatée")
        UNDER_REVIEW = "under_review", _("En cours d'examen")
        SETTLED = "settled", _("Réglée par transaction")
        REFERRED_TO_COURT = "referred_to_court", _("Transmise au tribunal")
        CLOSED = "closed", _("Clôturée")

    reference = models.CharField(_("référence"), max_length=40, unique=True)
    office = models.CharField(_("bureau de douane"), max_length=120)
    facts_date = models.DateField(_("date des faits"))
    # The DUM concerned: a link when the office keeps it; the reference as text only for a DUM the
    # office does not keep — never both (constraint below).
    declaration = models.ForeignKey(
        "declarations.Declaration", on_delete=models.PROTECT, null=True, blank=True, related_name="litigation_cases",
        verbose_name=_("déclaration (DUM) du cabinet"),
    )
    declaration_reference = models.CharField(_("référence d'une DUM hors du cabinet"), max_length=40, blank=True)
    description = models.TextField(_("exposé des faits"), blank=True)
    # Bases of the fines (CDII art. 219: customs value of the goods), in MAD.
    goods_customs_value = _optional_money(_("valeur en douane des marchandises (DH)"))
    duties_compromised = _optional_money(_("droits et taxes compromis ou éludés (DH)"))
    undeclared_amount = _optional_money(_("montant non déclaré — moyens de paiement, art. 66 bis (DH)"))
    export_advantages = _optional_money(_("avantages attachés à l'exportation (DH)"))
    other_sums_due = _optional_money(_("autres sommes dues (DH)"))
    currency = CurrencyField(_("devise"))
    aggravating_circumstances = models.BooleanField(
        _("circonstances aggravantes"), default=False,
        help_text=_("violence ou voies de fait, armes, véhicules ou équipements spécifiques, trois personnes au moins"),
    )
    aggravating_details = models.CharField(_("précisions sur les circonstances"), max_length=255, blank=True)
    sensitive_goods = models.BooleanField(
        _("marchandises ayant une incidence sur la sécurité, la moralité, la santé publique ou l'environnement"),
        default=False,
    )
    post_clearance_fraud = models.BooleanField(
        _("fraude constatée dans le cadre des articles 86 bis ou 166 ter"), default=False,
        help_text=_("contrôle a posteriori ou surveillance des régimes particuliers (CDII art. 275)"),
    )
    seized_goods_description = models.TextField(_("marchandises saisies"), blank=True)
    seized_goods_customs_value = _optional_money(_("valeur en douane des marchandises saisies (DH)"))
    duties_on_seized_goods = _optional_money(_("droits et taxes sur les marchandises saisies (DH)"))
    seized_transport_value = _optional_money(_("valeur des moyens de transport saisis (DH)"))
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.REPORTED)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    business_rules = (AmountsInDirhams,)
    history = HistoricalRecords()

    class Meta:
        ordering = ("-facts_date", "reference")
        verbose_name = _("dossier contentieux")
        verbose_name_plural = _("dossiers contentieux")
        constraints = [
            models.CheckConstraint(
                condition=Q(declaration__isnull=True) | Q(declaration_reference=""),
                name="litigation_case_dum_linked_or_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.facts_date:%d/%m/%Y})"

    @property
    def dum_reference(self) -> str:
        """The DUM's reference: the linked declaration's, else the one typed for another office's."""
        return self.declaration.reference if self.declaration_id else self.declaration_reference

    @property
    def document_retention_years(self) -> int | None:
        """Longest retention any of its offences requires (art. 45 quater: 10 years for 66 bis)."""
        years = [co.offence.document_retention_years for co in self.case_offences.all()]
        years = [y for y in years if y]
        return max(years) if years else None


class CaseOffence(models.Model):
    """An offence charged on a case; own base amounts override the case's when set
    (several offences on one goods lot, each on its own base)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_offences", verbose_name=_("dossier"))
    offence = models.ForeignKey(
        Offence, on_delete=models.PROTECT, related_name="case_offences", verbose_name=_("infraction")
    )
    goods_customs_value = _optional_money(_("valeur en douane propre (DH)"))
    duties_compromised = _optional_money(_("droits et taxes propres (DH)"))
    undeclared_amount = _optional_money(_("montant non déclaré propre (DH)"))
    export_advantages = _optional_money(_("avantages à l'exportation propres (DH)"))
    note = models.CharField(_("remarque"), max_length=255, blank=True)

    class Meta:
        ordering = ("id",)
        verbose_name = _("infraction relevée")
        verbose_name_plural = _("infractions relevées")
        constraints = [models.UniqueConstraint(fields=("case", "offence"), name="caseoffence_unique")]

    def __str__(self) -> str:
        return f"{self.case.reference} — {self.offence.citation}"


class CaseParty(models.Model):
    class Role(models.TextChoices):
        OFFENDER = "offender", _("Contrevenant / prévenu")
        CO_AUTHOR = "co_author", _("Coauteur")
        ACCOMPLICE = "accomplice", _("Complice")
        INTERESTED = "interested", _("Intéressé à la fraude")
        OWNER = "owner", _("Propriétaire des marchandises")
        CARRIER = "carrier", _("Transporteur")
        DECLARANT = "declarant", _("Déclarant")
        OTHER = "other", _("Autre")

    """A party's role in a case; the party is the office's one record of the company or person
    (``declarations.Party``, found by its ICE / CIN or created), not a free-text copy."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="parties", verbose_name=_("dossier"))
    role = models.CharField(_("qualité"), max_length=20, choices=Role.choices, default=Role.OFFENDER)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="litigation_roles",
                              verbose_name=_("opérateur"))

    class Meta:
        ordering = ("id",)
        verbose_name = _("partie")
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return f"{self.party.name} ({self.get_role_display()})"

    @property
    def name(self) -> str:
        return self.party.name

    @property
    def identifier(self) -> str:
        return self.party.identifier

    @property
    def address(self) -> str:
        return self.party.address


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class CaseDocument(models.Model):
    """A document kept on a case. Cases on payment instruments (art. 66 bis) keep theirs
    10 years (art. 45 quater): ``services.case_document_delete`` refuses earlier deletion."""

    class Kind(models.TextChoices):
        REPORT = "report", _("Procès-verbal")
        DECLARATION = "declaration", _("Déclaration et documents annexés")
        PAYMENT_INSTRUMENT = "payment_instrument", _("Document relatif aux moyens de paiement")
        CORRESPONDENCE = "correspondence", _("Correspondance")
        SETTLEMENT = "settlement", _("Acte de transaction")
        JUDGMENT = "judgment", _("Jugement")
        OTHER = "other", _("Autre")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents", verbose_name=_("dossier"))
    kind = models.CharField(_("nature"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("intitulé"), max_length=200)
    file = models.FileField(_("fichier"), upload_to="litigation/cases/%Y/")
    document_date = models.DateField(_("date du document"), default=timezone.localdate)
    uploaded_at = models.DateTimeField(_("déposé le"), auto_now_add=True)

    class Meta:
        ordering = ("document_date", "id")
        verbose_name = _("document du dossier")
        verbose_name_plural = _("documents du dossier")

    def __str__(self) -> str:
        return self.title

    @property
    def retention_until(self) -> dt.date | None:
        """Date before which the document may not be destroyed (None: no retention in the catalogue).

        CDII art. 45 quater (LF 2022): 10 years for payment instruments; the circular cuts the
        sentence saying when the period starts, so it runs from the document's date.
        """
        years = self.case.document_retention_years
        return _add_years(self.document_date, years) if years else None


class Settlement(RuleCheckedModel):
    """A transaction (CDII art. 275): remits fines, confiscations and other sums partly or
    wholly — never the duties and taxes due on the seized goods."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="settlements", verbose_name=_("dossier"))
    reference = models.CharField(_("référence de la transaction"), max_length=60, blank=True)
    settlement_date = models.DateField(_("date de la transaction"))
    fines_remitted = MoneyField(_("remise sur les amendes (DH)"), default=0, validators=non_negative)
    confiscations_remitted = MoneyField(_("remise sur les confiscations (DH)"), default=0, validators=non_negative)
    other_sums_remitted = MoneyField(_("remise sur les autres sommes (DH)"), default=0, validators=non_negative)
    duties_remitted = MoneyField(_("remise sur les droits et taxes (DH)"), default=0, validators=non_negative)
    # The fine the administration retains within the legal range of the offences in force on the
    # facts date (e.g. 297-8°: 10,000–50,000 DH); the remission is granted on it. Empty: the
    # maximum incurred (settlements recorded before the field existed).
    fine_retained = MoneyField(_("amende retenue (DH)"), null=True, blank=True, validators=non_negative)
    # Snapshots taken when the settlement is recorded (services.settlement_record).
    fines_due = MoneyField(_("amendes encourues (maximum, DH)"), default=0)
    duties_due = MoneyField(_("droits et taxes exigibles, non remissibles (DH)"), default=0)
    currency = CurrencyField(_("devise"))
    notes = models.TextField(_("observations"), blank=True)
    created_at = models.DateTimeField(_("enregistrée le"), auto_now_add=True)

    business_rules = (AmountsInDirhams, SettlementNeverRemitsDuties)
    history = HistoricalRecords()

    class Meta:
        ordering = ("settlement_date", "id")
        verbose_name = _("transaction")
        verbose_name_plural = _("transactions")
        constraints = [
            # CDII art. 275: never on the duties and taxes due on the seized goods.
            models.CheckConstraint(condition=Q(duties_remitted=0), name="settlement_never_remits_duties"),
            models.CheckConstraint(
                condition=Q(fines_remitted__gte=0, confiscations_remitted__gte=0, other_sums_remitted__gte=0),
                name="settlement_remits_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Transaction')} {self.reference or self.pk} — {self.case.reference}"

    @property
    def fine_basis(self):
        """What the remission is granted on: the retained fine, else the maximum incurred."""
        return self.fines_due if self.fine_retained is None else self.fine_retained

    @property
    def fines_payable(self):
        return self.fine_basis - self.fines_remitted

    @property
    def amount_due(self):
        """What the offender pays under the transaction: the fines left after the remission and
        the duties and taxes, which a transaction never remits (CDII art. 275)."""
        return self.fines_payable + self.duties_due
