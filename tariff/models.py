"""Customs tariff reference data, effective-dated and traced to the finance law
(loi de finances) that set each rate.

Every rate row has ``valid_from``/``valid_to`` and a ``law``; rows of the same thing
never overlap (rule VAL2 here, plus a PostgreSQL exclusion constraint in migration
0002). Reads go through ``tariff.selectors`` ("as of" a date).
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .characteristics import CHARACTERISTICS
from .codes import format_tariff_code, split_prefixes
from .kit.business_rules import NoOverlappingValidity, ValidityEndAfterStart, check_business_rules
from .kit.money import (
    EXCHANGE_RATE_DECIMAL_PLACES,
    EXCHANGE_RATE_MAX_DIGITS,
    CurrencyField,
    MoneyField,
    QuantityField,
    RateField,
    format_date,
)
from .kit.numbers import format_rate
from .kit.text import search_key
from .kit.validity import ValidityMixin, validity_check_constraint

ten_digits = RegexValidator(r"^\d{10}$", "Code tarifaire à 10 chiffres attendu.")


class RuleCheckedModel(models.Model):
    """Runs the model's named business rules in ``clean()`` (admin, import, services)."""

    business_rules: tuple = ()

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        check_business_rules(self)


class EffectiveDatedRow(ValidityMixin, RuleCheckedModel):
    business_rules = (ValidityEndAfterStart, NoOverlappingValidity)
    validity_key: tuple[str, ...] = ()

    class Meta:
        abstract = True


