"""Detailed declarations (DUM), their articles, liquidations and ETPP authorisations.

Customs value per circular 6336/400; liquidation through the tariff engine on the
registration date; ETPP authorisations per CDII art. 152-1 bis and circular 6671/311.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tariff.kit.money import CurrencyField, MoneyField, QuantityField, RateField
from tariff.kit.numbers import format_amount
from tariff.models import FinanceLaw, TariffLine

ICE_PATTERN = r"^\d{15}$"  # Identifiant commun de l'entreprise: 15 digits
ETPP_DELIVERY_DAYS = 60  # CDII art. 152-1 bis: authorisation delivered within 60 days


class Party(models.Model):
    """The one record of a company or a person the office works for or meets: the DUM's importer or
    exporter, the import commitment's importer (its Office des Changes profile is
    ``exchange.Importer``, attached one-to-one) and a litigation case's party. One record per
    company, identified by its ICE (or, for a natural person, the CIN / residence card)."""

    class Kind(models.TextChoices):
        COMPANY = "company", _("Personne morale")
        NATURAL_PERSON = "natural", _("Personne physique")

    name = models.CharField(_("raison sociale / nom"), max_length=255)
    kind = models.CharField(_("nature"), max_length=10, choices=Kind.choices, default=Kind.COMPANY)
    ice = models.CharField(_("ICE"), max_length=15, blank=True, validators=[RegexValidator(ICE_PATTERN, "ICE : 15 chiffres.")])
    trade_register_number = models.CharField(_("registre de commerce"), max_length=40, blank=True)
    tax_id = models.CharField(_("identifiant fiscal"), max_length=20, blank=True)
    national_id = models.CharField(_("CIN / carte de séjour"), max_length=20, blank=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("name",)
        verbose_name = _("opérateur")
        verbose_name_plural = _("opérateurs")
        constraints = [
            models.UniqueConstraint(fields=["ice"], condition=~Q(ice=""), name="declarations_party_one_per_ice"),
            models.UniqueConstraint(
                fields=["national_id"], condition=~Q(national_id=""), name="declarations_party_one_per_national_id"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def identifier(self) -> str:
        """The identifier the party is known by: its ICE, else its CIN / residence card."""
        return self.ice or self.national_id

    @property
    def is_natural_person_outside_trade_register(self) -> bool:
        return self.kind == self.Kind.NATURAL_PERSON and not self.trade_register_number.strip()


class ProcedureCode(models.Model):
    """Customs procedure code (code régime) as typed on the DUM."""

    class Flow(models.TextChoices):
        IMPORT = "import", _("Importation")
        EXPORT = "export", _("Exportation")
        OTHER = "other", _("Autre")

    code = models.CharField(_("code régime"), max_length=3, unique=True, validators=[RegexValidator(r"^\d{3}$")])
    label = models.CharField(_("libellé"), max_length=255)
    flow = models.CharField(_("sens"), max_length=10, choices=Flow.choices)
    is_etpp = models.BooleanField(_("ETPP (autorisation requise)"), default=False)
    liquidates_duties = models.BooleanField(_("liquide les droits et taxes"), default=True)
    # Suspensive régimes (CDII titre V, régimes économiques): the suspended duties are covered by
    # an engagement cautionné; the liquidation computes them as the amount to guarantee.
    guarantee_required = models.BooleanField(_("garantie des droits suspendus"), default=False)
    note = models.CharField(_("remarque"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("code",)
        verbose_name = _("code régime")
        verbose_name_plural = _("codes régime")

    def __str__(self) -> str:
        return f"{self.code} — {self.label}"


class DeclarationGroup(models.Model):
    """Coupled declarations or staggered shipments sharing common cost elements,
    allocated across all their articles in proportion to invoiced value (circ. 6336/400)."""

    reference = models.CharField(_("référence"), max_length=40, unique=True)
    description = models.CharField(_("objet du groupe"), max_length=255, blank=True)
    common_costs = MoneyField(_("éléments communs à ajouter (MAD)"), default=0, validators=[MinValueValidator(0)])

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("groupe de déclarations (couplées / envois échelonnés)")
        verbose_name_plural = _("groupes de déclarations")

    def __str__(self) -> str:
        return self.reference


class EtppAuthorisation(models.Model):
    """Outward-processing (ETPP) export authorisation delivered by the department in
    charge of the resource (CDII art. 152-1 bis; circ. 6671/311: PortNet or paper)."""

    class Department(models.TextChoices):
        INDUSTRY_TRADE = "industry_trade", _("Ministère de l'Industrie et du Commerce")
        AGRICULTURE = "agriculture", _(
            "Ministère de l'Agriculture, de la Pêche Maritime, du Développement Rural et des Eaux et Forêts"
        )

    class Channel(models.TextChoices):
        PORTNET = "portnet", _("PortNet (électronique)")
        PAPER = "paper", _("Support papier")

    number = models.CharField(_("numéro"), max_length=40, unique=True)
    department = models.CharField(_("département émetteur"), max_length=20, choices=Department.choices)
    exporter = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="etpp_authorisations")
    requested_on = models.DateField(_("demandée le"))
    issued_on = models.DateField(_("délivrée le"), null=True, blank=True)
    valid_from = models.DateField(_("valable du"), null=True, blank=True)
    valid_to = models.DateField(_("valable jusqu'au"), null=True, blank=True)
    channel = models.CharField(_("canal"), max_length=10, choices=Channel.choices, default=Channel.PORTNET)
    refused_on = models.DateField(_("refusée le"), null=True, blank=True)
    refusal_reason = models.CharField(_("motif du refus"), max_length=255, blank=True)
    precious_metals = models.BooleanField(_("métaux précieux (circ. 5360/313)"), default=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ("-requested_on", "number")
        verbose_name = _("autorisation ETPP")
        verbose_name_plural = _("autorisations ETPP")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="etpp_valid_range",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def due_on(self) -> dt.date:
        return self.requested_on + dt.timedelta(days=ETPP_DELIVERY_DAYS)

    @property
    def is_pending(self) -> bool:
        return self.issued_on is None and self.refused_on is None

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_pending and today > self.due_on

    def is_valid_on(self, on_date: dt.date) -> bool:
        return (
            self.issued_on is not None
            and (self.valid_from is None or self.valid_from <= on_date)
            and (self.valid_to is None or on_date <= self.valid_to)
        )


class EtppAuthorisationItem(models.Model):
    authorisation = models.ForeignKey(
        EtppAuthorisation, on_delete=models.CASCADE, related_name="items", verbose_name=_("autorisation ETPP")
    )
    tariff_line = models.ForeignKey(
        TariffLine, on_delete=models.PROTECT, related_name="+", verbose_name=_("ligne tarifaire")
    )
    description = models.CharField(_("désignation"), max_length=255, blank=True)
    quantity = QuantityField(_("quantité autorisée"), validators=[MinValueValidator(0)])
    quantity_used = QuantityField(_("quantité imputée"), default=0, validators=[MinValueValidator(0)])
    unit = models.CharField(_("unité"), max_length=10, default="kg")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("marchandise autorisée (ETPP)")
        verbose_name_plural = _("marchandises autorisées (ETPP)")
        constraints = [
            models.CheckConstraint(condition=Q(quantity_used__lte=models.F("quantity")), name="etpp_item_not_overused")
        ]

    def __str__(self) -> str:
        return f"{self.authorisation.number} {self.tariff_line.dotted_code}"

    @property
    def quantity_left(self) -> Decimal:
        return self.quantity - self.quantity_used


class Declaration(models.Model):
    """Detailed declaration (DUM)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        REGISTERED = "registered", _("Enregistrée")
        LIQUIDATED = "liquidated", _("Liquidée")
        PAID = "paid", _("Payée")
        CLEARED = "cleared", _("Dédouanée (mainlevée)")
        CANCELLED = "cancelled", _("Annulée")

    reference = models.CharField(_("référence"), max_length=40, unique=True)
    customs_office = models.CharField(_("bureau de douane"), max_length=60)
    procedure = models.ForeignKey(
        ProcedureCode, on_delete=models.PROTECT, related_name="declarations", verbose_name=_("régime")
    )
    declarant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="declarations", null=True, blank=True,
        verbose_name=_("déclarant"),
    )
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="declarations")
    group = models.ForeignKey(
        DeclarationGroup, on_delete=models.PROTECT, related_name="declarations", null=True, blank=True,
        verbose_name=_("groupe de déclarations"),
    )
    etpp_authorisation = models.ForeignKey(
        EtppAuthorisation, on_delete=models.PROTECT, related_name="declarations", null=True, blank=True,
        verbose_name=_("autorisation ETPP"),
    )
    invoice_currency = CurrencyField(_("devise de facturation"), default="EUR")
    invoice_total = MoneyField(_("montant facturé (devise)"), validators=[MinValueValidator(0)])
    # Circ. 6336/400 §1: freight (case 20) and insurance (case 22) each in its own field,
    # whether or not included in the invoice; other costs (art. 20 ter-1 e, f, g) likewise.
    freight_amount = MoneyField(_("fret (case 20)"), null=True, blank=True, validators=[MinValueValidator(0)])
    freight_currency = CurrencyField(_("devise du fret"), default="MAD")
    freight_included = models.BooleanField(_("fret inclus dans la facture"), default=False)
    insurance_amount = MoneyField(_("assurance (case 22)"), null=True, blank=True, validators=[MinValueValidator(0)])
    insurance_currency = CurrencyField(_("devise de l'assurance"), default="MAD")
    insurance_included = models.BooleanField(_("assurance incluse dans la facture"), default=False)
    other_costs_amount = MoneyField(
        _("autres frais à ajouter (art. 20 ter-1 e, f, g)"), default=0, validators=[MinValueValidator(0)]
    )
    other_costs_currency = CurrencyField(_("devise des autres frais"), default="MAD")
    other_costs_included = models.BooleanField(_("autres frais déjà inclus dans les prix unitaires"), default=False)
    registered_on = models.DateField(_("date d'enregistrement (taux applicables)"), null=True, blank=True)
    status = models.CharField(_("statut"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    # Valuation as computed at registration (kept for audit).
    exchange_rate = models.DecimalField(_("cours appliqué"), max_digits=16, decimal_places=6, null=True, blank=True)
    declared_value_mad = MoneyField(_("valeur totale déclarée (MAD)"), null=True, blank=True)
    allocation_coefficient = models.DecimalField(
        _("coefficient de répartition C"), max_digits=20, decimal_places=8, null=True, blank=True
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("déclaration (DUM)")
        verbose_name_plural = _("déclarations (DUM)")
        indexes = [models.Index(fields=["status", "registered_on"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def current_liquidation(self):
        return self.liquidations.filter(is_current=True).first()


class Article(models.Model):
    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="articles", verbose_name=_("déclaration")
    )
    number = models.PositiveIntegerField(_("n° d'article"))
    tariff_line = models.ForeignKey(
        TariffLine, on_delete=models.PROTECT, related_name="articles", verbose_name=_("ligne tarifaire")
    )
    origin_country = models.CharField(
        _("origine"), max_length=2, validators=[RegexValidator(r"^[A-Z]{2}$", "Code pays ISO à 2 lettres.")]
    )
    description = models.CharField(_("désignation commerciale"), max_length=255)
    invoiced_value = MoneyField(_("valeur facturée (devise)"), validators=[MinValueValidator(0)])
    quantity = QuantityField(_("quantité"), validators=[MinValueValidator(0)])
    unit = models.CharField(_("unité"), max_length=10, default="kg")
    net_mass_kg = QuantityField(_("masse nette (kg)"), default=0, validators=[MinValueValidator(0)])
    franchise_code = models.CharField(_("code franchise"), max_length=4, blank=True)
    attributes = models.JSONField(_("caractéristiques (TIC)"), default=dict, blank=True)
    is_equipment = models.BooleanField(
        _("machines, matériels, outillages ou équipements"), default=False,
        help_text=_("Dispensés d'autorisation ETPP (CDII art. 152-1 bis)."),
    )
    customs_value = MoneyField(_("valeur en douane (MAD)"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("declaration", "number")
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [models.UniqueConstraint(fields=["declaration", "number"], name="article_number_unique")]

    def __str__(self) -> str:
        return f"{self.declaration.reference} art. {self.number}"


class AnnexedDocument(models.Model):
    """Documents annexed to the DUM (CDII art. 74: one indivisible document; missing
    required ones are an offence under art. 297-8° from 2024-01-01)."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Facture commerciale")
        TRANSPORT = "transport", _("Titre de transport (connaissement, LTA, CMR)")
        ORIGIN = "origin", _("Certificat d'origine")
        PACKING_LIST = "packing_list", _("Liste de colisage")
        ETPP_AUTHORISATION = "etpp_authorisation", _("Autorisation ETPP")
        IMPORT_COMMITMENT = "import_commitment", _("Engagement d'importation")
        OTHER = "other", _("Autre")

    declaration = models.ForeignKey(
        Declaration, on_delete=models.CASCADE, related_name="documents", verbose_name=_("déclaration")
    )
    kind = models.CharField(_("nature"), max_length=20, choices=Kind.choices)
    reference = models.CharField(_("référence"), max_length=80)
    file = models.FileField(_("fichier"), upload_to="declarations/%Y/%m/", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("document annexé")
        verbose_name_plural = _("documents annexés")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"


class EtppImputation(models.Model):
    """Quantity of an authorisation item consumed by a declaration article."""

    item = models.ForeignKey(
        EtppAuthorisationItem, on_delete=models.PROTECT, related_name="imputations",
        verbose_name=_("marchandise autorisée"),
    )
    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, related_name="etpp_imputations", verbose_name=_("article de la déclaration")
    )
    quantity = QuantityField(_("quantité"), validators=[MinValueValidator(0)])
    created_at = models.DateTimeField(_("imputée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("imputation ETPP")
        verbose_name_plural = _("imputations ETPP")


class Liquidation(models.Model):
    """One computation of the duties of a declaration. Re-liquidations add a new one;
    older ones are kept (``is_current=False``) for the audit trail."""

    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="liquidations", verbose_name=_("déclaration")
    )
    sequence = models.PositiveIntegerField(_("n°"))
    on_date = models.DateField(_("date des taux appliqués"))
    is_current = models.BooleanField(_("en vigueur"), default=True)
    reason = models.CharField(_("motif"), max_length=255, default="Liquidation initiale")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True,
        verbose_name=_("liquidée par"),
    )
    created_at = models.DateTimeField(_("liquidée le"), auto_now_add=True)
    reference_version = models.BigIntegerField(_("version des données de référence"), default=0)
    total_di = MoneyField(_("total DI"), default=0)
    total_tic = MoneyField(_("total TIC"), default=0)
    total_vat = MoneyField(_("total TVA"), default=0)
    total = MoneyField(_("total des droits et taxes"), default=0)
    currency = CurrencyField(_("devise"), default="MAD")
    # Régimes that owe no import duties (export, suspension): why nothing is liquidated, and
    # for suspensive régimes the duties the guarantee must cover (not payable, not in totals).
    duties_note = models.CharField(_("régime sans droits à payer"), max_length=255, blank=True)
    guarantee_amount = MoneyField(_("droits suspendus à garantir"), null=True, blank=True)
    exchange_rate_row = models.ForeignKey(
        "tariff.ExchangeRate", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("cours de change appliqué"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ("declaration", "-sequence")
        verbose_name = _("liquidation")
        verbose_name_plural = _("liquidations")
        constraints = [
            models.UniqueConstraint(fields=["declaration", "sequence"], name="liquidation_sequence_unique"),
            models.UniqueConstraint(
                fields=["declaration"], condition=Q(is_current=True), name="one_current_liquidation"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.declaration.reference} liquidation n° {self.sequence}"


class DeclarationPayment(models.Model):
    """Payment of the liquidation in force (quittance): the amount is the liquidation's total."""

    class Means(models.TextChoices):
        E_PAYMENT = "e_payment", _("Paiement électronique (BADR)")
        BANK = "bank", _("Versement bancaire")
        CREDIT = "credit", _("Crédit d'enlèvement / obligation cautionnée")

    declaration = models.OneToOneField(
        Declaration, on_delete=models.PROTECT, related_name="payment", verbose_name=_("déclaration")
    )
    liquidation = models.OneToOneField(
        Liquidation, on_delete=models.PROTECT, related_name="payment", verbose_name=_("liquidation payée")
    )
    paid_on = models.DateField(_("date du paiement"))
    amount = MoneyField(_("montant payé"))
    currency = CurrencyField(_("devise"), default="MAD")
    means = models.CharField(_("mode de paiement"), max_length=12, choices=Means.choices)
    reference = models.CharField(_("référence du paiement (quittance)"), max_length=60)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    null=True, blank=True, verbose_name=_("enregistré par"))
    recorded_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("paiement des droits et taxes")
        verbose_name_plural = _("paiements des droits et taxes")

    def __str__(self) -> str:
        return f"{self.declaration.reference} — {self.reference}"


class DeclarationRelease(models.Model):
    """Release of the goods (mainlevée, bon à enlever)."""

    declaration = models.OneToOneField(
        Declaration, on_delete=models.PROTECT, related_name="release", verbose_name=_("déclaration")
    )
    released_on = models.DateField(_("date de la mainlevée"))
    reference = models.CharField(_("référence de la mainlevée"), max_length=60)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    null=True, blank=True, verbose_name=_("enregistrée par"))
    recorded_at = models.DateTimeField(_("enregistré le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("mainlevée")
        verbose_name_plural = _("mainlevées")

    def __str__(self) -> str:
        return f"{self.declaration.reference} — {self.reference}"


class LiquidationLine(models.Model):
    """One tax of one article in a liquidation; written in bulk, never changed.

    This is the one table written by the million (a finance-law recalculation adds a full
    set of lines per declaration). Its three references are checked by the database once per
    statement instead of once per row: per-row foreign-key triggers were a third of a
    recalculation run (measured, README "Benchmarks"). Migration 0006 installs the checks:
    inserting a line that names a missing liquidation, article or law, or deleting one that
    lines still name, fails with a foreign-key violation (an ``IntegrityError``), as a
    foreign key would.
    """

    liquidation = models.ForeignKey(
        Liquidation, on_delete=models.CASCADE, related_name="lines", db_constraint=False,
        verbose_name=_("liquidation concernée"),
    )
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="liquidation_lines",
                                db_constraint=False, verbose_name=_("article de la déclaration"))
    tax = models.CharField(_("taxe"), max_length=3)
    base = models.DecimalField(_("assiette"), max_digits=24, decimal_places=3)
    base_unit = models.CharField(_("unité de l'assiette"), max_length=40)
    rate = RateField(_("taux / quotité"), max_digits=16)
    rate_unit = models.CharField(_("unité du taux"), max_length=60)
    amount = MoneyField(_("montant"))
    law = models.ForeignKey(
        FinanceLaw, on_delete=models.PROTECT, related_name="+", db_constraint=False, verbose_name=_("loi de finances")
    )
    detail = models.CharField(_("détail"), max_length=500, blank=True)

    class Meta:
        ordering = ("liquidation", "article__number", "id")
        verbose_name = _("ligne de liquidation")
        verbose_name_plural = _("lignes de liquidation")

    def __str__(self) -> str:
        return f"{self.tax} {format_amount(self.amount)}"


class RecalculationRun(models.Model):
    """A recalculation of the declarations a finance law affects (run by Celery), or its
    what-if simulation (same candidates and batches, nothing re-liquidated: the results say
    what would change, ``line_deltas`` by tariff line)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours")
        SUCCEEDED = "succeeded", _("Terminé")
        FAILED = "failed", _("Échec")

    class Kind(models.TextChoices):
        RECALCULATION = "recalculation", _("Recalcul")
        WHAT_IF = "what_if", _("Simulation d’impact")

    law = models.ForeignKey(
        FinanceLaw, on_delete=models.PROTECT, related_name="recalculation_runs", verbose_name=_("loi de finances")
    )
    kind = models.CharField(_("nature"), max_length=13, choices=Kind.choices, default=Kind.RECALCULATION)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PENDING)
    candidates = models.PositiveIntegerField(_("déclarations candidates"), default=0)
    processed = models.PositiveIntegerField(_("traitées"), default=0)
    changed = models.PositiveIntegerField(_("modifiées"), default=0)
    unchanged = models.PositiveIntegerField(_("inchangées"), default=0)
    failed = models.PositiveIntegerField(_("en erreur"), default=0)
    articles = models.PositiveIntegerField(_("articles recalculés"), default=0)
    errors = models.JSONField(_("erreurs"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True,
        verbose_name=_("lancé par"),
    )
    line_deltas = models.JSONField(_("écarts par position tarifaire"), default=dict, blank=True)
    created_at = models.DateTimeField(_("lancé le"), auto_now_add=True)
    started_at = models.DateTimeField(_("démarré le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminé le"), null=True, blank=True)
    # Set by every batch: a running run without progress for a while lost its worker (crash),
    # and the sweep sends its remaining batches again (declarations.recalculation).
    last_progress_at = models.DateTimeField(_("dernier progrès"), null=True, blank=True)
    resumed = models.PositiveIntegerField(_("reprises"), default=0)

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["status", "last_progress_at"], name="run_status_progress_idx")]
        verbose_name = _("recalcul après loi de finances")
        verbose_name_plural = _("recalculs après loi de finances")

    def __str__(self) -> str:
        return f"Recalcul {self.law} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        if not self.candidates:
            return 100 if self.status == self.Status.SUCCEEDED else 0
        return min(100, int(self.processed * 100 / self.candidates))


class RecalculationResult(models.Model):
    """Per-declaration outcome of a run: before/after totals and the difference.
    Unique per (run, declaration): a rerun after a crash skips what is recorded."""

    class Outcome(models.TextChoices):
        CHANGED = "changed", _("Modifiée")
        UNCHANGED = "unchanged", _("Inchangée")
        FAILED = "failed", _("Erreur")
        SKIPPED = "skipped", _("Ignorée (payée ou plus liquidée)")

    run = models.ForeignKey(
        RecalculationRun, on_delete=models.CASCADE, related_name="results", verbose_name=_("recalcul")
    )
    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="recalculation_results", verbose_name=_("déclaration")
    )
    outcome = models.CharField(_("résultat"), max_length=10, choices=Outcome.choices)
    liquidation = models.ForeignKey(
        Liquidation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("nouvelle liquidation"),
    )
    before_total = MoneyField(_("total avant"), default=0)
    after_total = MoneyField(_("total après"), default=0)
    delta_di = MoneyField(_("écart DI"), default=0)
    delta_tic = MoneyField(_("écart TIC"), default=0)
    delta_vat = MoneyField(_("écart TVA"), default=0)
    delta_total = MoneyField(_("écart total"), default=0)
    message = models.CharField(_("message du recalcul"), max_length=500, blank=True)

    class Meta:
        ordering = ("run", "declaration_id")
        verbose_name = _("résultat de recalcul")
        verbose_name_plural = _("résultats de recalcul")
        constraints = [models.UniqueConstraint(fields=["run", "declaration"], name="one_result_per_run")]


# --- Exemptions followed over time (issue 9) -----------------------------------------------------
# Rules: tariff.exemption_rules, declarations.business_rules; checks, duties, services and the "to watch"
# list: the declarations.exemptions package.

from tariff.codes import split_prefixes  # noqa: E402
from tariff.exemption_rules import CONDITION_LABELS, WarehouseDisposalAllowed, dgi_certificate_expiry  # noqa: E402
from tariff.kit.business_rules import ValidityEndAfterStart  # noqa: E402
from tariff.models import FranchiseCode, Quota, RuleCheckedModel, WarehouseDisposalReason  # noqa: E402

from .business_rules import ConventionMeetsThreshold  # noqa: E402


class QuotaAllocation(models.Model):
    """Net mass of an article imputed on a quota when the declaration is liquidated; the
    part beyond the balance is taxed at the normal rate (LF 2024 art. 5 bis, circ. 6522/210 §V)."""

    quota = models.ForeignKey(Quota, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("contingent"))
    article = models.ForeignKey(
        Article, on_delete=models.PROTECT, related_name="quota_allocations", verbose_name=_("article de la déclaration")
    )
    liquidation = models.ForeignKey(
        Liquidation, on_delete=models.PROTECT, related_name="quota_allocations", verbose_name=_("liquidation concernée")
    )
    requested_kg = QuantityField(_("masse nette déclarée (kg)"), validators=[MinValueValidator(0)])
    allocated_kg = QuantityField(_("imputée sur le contingent (kg)"), validators=[MinValueValidator(0)])
    out_of_quota_kg = QuantityField(_("hors contingent, taux normal (kg)"), default=0,
                                    validators=[MinValueValidator(0)])
    balance_after_kg = QuantityField(_("solde après imputation (kg)"))
    created_at = models.DateTimeField(_("imputé le"), auto_now_add=True)

    class Meta:
        ordering = ("quota", "created_at", "id")
        verbose_name = _("imputation sur contingent")
        verbose_name_plural = _("imputations sur contingent")
        constraints = [
            models.UniqueConstraint(fields=["quota", "article"], name="one_allocation_per_article"),
            models.CheckConstraint(
                condition=Q(requested_kg=models.F("allocated_kg") + models.F("out_of_quota_kg")),
                name="allocation_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quota} ← {self.article} : {self.allocated_kg} kg"


class FranchiseCondition(models.Model):
    """Evidence a conditional franchise code needs (circ. 6522/210 §IV-1): for code 2013 the
    importer's undertaking of strictly school use, the DGI certificate (valid only for its
    year of issue) or an accepted exemption request for supplies outside annexe IV-1; for
    code 0040 the beneficiary status of the Fondation Mohammed VI des Sciences et de la Santé;
    for code 0164 (2.5 % minimum duty, CDII art. 164 bis-1°-j) that of a listed non-profit body
    or of the Foundation; for code 2059 (solar panel inputs) that of a panel manufacturer.
    Attached to one declaration, or to the importer for all its declarations (no declaration)."""

    class Kind(models.TextChoices):
        UNDERTAKING = "undertaking", _("Engagement d'usage strictement scolaire")
        DGI_CERTIFICATE = "dgi_certificate", _("Attestation DGI d'importation en exonération de TVA")
        EXEMPTION_REQUEST = "exemption_request", _("Demande d'exonération (fournitures hors annexe IV-1)")
        FM6SS_BENEFICIARY = "fm6ss_beneficiary", _(
            "Bénéficiaire : Fondation Mohammed VI des Sciences et de la Santé")
        NONPROFIT_BENEFICIARY = "nonprofit_body", _(
            "Bénéficiaire : organisme à but non lucratif (CDII art. 164 bis-1°-j)")
        PV_MANUFACTURER = "pv_manufacturer", _("Fabricant de panneaux photovoltaïques (CGI art. 123-59°)")

    class Status(models.TextChoices):
        PENDING = "pending", _("En cours d'examen")
        GRANTED = "granted", _("Accordée / valable")
        REFUSED = "refused", _("Refusée")

    # Which codes each kind of evidence serves (circ. 6522/210 §I.3 and §IV-1, circ. 6255/210 §V).
    KIND_FRANCHISE = {
        Kind.UNDERTAKING: ("2013",), Kind.DGI_CERTIFICATE: ("2013",), Kind.EXEMPTION_REQUEST: ("2013",),
        Kind.FM6SS_BENEFICIARY: ("0040", "0164"), Kind.NONPROFIT_BENEFICIARY: ("0164",),
        Kind.PV_MANUFACTURER: ("2059",),
    }

    franchise = models.ForeignKey(
        FranchiseCode, on_delete=models.PROTECT, related_name="+", verbose_name=_("code franchise")
    )
    kind = models.CharField(_("nature"), max_length=20, choices=Kind.choices)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="franchise_conditions")
    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="franchise_conditions", null=True, blank=True,
        help_text=_("vide = vaut pour toutes les déclarations de l'importateur pendant sa validité"),
        verbose_name=_("déclaration"),
    )
    reference = models.CharField(_("référence"), max_length=80)
    issued_on = models.DateField(_("délivré / souscrit le"))
    valid_to = models.DateField(_("valable jusqu'au (inclus)"), null=True, blank=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.GRANTED)
    description = models.CharField(_("marchandises concernées"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("-issued_on", "reference")
        verbose_name = _("condition d'un code franchise")
        verbose_name_plural = _("conditions des codes franchise")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("issued_on")),
                name="franchise_condition_valid_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"

    def clean(self):
        super().clean()
        errors = {}
        expected = self.KIND_FRANCHISE.get(self.kind)
        if self.franchise_id and expected and self.franchise.code not in expected:
            errors["franchise"] = (f"Ce justificatif ({CONDITION_LABELS[self.kind]}) vaut pour le code "
                                   f"{' ou '.join(expected)}.")
        if self.kind == self.Kind.DGI_CERTIFICATE and self.issued_on:
            # Décret 2-23-1118 (circ. 6522/210 §IV-1): valid only for its year of issue.
            expiry = dgi_certificate_expiry(self.issued_on)
            if self.valid_to is None:
                self.valid_to = expiry
            elif self.valid_to > expiry:
                errors["valid_to"] = (f"L'attestation DGI n'est valable que pour l'année de sa délivrance "
                                      f"(au plus tard le {expiry:%d/%m/%Y}).")
        if self.status != self.Status.GRANTED and self.kind != self.Kind.EXEMPTION_REQUEST:
            errors["status"] = "Seule une demande d'exonération peut être en cours d'examen ou refusée."
        if self.declaration_id and self.party_id and self.declaration.party_id != self.party_id:
            errors["declaration"] = "La déclaration appartient à un autre importateur."
        if errors:
            raise ValidationError(errors)

    def is_valid_on(self, on_date: dt.date) -> bool:
        return (self.status == self.Status.GRANTED and self.issued_on <= on_date
                and (self.valid_to is None or on_date <= self.valid_to))


class InvestmentConvention(RuleCheckedModel):
    """Investment convention with the State: capital goods imported for its programme are
    exempt from DI and import VAT and not subject to trade-defence measures (CDII art.
    164-1°-p, CGI art. 123-22°-b; threshold 50 M MAD from LF 2022, 100 M before)."""

    number = models.CharField(_("numéro"), max_length=40, unique=True)
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="investment_conventions")
    amount = MoneyField(_("montant du programme d'investissement (MAD)"), validators=[MinValueValidator(0)])
    signed_on = models.DateField(_("signée le"))
    valid_from = models.DateField(_("importations à partir du"))
    valid_to = models.DateField(_("importations jusqu'au (inclus)"), null=True, blank=True)
    goods_description = models.TextField(_("biens d'équipement, matériels et outillages prévus"))
    tariff_prefixes = models.CharField(
        _("positions tarifaires prévues"), max_length=500, blank=True, help_text=_("vide = tous biens d'équipement")
    )

    business_rules = (ValidityEndAfterStart, ConventionMeetsThreshold)
    history = HistoricalRecords()

    class Meta:
        ordering = ("-signed_on", "number")
        verbose_name = _("convention d'investissement")
        verbose_name_plural = _("conventions d'investissement")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="convention_valid_range",
            )
        ]

    def __str__(self) -> str:
        return f"Convention {self.number} ({self.party})"

    @property
    def prefixes(self) -> list[str]:
        return split_prefixes(self.tariff_prefixes)

    def is_valid_on(self, on_date: dt.date) -> bool:
        return self.valid_from <= on_date and (self.valid_to is None or on_date <= self.valid_to)


class VatGuarantee(models.Model):
    """Real guarantee covering the VAT exempted on the investment goods of a declaration
    (LF 2024 art. 6, circ. 6522/210 §IV-5-2); released once the goods have been kept 60
    months or the regularisations paid."""

    class Kind(models.TextChoices):
        CONSIGNATION = "consignation", _("Consignation (dépôt en numéraire)")
        PLEDGE = "pledge", _("Nantissement")
        MORTGAGE = "mortgage", _("Hypothèque")
        OTHER_REAL = "other_real", _("Autre garantie réelle prévue par le CDII")

    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="vat_guarantees", verbose_name=_("déclaration")
    )
    kind = models.CharField(_("nature"), max_length=15, choices=Kind.choices)
    reference = models.CharField(_("référence"), max_length=80)
    amount = MoneyField(_("montant garanti (MAD)"), validators=[MinValueValidator(0)])
    constituted_on = models.DateField(_("constituée le"))
    released_on = models.DateField(_("mainlevée le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("-constituted_on", "reference")
        verbose_name = _("garantie (TVA des biens d'investissement)")
        verbose_name_plural = _("garanties (TVA des biens d'investissement)")
        constraints = [
            models.CheckConstraint(
                condition=Q(released_on__isnull=True) | Q(released_on__gte=models.F("constituted_on")),
                name="guarantee_release_after_constitution",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference} ({format_amount(self.amount)} MAD)"


class ExemptAsset(models.Model):
    """An investment good imported VAT-exempt, to be kept 60 months; a disposal before then
    owes a regularisation of the exempted VAT less 1/60 per started month (CGI art. 102 and
    104-II-2° as reinstated by LF 2024, circ. 6522/210 §IV-5-1)."""

    article = models.OneToOneField(
        Article, on_delete=models.PROTECT, related_name="exempt_asset", verbose_name=_("article de la déclaration")
    )
    convention = models.ForeignKey(
        InvestmentConvention, on_delete=models.PROTECT, related_name="assets", null=True, blank=True,
        verbose_name=_("convention d'investissement"),
    )
    exempted_vat = MoneyField(_("TVA exonérée (MAD)"), validators=[MinValueValidator(0)])
    imported_on = models.DateField(_("importé le"))
    keep_until = models.DateField(_("à conserver jusqu'au"))
    disposed_on = models.DateField(_("cédé / retiré le"), null=True, blank=True)
    regularisation_amount = MoneyField(_("régularisation due (MAD)"), null=True, blank=True)
    regularisation_settled_on = models.DateField(_("régularisation acquittée le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("keep_until", "id")
        verbose_name = _("bien d'investissement exonéré de TVA")
        verbose_name_plural = _("biens d'investissement exonérés de TVA")
        constraints = [
            models.CheckConstraint(
                condition=Q(disposed_on__isnull=True) | Q(disposed_on__gte=models.F("imported_on")),
                name="asset_disposed_after_import",
            )
        ]

    def __str__(self) -> str:
        return f"{self.article} — TVA exonérée {self.exempted_vat} MAD"


class FollowUpEntry(ExemptAsset):
    """Back-office entry point of the "to watch" list (its admin shows every follow-up item)."""

    class Meta:
        proxy = True
        verbose_name = _("élément à surveiller")
        verbose_name_plural = _("à surveiller (contingents, attestations, biens, garanties)")


class WarehouseDisposal(RuleCheckedModel):
    """Abandonment to the Administration or destruction under customs supervision of goods
    under the warehouse procedure, duty-free and at no cost to the Treasury (CDII art.
    130-4°, LF 2024, circ. 6522/210 §I.2)."""

    class Kind(models.TextChoices):
        ABANDONMENT = "abandonment", _("Abandon au profit de l'Administration")
        DESTRUCTION = "destruction", _("Destruction sous contrôle douanier")

    declaration = models.ForeignKey(
        Declaration, on_delete=models.PROTECT, related_name="warehouse_disposals", null=True, blank=True,
        help_text=_("déclaration de mise en entrepôt"), verbose_name=_("déclaration"),
    )
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="warehouse_disposals")
    goods_description = models.CharField(_("marchandises"), max_length=255)
    quantity = QuantityField(_("quantité"), validators=[MinValueValidator(0)])
    unit = models.CharField(_("unité"), max_length=10, default="kg")
    kind = models.CharField(_("mode de régularisation"), max_length=12, choices=Kind.choices)
    reason = models.ForeignKey(
        WarehouseDisposalReason, on_delete=models.PROTECT, related_name="+", null=True, blank=True,
        verbose_name=_("raison commerciale"),
    )
    justification = models.CharField(_("justification de la raison commerciale"), max_length=500)
    duties_paid_or_guaranteed = models.BooleanField(_("droits et taxes acquittés ou garantis"), default=False)
    costs_borne_by_operator = models.BooleanField(_("frais à la charge du soumissionnaire"), default=True)
    requested_on = models.DateField(_("demandé le"))
    completed_on = models.DateField(_("réalisé le"), null=True, blank=True)
    supervision_reference = models.CharField(_("procès-verbal (abandon / destruction)"), max_length=80, blank=True)

    business_rules = (WarehouseDisposalAllowed,)
    history = HistoricalRecords()

    class Meta:
        ordering = ("-requested_on",)
        verbose_name = _("abandon ou destruction en entrepôt")
        verbose_name_plural = _("abandons et destructions en entrepôt")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.goods_description}"
