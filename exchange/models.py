"""Import commitments (engagements d'importation) and their ledger.

Source: Office des Changes FAQ "engagements d'importation" (DOMAIN.md §3, seed 002).
A commitment is subscribed by the importer (through the broker), domiciled at a bank,
imputed by customs and paid by the bank. Every amount has its currency beside it;
payments and imputations also keep their value in the commitment's currency and in
MAD (customs exchange rates, ``tariff.services.convert_to_mad``) so the rules compare
like with like. Writes go through ``exchange.services`` only; the rule checks are in
``exchange.rules``; every state change is kept by django-simple-history.
"""
from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from declarations.models import Party
from tariff.kit.money import CurrencyField, MoneyField, RateField, format_date
from tariff.kit.numbers import format_amount

POSITIVE = [MinValueValidator(Decimal("0.01"))]
NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]
PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class Bank(models.Model):
    """A partner bank where commitments are domiciled."""

    code = models.SlugField(_("code de la banque"), max_length=20, unique=True)
    name = models.CharField(_("nom"), max_length=200)

    history = HistoricalRecords()

    class Meta:
        ordering = ("code",)
        verbose_name = _("banque")
        verbose_name_plural = _("banques")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class BankUser(models.Model):
    """Links a user of the ``bank_user`` role to the one bank it works for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bank_profile", verbose_name=_("utilisateur")
    )
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="users", verbose_name=_("banque"))

    history = HistoricalRecords()  # who may see which bank's commitments: audited

    class Meta:
        verbose_name = _("utilisateur banque")
        verbose_name_plural = _("utilisateurs banque")

    def __str__(self) -> str:
        return f"{self.user} — {self.bank.code}"


class Importer(models.Model):
    """The Office des Changes profile of an importer, attached to its one party record
    (``declarations.Party``: name, ICE / CIN, trade register), with the attributes the rules of
    the Instruction générale des opérations de change depend on."""

    Kind = Party.Kind

    party = models.OneToOneField(
        Party, on_delete=models.PROTECT, related_name="importer_profile", verbose_name=_("opérateur")
    )
    is_resident = models.BooleanField(_("résident"), default=True)
    is_aeronautics_registered = models.BooleanField(
        _("industrie aéronautique et spatiale immatriculée auprès de l'Office des Changes"), default=False
    )
    is_oc_categorised = models.BooleanField(_("opérateur catégorisé par l'Office des Changes"), default=False)
    is_exporter_with_fx_account = models.BooleanField(
        _("exportateur titulaire d'un compte en devises ou en dirhams convertibles"), default=False
    )
    fx_account_available_balance = MoneyField(
        _("disponible du compte en devises / dirhams convertibles"), default=Decimal("0"), validators=NOT_NEGATIVE
    )
    fx_account_currency = CurrencyField(_("devise du compte"))

    history = HistoricalRecords()

    class Meta:
        ordering = ("party__name",)
        verbose_name = _("importateur")
        verbose_name_plural = _("importateurs")
        constraints = [
            models.CheckConstraint(
                condition=Q(fx_account_available_balance__gte=0), name="exchange_importer_fx_balance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.party.name

    # The identity is the party's: read through it, written by ``services.importer_register``.
    @property
    def name(self) -> str:
        return self.party.name

    @property
    def kind(self) -> str:
        return self.party.kind

    @property
    def id_number(self) -> str:
        return self.party.identifier

    @property
    def trade_register_number(self) -> str:
        return self.party.trade_register_number

    @property
    def is_natural_person_outside_trade_register(self) -> bool:
        return self.party.is_natural_person_outside_trade_register


class Commitment(models.Model):
    """An import commitment subscribed on PortNet and domiciled at a bank."""

    class Status(models.TextChoices):
        SUBSCRIBED = "subscribed", _("Souscrit")
        DOMICILED = "domiciled", _("Domicilié")
        PARTIALLY_IMPUTED = "partially_imputed", _("Partiellement imputé")
        TOTALLY_IMPUTED = "totally_imputed", _("Totalement imputé")
        SETTLED = "settled", _("Réglé")
        CLOSED = "closed", _("Clôturé")

    class GoodsCategory(models.TextChoices):
        """Office des Changes FAQ: dépassements — the goods the shrinkage and polarisation overruns apply to."""

        PETROLEUM = "petroleum", _("Produits pétroliers et dérivés")
        CEREALS = "cereals", _("Céréales")
        MINING = "mining", _("Produits miniers")
        CHEMICAL = "chemical", _("Produits chimiques")
        SUGAR = "sugar", _("Sucre")
        OIL = "oil", _("Huile")
        ORES = "ores", _("Minerais")
        OTHER = "other", _("Autres marchandises")

    class PaymentMethod(models.TextChoices):
        CREDOC = "credoc", _("Crédit documentaire")
        DOCUMENTARY_COLLECTION = "documentary_collection", _("Remise documentaire")
        OTHER = "other", _("Autre (virement simple…)")

    number = models.CharField(_("numéro"), max_length=40, unique=True)
    importer = models.ForeignKey(
        Importer, on_delete=models.PROTECT, related_name="commitments", verbose_name=_("importateur")
    )
    bank = models.ForeignKey(
        Bank, on_delete=models.PROTECT, related_name="commitments", verbose_name=_("banque domiciliataire")
    )
    currency = CurrencyField(_("devise"))
    subscribed_amount = MoneyField(_("montant souscrit"), validators=POSITIVE)
    total_import_value = MoneyField(_("valeur totale de l'importation"), validators=POSITIVE)
    goods_description = models.CharField(_("marchandises"), max_length=500)
    goods_category = models.CharField(
        _("catégorie de marchandises"), max_length=20, choices=GoodsCategory.choices, default=GoodsCategory.OTHER
    )
    subscribed_on = models.DateField(_("date de souscription"), default=timezone.localdate)
    # Commercial-contract terms the bank checks before domiciliation.
    contract_reference = models.CharField(_("référence du contrat commercial"), max_length=100, blank=True)
    payment_method = models.CharField(
        _("mode de règlement"), max_length=30, choices=PaymentMethod.choices, default=PaymentMethod.OTHER
    )
    balance_before_entry = models.BooleanField(
        _("le contrat prévoit le règlement du reliquat avant l'entrée de la marchandise"), default=False
    )
    # No default (issue 17): a silent 0 % blocked every advance; the rate is the contract's, always stated.
    contract_advance_rate = RateField(_("taux d'acompte contractuel (%)"), validators=PERCENT)
    contract_provides_anticipated_payment = models.BooleanField(
        _("le contrat prévoit le règlement par anticipation"), default=False
    )
    bank_engagement = models.BooleanField(
        _("engagement de la banque domiciliataire (aval, garantie…)"), default=False
    )
    insured_abroad = models.BooleanField(_("assurance à l'étranger"), default=False)
    freight_amount = MoneyField(_("fret"), default=Decimal("0"), validators=NOT_NEGATIVE)
    accessory_costs = MoneyField(_("frais accessoires"), default=Decimal("0"), validators=NOT_NEGATIVE)
    insurance_amount = MoneyField(_("frais d'assurance"), default=Decimal("0"), validators=NOT_NEGATIVE)
    second_hand_auction_value = MoneyField(
        _("valeur du matériel d'occasion acquis aux enchères"), null=True, blank=True, validators=POSITIVE
    )
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.SUBSCRIBED)
    domiciliation_confirmed_at = models.DateTimeField(_("domicilié le"), null=True, blank=True)
    domiciliation_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("domicilié par"),
    )
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by",
        verbose_name=_("remplace l'engagement"),
    )
    oc_authorisation_reference = models.CharField(
        _("autorisation particulière de l'Office des Changes"), max_length=100, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("saisi par")
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("-subscribed_on", "-id")
        verbose_name = _("engagement d'importation")
        verbose_name_plural = _("engagements d'importation")
        indexes = [
            models.Index(fields=("bank", "status"), name="exchange_commit_bank_status"),
            # A bank's list, newest first (the partner-bank API's most frequent query).
            models.Index(fields=("bank", "-subscribed_on", "-id"), name="exchange_commit_bank_recent"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(subscribed_amount__gt=0), name="exchange_commitment_subscribed_gt_0"),
            models.CheckConstraint(condition=Q(total_import_value__gt=0), name="exchange_commitment_value_gt_0"),
            models.CheckConstraint(
                condition=Q(contract_advance_rate__gte=0, contract_advance_rate__lte=100),
                name="exchange_commitment_advance_rate_percent",
            ),
            models.CheckConstraint(
                condition=Q(freight_amount__gte=0, accessory_costs__gte=0, insurance_amount__gte=0),
                name="exchange_commitment_costs_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_domiciled(self) -> bool:
        return self.status != self.Status.SUBSCRIBED

    @property
    def is_totally_imputed(self) -> bool:
        return self.status in (self.Status.TOTALLY_IMPUTED, self.Status.SETTLED, self.Status.CLOSED)


class Imputation(models.Model):
    """Customs imputation: the imported amount customs records against the commitment.

    Staggered shipments are imputed one by one: each imputation is partial, the last one final
    (the final invoice is then known: the advance rule's 5 % tolerance is judged against it)."""

    class Kind(models.TextChoices):
        PARTIAL = "partial", _("Partielle")
        FINAL = "final", _("Définitive (dernière imputation)")

    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, related_name="imputations", verbose_name=_("engagement")
    )
    date = models.DateField(_("date de l'imputation"))
    amount = MoneyField(_("montant"), validators=POSITIVE)
    currency = CurrencyField(_("devise"))
    amount_in_commitment_currency = MoneyField(_("contre-valeur dans la devise de l'engagement"))
    amount_mad = MoneyField(_("contre-valeur en MAD"))
    kind = models.CharField(_("nature"), max_length=10, choices=Kind.choices, default=Kind.PARTIAL)
    # The DUM it comes from: a link when the office keeps it (exchange → declarations, the one-way
    # dependency); the reference as text only for a DUM the office does not keep (another
    # declarant's) — never both (constraint below).
    declaration = models.ForeignKey(
        "declarations.Declaration", on_delete=models.PROTECT, null=True, blank=True, related_name="imputations",
        verbose_name=_("déclaration (DUM)"),
    )
    declaration_reference = models.CharField(_("référence d'une DUM hors du cabinet"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("saisi par")
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("date", "id")
        verbose_name = _("imputation douanière")
        verbose_name_plural = _("imputations douanières")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="exchange_imputation_amount_gt_0"),
            # A final imputation is the last one: at most one per commitment.
            models.UniqueConstraint(
                fields=("commitment",), condition=Q(kind="final"), name="exchange_one_final_imputation"
            ),
            models.CheckConstraint(
                condition=Q(declaration__isnull=True) | Q(declaration_reference=""),
                name="exchange_imputation_dum_linked_or_named",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commitment} — {format_amount(self.amount)} {self.currency} ({format_date(self.date)})"

    @property
    def dum_reference(self) -> str:
        """The DUM's reference: the linked declaration's, else the one typed for another office's."""
        return self.declaration.reference if self.declaration_id else self.declaration_reference


class Payment(models.Model):
    """A transfer made by the domiciliary bank under the commitment."""

    class Kind(models.TextChoices):
        ADVANCE = "advance", _("Acompte")
        ANTICIPATED = "anticipated", _("Règlement par anticipation")
        SETTLEMENT = "settlement", _("Règlement")
        OVERRUN = "overrun", _("Dépassement")

    class Funding(models.TextChoices):
        NORMAL = "normal", _("Ordinaire")
        FX_ACCOUNT = "fx_account", _("Compte en devises / dirhams convertibles de l'exportateur")

    class OverrunReason(models.TextChoices):
        LOSS_BEFORE_UNLOADING = "loss_before_unloading", _("Perte ou dommage avant débarquement")
        SHRINKAGE_PETROLEUM = "shrinkage_petroleum", _("Coulage — produits pétroliers et dérivés")
        SHRINKAGE_CEREALS = "shrinkage_cereals", _("Coulage — céréales")
        SHRINKAGE_MINING_CHEMICAL = "shrinkage_mining_chemical", _("Coulage — produits miniers et chimiques")
        POLARISATION_SUGAR_OIL_ORES = "polarisation_sugar_oil_ores", _(
            "Polarisation / variation de teneur — sucre, huile, minerais"
        )

    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, related_name="payments", verbose_name=_("engagement")
    )
    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="payments", verbose_name=_("banque"))
    kind = models.CharField(_("nature"), max_length=20, choices=Kind.choices)
    amount = MoneyField(_("montant"), validators=POSITIVE)
    currency = CurrencyField(_("devise"))
    amount_in_commitment_currency = MoneyField(_("contre-valeur dans la devise de l'engagement"))
    amount_mad = MoneyField(_("contre-valeur en MAD"))
    date = models.DateField(_("date du règlement"))
    funding = models.CharField(_("financement"), max_length=20, choices=Funding.choices, default=Funding.NORMAL)
    reason = models.CharField(_("motif du dépassement"), max_length=40, choices=OverrunReason.choices, blank=True)
    observed_difference = MoneyField(
        _("différence constatée (même devise que le paiement)"), null=True, blank=True, validators=POSITIVE
    )
    importer_bears_risk = models.BooleanField(_("risques à la charge de l'importateur"), default=False)
    # A key belongs to the bank that sent it (issue 17): unique per bank by a constraint (one
    # index, none copied onto the history table — fewer index writes per payment, the bank API's
    # hot insert, issue 4); the same key from another bank is another payment.
    idempotency_key = models.CharField(_("clé d'idempotence"), max_length=80, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("saisi par")
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    # A payment's history is read by payment (``id``) and date: the history table's indexes on
    # the commitment, bank and author would only cost three index writes per payment (the bank
    # API's hot insert, issue 4); the payment table itself keeps them.
    history = HistoricalRecords(no_db_index=["commitment", "bank", "created_by"])

    class Meta:
        ordering = ("date", "id")
        verbose_name = _("règlement")
        verbose_name_plural = _("règlements")
        constraints = [
            models.UniqueConstraint(fields=("bank", "idempotency_key"), name="exchange_payment_bank_idempotency_key"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="exchange_payment_amount_gt_0"),
            # Office des Changes FAQ: dépassements — a reason exactly when the payment is an overrun.
            models.CheckConstraint(
                condition=(Q(kind="overrun") & ~Q(reason="")) | (~Q(kind="overrun") & Q(reason="")),
                name="exchange_payment_reason_iff_overrun",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {format_amount(self.amount)} {self.currency} — {self.commitment}"


class AdvanceCarryOver(models.Model):
    """Advances of a commitment carried over to the commitment replacing it (once only)."""

    # One-to-one on both sides: the database itself refuses a second carry-over.
    source = models.OneToOneField(
        Commitment, on_delete=models.PROTECT, related_name="carry_over_out", verbose_name=_("engagement initial")
    )
    target = models.OneToOneField(
        Commitment, on_delete=models.PROTECT, related_name="carry_over_in", verbose_name=_("nouvel engagement")
    )
    date = models.DateField(_("date du report"))
    amount = MoneyField(_("acomptes reportés"), validators=POSITIVE)
    currency = CurrencyField(_("devise"))
    amount_in_target_currency = MoneyField(_("contre-valeur dans la devise du nouvel engagement"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("saisi par")
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("report d'acomptes")
        verbose_name_plural = _("reports d'acomptes")

    def __str__(self) -> str:
        return f"{self.source} → {self.target} : {format_amount(self.amount)} {self.currency}"


class Modification(models.Model):
    """A change of the commitment's data requested by the importer, validated by the bank."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Demandée")
        VALIDATED = "validated", _("Validée par la banque")
        REJECTED = "rejected", _("Refusée par la banque")

    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, related_name="modifications", verbose_name=_("engagement")
    )
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    changes = models.JSONField(_("nouvelles valeurs"))
    previous = models.JSONField(_("anciennes valeurs"), default=dict, blank=True)
    reason = models.CharField(_("motif"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("demandée par")
    )
    requested_at = models.DateTimeField(_("demandée le"), auto_now_add=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("décidée par (banque)"),
    )
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    rejection_reason = models.CharField(_("motif du refus"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("-requested_at", "-id")
        verbose_name = _("modification d'engagement")
        verbose_name_plural = _("modifications d'engagement")

    def __str__(self) -> str:
        return f"{self.commitment} — {_('modification')} n° {self.pk}"


class BankChange(models.Model):
    """Transfer of the commitment's domiciliation to another bank."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Demandé")
        ACCEPTED = "accepted", _("Accepté")
        REJECTED = "rejected", _("Refusé")

    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, related_name="bank_changes", verbose_name=_("engagement")
    )
    from_bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="+", verbose_name=_("banque initiale"))
    to_bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="+", verbose_name=_("nouvelle banque"))
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    reason = models.CharField(_("motif"), max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("demandé par")
    )
    requested_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    settlements_recorded_at = models.DateTimeField(
        _("règlements renseignés par la banque initiale le"), null=True, blank=True
    )
    settlements_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("règlements renseignés par"),
    )
    settled_amount_recorded = MoneyField(
        _("total réglé par la banque initiale (devise de l'engagement)"), null=True, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("décidé par (nouvelle banque)"),
    )
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)
    rejection_reason = models.CharField(_("motif du refus"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("-requested_at", "-id")
        verbose_name = _("changement de banque domiciliataire")
        verbose_name_plural = _("changements de banque domiciliataire")
        constraints = [
            models.UniqueConstraint(
                fields=("commitment",), condition=Q(status="requested"), name="exchange_one_pending_bank_change"
            ),
            models.CheckConstraint(condition=~Q(from_bank=models.F("to_bank")), name="exchange_bank_change_other_bank"),
        ]

    def __str__(self) -> str:
        # No status: the history pages label every past row of the change with it.
        return f"{self.commitment} : {self.from_bank.name} → {self.to_bank.name}"


class PersonalImport(models.Model):
    """An import by a resident natural person outside the trade register, exempt from a
    commitment up to 20,000 MAD per person and calendar year."""

    importer = models.ForeignKey(
        Importer, on_delete=models.PROTECT, related_name="personal_imports", verbose_name=_("importateur")
    )
    date = models.DateField(_("date de l'importation"))
    amount = MoneyField(_("montant"), validators=POSITIVE)
    currency = CurrencyField(_("devise"))
    amount_mad = MoneyField(_("contre-valeur en MAD"))
    reference = models.CharField(_("DUM ou justificatif de messagerie"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("saisi par")
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("date", "id")
        verbose_name = _("importation dispensée (personne physique)")
        verbose_name_plural = _("importations dispensées (personnes physiques)")
        indexes = [models.Index(fields=("importer", "date"), name="exchange_personal_imp_date")]

    def __str__(self) -> str:
        return f"{self.importer} — {format_amount(self.amount)} {self.currency} ({format_date(self.date)})"


class CurrentTransactionId(models.Func):
    """The id of the writing transaction: PostgreSQL's ``pg_current_xact_id()``; 0 elsewhere
    (SQLite writes one transaction at a time)."""

    template = "0"
    output_field = models.BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return "(pg_current_xact_id()::text::bigint)", []


class CommitmentEvent(models.Model):
    """What changed on a commitment, for one bank concerned: the partner banks' change feed
    (``GET /api/v1/events/``, what PortNet sends them by EDI). Written by ``exchange.services``
    in the transaction of the change itself (no event without its change, no change without
    its event); a bank change gives one row to each bank.

    Order of the feed: ``(transaction_id, id)``. Ids come from a sequence at insert, so a
    transaction that commits later may hold a smaller id than one already read; the writing
    transaction's id and the reader's snapshot say which events can no longer be overtaken
    (``selectors.event_list_for``)."""

    class Kind(models.TextChoices):
        SUBSCRIBED = "commitment_subscribed", _("Engagement souscrit (à domicilier)")
        DOMICILED = "commitment_domiciled", _("Engagement domicilié")
        STATUS_CHANGED = "status_changed", _("Changement de statut (imputé, réglé, clôturé)")
        IMPUTATION_RECORDED = "imputation_recorded", _("Imputation douanière enregistrée")
        PAYMENT_RECORDED = "payment_recorded", _("Règlement enregistré")
        ADVANCES_CARRIED_OVER = "advances_carried_over", _("Acomptes reportés")
        MODIFICATION_REQUESTED = "modification_requested", _("Modification demandée")
        MODIFICATION_VALIDATED = "modification_validated", _("Modification validée")
        MODIFICATION_REJECTED = "modification_rejected", _("Modification refusée")
        BANK_CHANGE_REQUESTED = "bank_change_requested", _("Changement de banque demandé")
        BANK_CHANGE_SETTLEMENTS_RECORDED = "bank_change_settlements_recorded", _(
            "Règlements renseignés par la banque initiale"
        )
        BANK_CHANGE_ACCEPTED = "bank_change_accepted", _("Changement de banque accepté")
        BANK_CHANGE_REJECTED = "bank_change_rejected", _("Changement de banque refusé")

    bank = models.ForeignKey(Bank, on_delete=models.PROTECT, related_name="events", verbose_name=_("banque"))
    commitment = models.ForeignKey(
        Commitment, on_delete=models.PROTECT, related_name="events", verbose_name=_("engagement")
    )
    kind = models.CharField(_("nature"), max_length=40, choices=Kind.choices)
    payload = models.JSONField(_("données"), default=dict, blank=True)
    transaction_id = models.BigIntegerField(_("transaction"), db_default=CurrentTransactionId(), editable=False)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        ordering = ("transaction_id", "id")
        verbose_name = _("événement d'engagement")
        verbose_name_plural = _("événements d'engagement")
        indexes = [models.Index(fields=("bank", "transaction_id", "id"), name="exchange_event_bank_feed")]

    def __str__(self) -> str:
        return f"{self.commitment_id} — {self.get_kind_display()} ({self.bank_id})"