class FinanceLaw(models.Model):
    """A finance law (loi de finances) or the base tariff rates derive from."""

    class Kind(models.TextChoices):
        BASE = "base", _("Tarif de base")
        FINANCE_LAW = "lf", _("Loi de finances")
        RECTIFYING = "lfr", _("Loi de finances rectificative")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Projet")
        PUBLISHED = "published", _("Publiée")

    code = models.SlugField(_("code de la loi"), max_length=20, unique=True, help_text="ex. LF-55-23")
    number = models.CharField(_("numéro"), max_length=20, blank=True, help_text="ex. 55-23")
    kind = models.CharField(_("nature"), max_length=10, choices=Kind.choices, default=Kind.FINANCE_LAW)
    budget_year = models.PositiveSmallIntegerField(_("année budgétaire"), null=True, blank=True)
    title = models.CharField(_("intitulé"), max_length=255)
    dahir_reference = models.CharField(_("dahir de promulgation"), max_length=120, blank=True)
    promulgation_date = models.DateField(_("date de promulgation"), null=True, blank=True)
    bulletin_officiel = models.CharField(_("Bulletin officiel"), max_length=120, blank=True)
    circular_reference = models.CharField(_("circulaire ADII"), max_length=40, blank=True)
    circular_date = models.DateField(_("date de la circulaire"), null=True, blank=True)
    effective_date = models.DateField(_("date d'effet"))
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    published_at = models.DateTimeField(_("publiée le"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("effective_date", "code")
        verbose_name = _("loi de finances")
        verbose_name_plural = _("lois de finances")

    def __str__(self) -> str:
        if self.kind == self.Kind.BASE:
            return str(self.title)
        year = f" ({self.budget_year})" if self.budget_year else ""
        return f"LF {self.number}{year}" if self.number else self.code


class TariffLine(models.Model):
    """A 10-digit national tariff line (SH6 + 4 national digits)."""

    code = models.CharField(_("code tarifaire"), max_length=10, unique=True, validators=[ten_digits])
    description = models.CharField(_("désignation"), max_length=500)
    unit = models.CharField(_("unité de quantité normalisée"), max_length=10, default="kg")
    # LF 2024 (circ. 6522/210 §II.1): the 40→30 cut spares lines already at 40% before LFR 35-20 (2020).
    di_40_before_lfr_2020 = models.BooleanField(_("DI à 40 % avant la LFR 35-20 (2020)"), default=False)
    # The description as it is searched (tariff.kit.text.search_key: no accents, lower case), filled
    # on save and by the bulk import; PostgreSQL indexes it with trigrams (migration 0011).
    search_text = models.TextField(_("texte de recherche"), blank=True, default="", editable=False)

    history = HistoricalRecords(excluded_fields=["search_text"])

    class Meta:
        ordering = ("code",)
        verbose_name = _("ligne tarifaire")
        verbose_name_plural = _("lignes tarifaires")

    def __str__(self) -> str:
        return f"{self.dotted_code} {self.description[:60]}"

    def refresh_search_text(self) -> None:
        self.search_text = search_key(self.description)

    def save(self, *args, **kwargs):
        self.refresh_search_text()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "description" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    @property
    def dotted_code(self) -> str:
        return format_tariff_code(self.code)

    @property
    def chapter(self) -> str:
        return self.code[:2]

    @property
    def heading(self) -> str:
        return self.code[:4]

    @property
    def hs6(self) -> str:
        return self.code[:6]


class DutyRate(EffectiveDatedRow):
    """Import duty (DI), % ad valorem of the customs value, for one line."""

    tariff_line = models.ForeignKey(
        TariffLine, on_delete=models.PROTECT, related_name="duty_rates", verbose_name=_("ligne tarifaire")
    )
    rate = RateField(_("taux DI (%)"), validators=[MinValueValidator(0)])
    law = models.ForeignKey(
        FinanceLaw, on_delete=models.PROTECT, related_name="duty_rates", verbose_name=_("loi de finances")
    )
    note = models.CharField(_("remarque"), max_length=255, blank=True)

    validity_key = ("tariff_line",)
    history = HistoricalRecords()

    class Meta:
        ordering = ("tariff_line__code", "valid_from")
        verbose_name = _("taux de droit d'importation")
        verbose_name_plural = _("taux de droit d'importation")
        constraints = [validity_check_constraint("dutyrate_valid_range")]
        indexes = [models.Index(fields=["tariff_line", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.tariff_line.dotted_code} {format_rate(self.rate)} % dès le {format_date(self.valid_from)}"


class BlanketDutyChange(EffectiveDatedRow):
    """A change a law makes to every line at a given rate (LF 2024: 40% → 30%), applied
    by the engine from each line's own data rather than by rewriting rows."""

    law = models.ForeignKey(
        FinanceLaw, on_delete=models.PROTECT, related_name="blanket_changes", verbose_name=_("loi de finances")
    )
    from_rate = RateField(_("taux visé (%)"))
    to_rate = RateField(_("nouveau taux (%)"))
    excluded_chapters = models.CharField(_("chapitres exclus"), max_length=100, blank=True, help_text="ex. 24")
    exclude_lines_at_40_before_lfr_2020 = models.BooleanField(
        _("exclure les lignes à 40 % avant la LFR 35-20"), default=False
    )
    description = models.CharField(_("objet de la mesure"), max_length=255, blank=True)

    validity_key = ("law", "from_rate")
    history = HistoricalRecords()

    class Meta:
        ordering = ("valid_from",)
        verbose_name = _("modification générale de taux DI")
        verbose_name_plural = _("modifications générales de taux DI")
        constraints = [validity_check_constraint("blanket_valid_range")]

    def __str__(self) -> str:
        return f"{format_rate(self.from_rate)} % → {format_rate(self.to_rate)} % dès le {format_date(self.valid_from)} ({self.law})"

    @property
    def excluded_chapter_list(self) -> list[str]:
        return [c.strip().zfill(2) for c in self.excluded_chapters.replace(";", ",").split(",") if c.strip()]


class ExciseCategory(models.Model):
    """A product of a TIC table (dahir 1-77-340 art. 9): how its quantity is measured,
    which tariff lines it covers and which attribute selects its band."""

    class QuantitySource(models.TextChoices):
        QUANTITY = "quantity", _("quantité déclarée (unités ou kg)")
        NET_MASS_KG = "net_mass_kg", _("masse nette en kg")
        VOLUME_L = "volume_l", _("volume en litres")
        VOLUME_ML = "volume_ml", _("volume en millilitres")
        PURE_ALCOHOL_L = "pure_alcohol_l", _("litres d'alcool pur")

    code = models.SlugField(_("code de la catégorie TIC"), max_length=40, unique=True)
    table = models.CharField(_("tableau"), max_length=2, help_text="A, G, H, I, J, K, L…")
    label = models.CharField(_("désignation"), max_length=255)
    tariff_prefixes = models.CharField(
        _("positions tarifaires couvertes"), max_length=500, help_text="préfixes séparés par des virgules"
    )
    product_kind = models.SlugField(
        _("nature de produit"), max_length=40, blank=True, help_text="départage les catégories d'une même position"
    )
    quantity_source = models.CharField(_("assiette"), max_length=20, choices=QuantitySource.choices)
    per_quantity = QuantityField(_("quantité de perception"), default=1, help_text="ex. 1000 cigarettes, 100 kg")
    unit_label = models.CharField(_("unité de perception"), max_length=40)
    band_attribute = models.SlugField(_("attribut de tranche"), max_length=40, blank=True)
    band_attribute_required = models.BooleanField(_("attribut de tranche obligatoire"), default=True)
    # Circ. 6255/210 §III.2-3 (tables J, K), 6522/210 §III.3-4 (I, new L products): no TIC before the law's date.
    introduced_by = models.ForeignKey(
        FinanceLaw, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("instituée par"),
        help_text=_("loi qui a soumis ce produit à la TIC ; vide = déjà taxé avant le tarif de base : sans quotité "
                    "chargée à une date, la TIC n'est pas calculée et c'est signalé"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ("table", "code")
        verbose_name = _("catégorie TIC")
        verbose_name_plural = _("catégories TIC")

    def __str__(self) -> str:
        return f"TIC {self.table} — {self.label}"

    def clean(self):
        """A band is selected by a characteristic of the catalogue (tariff.characteristics), the only
        ones an article may carry."""


        super().clean()
        if self.band_attribute and self.band_attribute not in CHARACTERISTICS:
            raise ValidationError({"band_attribute": _("Caractéristique inconnue du catalogue : %(key)s.")
                                   % {"key": self.band_attribute}})

    @property
    def prefixes(self) -> list[str]:
        return split_prefixes(self.tariff_prefixes)


class ExciseRate(EffectiveDatedRow):
    """One band of a TIC category for a period.

    Due = per-block specific amount + ad valorem % of the retail base, at least the
    minimum per block when set (cigarettes, table G); nothing when a sugar threshold
    is set and the content is not ABOVE it (tables A/L).
    """

    category = models.ForeignKey(
        ExciseCategory, on_delete=models.PROTECT, related_name="rates", verbose_name=_("catégorie TIC")
    )
    law = models.ForeignKey(
        FinanceLaw, on_delete=models.PROTECT, related_name="excise_rates", verbose_name=_("loi de finances")
    )
    band_label = models.CharField(_("tranche"), max_length=120, blank=True)
    band_values = models.CharField(_("valeurs de la tranche"), max_length=120, blank=True, help_text="ex. E,F")
    band_min = models.DecimalField(_("borne basse"), max_digits=12, decimal_places=3, null=True, blank=True)
    band_min_inclusive = models.BooleanField(_("borne basse incluse"), default=False)
    band_max = models.DecimalField(_("borne haute"), max_digits=12, decimal_places=3, null=True, blank=True)
    band_max_inclusive = models.BooleanField(_("borne haute incluse"), default=True)
    specific_amount = MoneyField(_("quotité spécifique (DH)"), default=0, decimal_places=3)
    ad_valorem_rate = RateField(_("quotité ad valorem (%)"), null=True, blank=True)
    minimum_amount = MoneyField(_("minimum de perception (DH)"), null=True, blank=True, decimal_places=3)
    sugar_threshold = models.DecimalField(
        _("seuil de sucre (g/100), taxé au-delà"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("remarque"), max_length=255, blank=True)

    validity_key = ("category", "band_label")
    history = HistoricalRecords()

    class Meta:
        ordering = ("category__code", "band_label", "valid_from")
        verbose_name = _("quotité TIC")
        verbose_name_plural = _("quotités TIC")
        constraints = [validity_check_constraint("exciserate_valid_range")]

    def __str__(self) -> str:
        band = f" [{self.band_label}]" if self.band_label else ""
        return f"{self.category.code}{band} dès {self.valid_from}"

    @property
    def has_band_condition(self) -> bool:
        return bool(self.band_values) or self.band_min is not None or self.band_max is not None


class VatCategory(models.Model):
    """A group of tariff lines sharing an import VAT treatment (CGI art. 121, 123)."""

    code = models.SlugField(_("code de la catégorie de TVA"), max_length=40, unique=True)
    label = models.CharField(_("désignation"), max_length=255)
    tariff_prefixes = models.CharField(_("positions tarifaires"), max_length=500, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("code",)
        verbose_name = _("catégorie TVA")
        verbose_name_plural = _("catégories TVA")

    def __str__(self) -> str:
        return self.label

    @property
    def prefixes(self) -> list[str]:
        return split_prefixes(self.tariff_prefixes)


class VatRate(EffectiveDatedRow):
    category = models.ForeignKey(
        VatCategory, on_delete=models.PROTECT, related_name="rates", verbose_name=_("catégorie de TVA")
    )
    rate = RateField(_("taux TVA (%)"), default=0, validators=[MinValueValidator(0)])
    exempt = models.BooleanField(_("exonéré"), default=False)
    law = models.ForeignKey(
        FinanceLaw, on_delete=models.PROTECT, related_name="vat_rates", verbose_name=_("loi de finances")
    )
    note = models.CharField(_("remarque"), max_length=255, blank=True)

    validity_key = ("category",)
    history = HistoricalRecords()

    class Meta:
        ordering = ("category__code", "valid_from")
        verbose_name = _("taux de TVA à l'importation")
        verbose_name_plural = _("taux de TVA à l'importation")
        constraints = [validity_check_constraint("vatrate_valid_range")]

    def __str__(self) -> str:
        value = "exonéré" if self.exempt else f"{format_rate(self.rate)} %"
        return f"{self.category.code} {value} dès le {format_date(self.valid_from)}"


class FranchiseCode(models.Model):
    """An exemption / reduced-rate code typed on a declaration line (code franchise)."""

    class Tax(models.TextChoices):
        DI = "DI", _("Droit d'importation")
        VAT = "TVA", _("TVA à l'importation")

    code = models.CharField(_("code franchise"), max_length=4, unique=True, validators=[RegexValidator(r"^\d{4}$")])
    label = models.CharField(_("intitulé"), max_length=255)
    tax = models.CharField(_("taxe concernée"), max_length=3, choices=Tax.choices)
    tariff_prefixes = models.CharField(
        _("positions éligibles"), max_length=500, blank=True, help_text="vide = toutes positions"
    )
    condition = models.CharField(_("condition d'octroi"), max_length=500, blank=True)
    replaced_by = models.CharField(_("remplacé par"), max_length=4, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("code",)
        verbose_name = _("code franchise")
        verbose_name_plural = _("codes franchise")

    def __str__(self) -> str:
        return f"{self.code} — {self.label}"

    @property
    def prefixes(self) -> list[str]:
        return split_prefixes(self.tariff_prefixes)


class FranchiseRate(EffectiveDatedRow):
    """What a franchise code grants during a period: exemption or a reduced rate."""

    franchise = models.ForeignKey(
        FranchiseCode, on_delete=models.PROTECT, related_name="rates", verbose_name=_("code franchise")
    )
    exempt = models.BooleanField(_("exonération totale"), default=False)
    rate = RateField(_("taux accordé (%)"), null=True, blank=True)
    law = models.ForeignKey(
        FinanceLaw, on_delete=models.PROTECT, related_name="franchise_rates", verbose_name=_("loi de finances")
    )
    note = models.CharField(_("remarque"), max_length=255, blank=True)

    validity_key = ("franchise",)
    history = HistoricalRecords()

    class Meta:
        ordering = ("franchise__code", "valid_from")
        verbose_name = _("avantage d'un code franchise")
        verbose_name_plural = _("avantages des codes franchise")
        constraints = [
            validity_check_constraint("franchiserate_valid_range"),
            models.CheckConstraint(
                condition=models.Q(exempt=True) | models.Q(rate__isnull=False), name="franchiserate_exempt_or_rate"
            ),
        ]

    def __str__(self) -> str:
        value = "exonération" if self.exempt else f"{format_rate(self.rate)} %"
        return f"{self.franchise.code} {value} dès le {format_date(self.valid_from)}"


class ExchangeRate(EffectiveDatedRow):
    """Customs exchange rate: MAD for one unit of ``currency`` (CDII art. 20)."""

    currency = CurrencyField(_("devise"), default="EUR")
    rate = models.DecimalField(
        _("cours (MAD pour 1 unité)"),
        max_digits=EXCHANGE_RATE_MAX_DIGITS,
        decimal_places=EXCHANGE_RATE_DECIMAL_PLACES,
        validators=[MinValueValidator(0)],
    )
    source = models.CharField(_("source du cours"), max_length=255, blank=True)
    # A sample rate shipped for the demo, not a published customs rate: every valuation that
    # uses it says so, and production refuses it (settings.ALLOW_ILLUSTRATIVE_EXCHANGE_RATES).
    illustrative = models.BooleanField(_("cours d'exemple (non publié)"), default=False)

    validity_key = ("currency",)
    history = HistoricalRecords()

    class Meta:
        ordering = ("currency", "valid_from")
        verbose_name = _("cours de change douanier")
        verbose_name_plural = _("cours de change douaniers")
        constraints = [validity_check_constraint("exchangerate_valid_range")]

    def __str__(self) -> str:
        return f"1 {self.currency} = {format_rate(self.rate)} MAD dès le {format_date(self.valid_from)}" + (" (exemple)" if self.illustrative else "")


class DraftRateChange(models.Model):
    """A rate change entered on a draft finance law; publishing the law applies it
    (closing the row it supersedes) — until then it only feeds the what-if simulation."""

    class Kind(models.TextChoices):
        DI = "DI", _("Droit d'importation")
        TIC = "TIC", _("Taxe intérieure de consommation")
        VAT = "TVA", _("TVA à l'importation")
        FRANCHISE = "FRANCHISE", _("Code franchise")

    law = models.ForeignKey(
        FinanceLaw, on_delete=models.CASCADE, related_name="draft_changes", verbose_name=_("loi en projet")
    )
    kind = models.CharField(_("taxe"), max_length=10, choices=Kind.choices)
    tariff_line = models.ForeignKey(
        TariffLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("ligne tarifaire")
    )
    excise_category = models.ForeignKey(
        ExciseCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("catégorie TIC"),
    )
    band_label = models.CharField(_("tranche TIC"), max_length=120, blank=True)
    vat_category = models.ForeignKey(
        VatCategory, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("catégorie de TVA"),
    )
    franchise = models.ForeignKey(
        FranchiseCode, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("code franchise"),
    )
    rate = RateField(_("taux (%)"), null=True, blank=True)
    exempt = models.BooleanField(_("exonéré"), default=False)
    specific_amount = MoneyField(_("quotité spécifique (DH)"), null=True, blank=True, decimal_places=3)
    ad_valorem_rate = RateField(_("quotité ad valorem (%)"), null=True, blank=True)
    minimum_amount = MoneyField(_("minimum de perception (DH)"), null=True, blank=True, decimal_places=3)
    sugar_threshold = models.DecimalField(_("seuil de sucre"), max_digits=7, decimal_places=2, null=True, blank=True)
    valid_from = models.DateField(_("en vigueur à partir du"))
    valid_to = models.DateField(_("jusqu'au (inclus)"), null=True, blank=True)
    note = models.CharField(_("remarque"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("law", "kind", "valid_from")
        verbose_name = _("modification de taux (projet de loi)")
        verbose_name_plural = _("modifications de taux (projet de loi)")
        constraints = [validity_check_constraint("draftchange_valid_range")]

    def __str__(self) -> str:
        target = self.tariff_line or self.excise_category or self.vat_category or self.franchise
        return f"{self.kind} {target} dès {self.valid_from}"

    def clean(self):
        super().clean()
        required = {
            self.Kind.DI: ("tariff_line", "rate"),
            self.Kind.TIC: ("excise_category",),
            self.Kind.VAT: ("vat_category",),
            self.Kind.FRANCHISE: ("franchise",),
        }[self.kind]
        missing = {f: "Champ requis pour ce type de modification." for f in required if getattr(self, f) is None}
        if self.kind in (self.Kind.VAT, self.Kind.FRANCHISE) and self.rate is None and not self.exempt:
            missing["rate"] = "Indiquez un taux ou cochez « exonéré »."
        if missing:
    
            raise ValidationError(missing)


class ReferenceDataVersion(models.Model):
    """A single counter bumped on every reference-data write; the in-memory tariff
    index (selectors.get_tariff_index) rebuilds when it moves, in every process."""

    id = models.PositiveSmallIntegerField(_("identifiant"), primary_key=True, default=1)
    version = models.PositiveBigIntegerField(_("numéro de version"), default=0)

    class Meta:
        verbose_name = _("version des données de référence")


# --- Exemptions followed over time (issue 9) -----------------------------------------------------

from .exemption_rules import QuotaHasAnEnd, QuotaNotBelowUsed  # noqa: E402 - rules of the models below


class Quota(EffectiveDatedRow):
    """A tariff quota attached to a franchise code, in kg of net mass for a closed period.

    ``used_kg`` is the running total of the allocations (declarations.QuotaAllocation),
    written only by ``declarations.exemptions`` under a row lock; the database refuses
    an over-consumption (``quota_not_overused``)."""

    franchise = models.ForeignKey(
        FranchiseCode, on_delete=models.PROTECT, related_name="quotas", verbose_name=_("code franchise")
    )
    volume_kg = QuantityField(_("volume du contingent (kg nets)"), validators=[MinValueValidator(0)])
    used_kg = QuantityField(_("quantité imputée (kg nets)"), default=0, validators=[MinValueValidator(0)])
    law = models.ForeignKey(
        FinanceLaw, on_delete=models.PROTECT, related_name="quotas", verbose_name=_("loi de finances")
    )
    note = models.CharField(_("remarque"), max_length=255, blank=True)

    validity_key = ("franchise",)
    business_rules = EffectiveDatedRow.business_rules + (QuotaHasAnEnd, QuotaNotBelowUsed)
    history = HistoricalRecords()

    class Meta:
        ordering = ("franchise__code", "valid_from")
        verbose_name = _("contingent tarifaire")
        verbose_name_plural = _("contingents tarifaires")
        constraints = [
            validity_check_constraint("quota_valid_range"),
            models.CheckConstraint(condition=models.Q(used_kg__lte=models.F("volume_kg")), name="quota_not_overused"),
        ]

    def __str__(self) -> str:
        return f"Contingent {self.franchise.code} {self.period_label}"

    @property
    def period_label(self) -> str:
        if self.valid_to and (self.valid_from.month, self.valid_from.day, self.valid_to.month, self.valid_to.day) == (
                1, 1, 12, 31) and self.valid_from.year == self.valid_to.year:
            return str(self.valid_from.year)
        end = f"{self.valid_to:%d/%m/%Y}" if self.valid_to else "…"
        return f"du {self.valid_from:%d/%m/%Y} au {end}"

    @property
    def balance_kg(self):
        return self.volume_kg - self.used_kg


class SchoolSupplyItem(EffectiveDatedRow):
    """A school supply of the list exempt from import VAT under code franchise 2013
    (circ. 6522/210, annexe IV-1: 34 items, replacing the list of circ. 4985/211)."""

    number = models.PositiveSmallIntegerField(_("n° dans l'annexe"))
    label = models.CharField(_("désignation"), max_length=500)
    law = models.ForeignKey(
        FinanceLaw, on_delete=models.PROTECT, related_name="school_supply_items", verbose_name=_("loi de finances")
    )
    source = models.CharField(_("source du texte"), max_length=120, blank=True)

    validity_key = ("number",)
    history = HistoricalRecords()

    class Meta:
        ordering = ("number", "valid_from")
        verbose_name = _("fourniture scolaire (annexe IV-1)")
        verbose_name_plural = _("fournitures scolaires (annexe IV-1)")
        constraints = [validity_check_constraint("schoolsupply_valid_range")]

    def __str__(self) -> str:
        return f"{self.number}. {self.label[:80]}"


class WarehouseDisposalReason(models.Model):
    """A commercial reason that opens abandonment or destruction of warehoused goods
    (CDII art. 130-4°, LF 2024: « la liste des raisons commerciales … sera fixée par voie
    réglementaire »). Reference data editors keep the list in line with that text."""

    code = models.SlugField(_("code du motif"), max_length=40, unique=True)
    label = models.CharField(_("raison commerciale"), max_length=255)
    provisional = models.BooleanField(
        _("provisoire"), default=True, help_text=_("en attente de la liste fixée par voie réglementaire")
    )
    note = models.CharField(_("remarque"), max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ("code",)
        verbose_name = _("raison commerciale d'abandon ou de destruction")
        verbose_name_plural = _("raisons commerciales d'abandon ou de destruction")

    def __str__(self) -> str:
        return self.label


from .import_jobs import ReferenceImport, ReferenceImportFile  # noqa: E402,F401 - issue 18 import jobs
