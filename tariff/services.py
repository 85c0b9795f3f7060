"""Tariff services: the duty calculator and reference-data writes.

``quote_duties`` answers "what DI, TIC and import VAT are due on this line, on this
date, under which law"; declarations liquidate through it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .characteristics import CHARACTERISTICS, PRODUCT_KIND, Characteristic, InvalidAttribute, MissingAttribute, field_of
from .codes import format_tariff_code, normalize_tariff_code
from .drafts import apply_changes_to_database
from .kit.errors import DomainError
from .kit.money import LOCAL_CURRENCY, percent_of, quantize_money, to_decimal
from .kit.numbers import format_number
from .kit.reference_registry import registered_reference_files
from .kit.spreadsheets import SafeCSV
from .models import DraftRateChange, ExchangeRate, FinanceLaw, FranchiseCode, TariffLine
from .rules import (
    decide_duty_rate,
    excise_characteristics_needed,
    excise_due,
    product_kinds_of,
    select_excise_band,
    select_excise_category,
)
from .selectors import TariffIndex, bump_reference_version, get_tariff_index
from .signals_domain import finance_law_published


class QuoteError(DomainError):
    code = "quote_error"


class UnknownTariffLine(QuoteError):
    code = "unknown_tariff_line"


class NoRateInForce(QuoteError):
    code = "no_rate_in_force"


class FranchiseNotApplicable(QuoteError):
    code = "franchise_not_applicable"


class NoExciseRateInForce(NoRateInForce):
    code = "no_excise_rate_in_force"


# What the engine does when a TIC table applies to the goods but no quotité is loaded for the date.
MISSING_EXCISE_REFUSE = "refuse"  # liquidation, preview, re-liquidation: a zero TIC would under-assess the duties
MISSING_EXCISE_WARN = "warn"  # calculator and quote API: DI and VAT shown, the TIC left out and said so


TAX_DI = "DI"
TAX_TIC = "TIC"
TAX_VAT = "TVA"


@dataclass(frozen=True)
class TaxLine:
    tax: str
    base: Decimal
    base_unit: str
    rate: Decimal
    rate_unit: str
    amount: Decimal
    law_id: int
    law_code: str
    law_label: str
    detail: str = ""


@dataclass(frozen=True)
class QuoteWarning:
    code: str
    tax: str
    message: str


@dataclass(frozen=True)
class TaxExemption:
    """An exemption granted outside the tariff and the franchise codes (an investment convention,
    CGI art. 123-22°): the engine computes the tax as usual, then charges it at 0 % under ``law``
    (``None``: the law of the rate it exempts), the line's detail being ``detail(exempted)`` — the
    amount the rate would have charged. What follows sees the exempted amount (a VAT base
    includes an exempted DI at 0)."""

    tax: str
    law: FinanceLaw | None
    detail: Callable[[Decimal], str]


@dataclass(frozen=True)
class DutyQuote:
    tariff_code: str
    on_date: dt.date
    customs_value: Decimal
    franchise_code: str | None
    lines: list[TaxLine] = field(default_factory=list)
    currency: str = LOCAL_CURRENCY
    warnings: list[QuoteWarning] = field(default_factory=list)
    exempted: dict[str, Decimal] = field(default_factory=dict)  # tax → what a ``TaxExemption`` did not charge

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    def amount_of(self, tax: str) -> Decimal:
        return sum((line.amount for line in self.lines if line.tax == tax), Decimal("0.00"))


def _law_fields(law: FinanceLaw) -> dict:
    return {"law_id": law.id, "law_code": law.code, "law_label": str(law)}


@dataclass(frozen=True)
class LineRates:
    """What the reference data says of one tariff line on one date, whatever the goods'
    value: the DI decision (``None`` when no rate is in force), the TIC categories that
    may apply and the VAT row. Resolved once per (line, date) and memoized on the index,
    so a re-liquidation of a million articles resolves each pair once."""

    line: object
    di_rate: Decimal | None
    di_law: dict | None
    di_detail: str
    excise_categories: list
    vat_row: object | None
    vat_law: dict | None
    vat_detail: str


LINE_RATES_MEMO_SIZE = 100_000  # (line, date) pairs kept per index: a few tens of MB at most


def line_rates_on(index: TariffIndex, code: str, on_date: dt.date) -> LineRates | None:
    """``None`` for an unknown line. ``code`` is already normalised."""
    key = (code, on_date)
    memo = index.memo
    if key in memo:
        return memo[key]
    if len(memo) >= LINE_RATES_MEMO_SIZE:  # a long-lived worker quoting many dates must not grow without end
        memo.clear()
    line = index.line(code)
    if line is None:
        memo[key] = None
        return None
    di_rate = di_law = None
    di_detail = ""
    explicit = index.duty_rate_on(line, on_date)
    if explicit is not None:
        decision = decide_duty_rate(line=line, explicit=explicit, blanket_changes=index.blanket_changes_on(on_date))
        di_rate, di_law, di_detail = decision.rate, _law_fields(decision.law), decision.detail
    vat_row = index.vat_rate_on(code, on_date)
    vat_detail = ""
    if vat_row is not None:
        vat_detail = f"{vat_row.category.label}" + (f" — {vat_row.note}" if vat_row.note else "")
    rates = LineRates(line, di_rate, di_law, di_detail, index.excise_categories_for(code), vat_row,
                      _law_fields(vat_row.law) if vat_row is not None else None, vat_detail)
    memo[key] = rates
    return rates


def quote_duties(
    *,
    tariff_code: str,
    on_date: dt.date,
    customs_value,
    quantity=None,
    franchise_code: str | None = None,
    attributes: dict | None = None,
    index: TariffIndex | None = None,
    missing_excise: str = MISSING_EXCISE_REFUSE,
    exemptions: tuple[TaxExemption, ...] = (),
) -> DutyQuote:
    """DI, TIC and VAT due on one line; each amount rounded half-up to 0.01.

    VAT base = customs value + DI + TIC (CGI art. 121). When a TIC table applies to the goods
    but no quotité is loaded for the date, ``missing_excise`` says whether to refuse
    (``NoExciseRateInForce``) or to answer without the TIC and say so in ``warnings``.
    ``exemptions``: DI or VAT exempted on top of the rates (``TaxExemption``, at most one per tax).
    """
    index = index or get_tariff_index()
    # (most quotes have no exemption: nothing built for them, this is the re-liquidation's hot path)
    exempt_by_tax = {exemption.tax: exemption for exemption in exemptions} if exemptions else _NO_EXEMPTION
    exempted: dict[str, Decimal] = {} if exemptions else _NO_EXEMPTION
    attributes = attributes or {}
    code = normalize_tariff_code(tariff_code)
    customs_value = to_decimal(customs_value)
    if customs_value < 0:
        raise QuoteError("La valeur en douane ne peut pas être négative.", field="customs_value")
    if quantity is not None and to_decimal(quantity) < 0:
        raise QuoteError("La quantité ne peut pas être négative.", field="quantity")
    rates = line_rates_on(index, code, on_date)
    if rates is None:
        raise UnknownTariffLine(f"Position tarifaire inconnue : {format_tariff_code(code)}.", field="tariff_code")
    line = rates.line

    franchise, franchise_rate = _franchise_on(index, franchise_code, code, on_date)

    # DI
    if franchise and franchise.tax == FranchiseCode.Tax.DI:
        di_rate = Decimal("0") if franchise_rate.exempt else franchise_rate.rate
        di_law, di_detail = _law_fields(franchise_rate.law), f"code franchise {franchise.code} — {franchise.label}"
        if rates.di_rate is not None and rates.di_rate < di_rate:
            # Circ. 6522/210 §I.3: the 2.5 % minimum is a benefit (« bénéficiant »); a lower tariff rate stays.
            di_rate, di_law = rates.di_rate, rates.di_law
            di_detail = f"{rates.di_detail} — taux du tarif inférieur au taux du code franchise {franchise.code}"
    else:
        if rates.di_rate is None:
            raise NoRateInForce(
                f"Aucun taux de droit d'importation en vigueur le {on_date:%d/%m/%Y} pour {line.dotted_code}.",
                field="date",
            )
        di_rate, di_law, di_detail = rates.di_rate, rates.di_law, rates.di_detail
    if TAX_DI in exempt_by_tax:
        di_rate, di_law, di_detail = _exempt(exempt_by_tax[TAX_DI], customs_value, di_rate, di_law, exempted)
    di_amount = quantize_money(percent_of(customs_value, di_rate))
    lines = [TaxLine(TAX_DI, customs_value, LOCAL_CURRENCY, di_rate, "%", di_amount, detail=di_detail, **di_law)]

    # TIC
    warnings: list[QuoteWarning] = []
    category = select_excise_category(rates.excise_categories, attributes) if rates.excise_categories else None
    if category is not None:
        excise_rates = index.excise_rates_on(category, on_date)
        if not excise_rates and excise_instituted_on(index, category, on_date):
            warnings.append(_missing_excise_rate(category, on_date, missing_excise))
        if excise_rates:
            band = select_excise_band(category, excise_rates, attributes)
            due = excise_due(category, band, quantity=quantity, attributes=attributes)
            label = f"TIC {category.table} — {category.label}" + (f" [{band.band_label}]" if band.band_label else "")
            lines.append(
                TaxLine(
                    TAX_TIC,
                    due.quantity,
                    category.unit_label,
                    band.specific_amount,
                    f"DH/{category.unit_label}",
                    quantize_money(due.amount),
                    detail=f"{label} : {due.detail}",
                    **_law_fields(band.law),
                )
            )

    # TVA
    vat_base = customs_value + sum(line_.amount for line_ in lines)
    if franchise and franchise.tax == FranchiseCode.Tax.VAT:
        exempt, vat_rate = franchise_rate.exempt, franchise_rate.rate or Decimal("0")
        vat_law, vat_detail = _law_fields(franchise_rate.law), f"code franchise {franchise.code} — {franchise.label}"
    else:
        vat_row = rates.vat_row
        if vat_row is None:
            raise NoRateInForce(f"Aucun taux de TVA à l'importation en vigueur le {on_date:%d/%m/%Y}.", field="date")
        exempt, vat_rate, vat_law, vat_detail = vat_row.exempt, vat_row.rate, rates.vat_law, rates.vat_detail
    if exempt:
        vat_rate, vat_detail = Decimal("0"), f"Exonéré : {vat_detail}"
    if TAX_VAT in exempt_by_tax:
        vat_rate, vat_law, vat_detail = _exempt(exempt_by_tax[TAX_VAT], vat_base, vat_rate, vat_law, exempted)
    lines.append(
        TaxLine(
            TAX_VAT, vat_base, LOCAL_CURRENCY, vat_rate, "%", quantize_money(percent_of(vat_base, vat_rate)),
            detail=vat_detail, **vat_law,
        )
    )
    return DutyQuote(code, on_date, customs_value, franchise.code if franchise else None, lines, warnings=warnings,
                     exempted=exempted if exemptions else {})


_NO_EXEMPTION: dict = {}  # read-only: what a quote without ``exemptions`` looks up


def _exempt(exemption: TaxExemption, base: Decimal, rate: Decimal, law: dict, exempted: dict) -> tuple:
    """(rate, law, detail) of a tax ``exemption`` charges at 0; records what ``rate`` would have charged."""
    amount = quantize_money(percent_of(base, rate))
    exempted[exemption.tax] = amount
    return Decimal("0"), _law_fields(exemption.law) if exemption.law is not None else law, exemption.detail(amount)


def excise_instituted_on(index: TariffIndex, category, on_date: dt.date) -> bool:
    """Whether the goods were subject to this TIC on ``on_date``: always, unless a (published)
    law instituted it later — tables J and K (LF 2022), I (LF 2021), the new L products (LF 2024)."""
    # Circ. 6255/210 §III.2-3 (« instauration » of tables J, K); circ. 6522/210 §III.3 (I) and §III.4 (L).
    if category.introduced_by_id is None:
        return True
    law = index.laws.get(category.introduced_by_id)
    return law is not None and on_date >= law.effective_date


def _missing_excise_rate(category, on_date: dt.date, missing_excise: str) -> QuoteWarning:
    """The TIC is due on the date (dahir 1-77-340 art. 9) but its quotité is not in the reference data."""
    what = (f"Aucune quotité de TIC du tableau {category.table} (« {category.label} ») n'est chargée pour le "
            f"{on_date:%d/%m/%Y}, alors que ces marchandises y sont soumises (dahir 1-77-340 art. 9)")
    if missing_excise != MISSING_EXCISE_WARN:
        # A TIC of zero would under-assess what is due (CDII art. 15: rates of the registration date).
        raise NoExciseRateInForce(
            f"{what} : liquidation refusée plutôt qu'une TIC à zéro ; la quotité doit être chargée dans les données "
            "de référence.", field="date")
    return QuoteWarning(NoExciseRateInForce.code, TAX_TIC,
                        f"{what} : TIC non calculée, total et TVA (assiette sans TIC) sous-évalués.")


@dataclass(frozen=True)
class RequiredCharacteristic:
    characteristic: Characteristic
    why: str  # "TIC H — Liquides pour cigarettes électroniques…"
    choices: tuple[tuple[str, str], ...] = ()  # product kinds of the line, for ``product_kind``


def excise_characteristics_required(
    *, tariff_code: str, on_date: dt.date, attributes: dict | None = None, quantity_given: bool = False,
    index: TariffIndex | None = None,
) -> list[RequiredCharacteristic]:
    """The characteristics the TIC of ``tariff_code`` needs on ``on_date``, as the engine looks the
    TIC up (``line_rates_on``, ``select_excise_category``, the rates in force): the product kind
    when the line covers several TIC categories (then, until it is given, nothing else can be
    known), then what the category's rates read (``rules.excise_characteristics_needed``). Nothing
    for an unknown line, a line no TIC table covers, or a table with no rate in force that day."""
    index = index or get_tariff_index()
    attributes = attributes or {}
    rates = line_rates_on(index, normalize_tariff_code(tariff_code), on_date)
    if rates is None or not rates.excise_categories:
        return []
    categories = rates.excise_categories
    if len(categories) > 1:
        kind = attributes.get(PRODUCT_KIND)
        category = next((c for c in categories if kind and c.product_kind == kind), None)
        if category is None:
            tables = ", ".join(sorted({c.table for c in categories}))
            return [RequiredCharacteristic(CHARACTERISTICS[PRODUCT_KIND], f"TIC {tables}",
                                           tuple(product_kinds_of(categories)))]
    else:
        category = categories[0]
    excise_rates = index.excise_rates_on(category, on_date)
    if not excise_rates:
        return []
    why = f"TIC {category.table} — {category.label}"
    return [RequiredCharacteristic(CHARACTERISTICS[key], why)
            for key in excise_characteristics_needed(category, excise_rates, quantity_given=quantity_given)]


def excise_characteristics_errors(
    *, tariff_code: str, on_date: dt.date, attributes: dict, quantity_given: bool = False, prefix: str = "attributes",
    index: TariffIndex | None = None,
) -> list[MissingAttribute | InvalidAttribute]:
    """What ``excise_characteristics_required`` asks and ``attributes`` (already cleaned) lacks —
    one error per characteristic, naming its French label — or a product kind that does not
    fit the line."""
    errors: list = []
    for required in excise_characteristics_required(tariff_code=tariff_code, on_date=on_date, attributes=attributes,
                                                    quantity_given=quantity_given, index=index):
        entry = required.characteristic
        field = field_of(entry.key, prefix)
        value = attributes.get(entry.key)
        if required.choices and value not in (None, ""):
            kinds = ", ".join(label for _code, label in required.choices)
            errors.append(InvalidAttribute(
                f"« {entry.verbose} » : « {value} » ne convient pas à cette position (possibles : {kinds}).",
                field=field))
        elif value in (None, ""):
            hint = f" ; possibles : {', '.join(label for _code, label in required.choices)}" if required.choices else ""
            errors.append(MissingAttribute(f"« {entry.verbose} » est requis ({required.why}{hint}).", field=field))
    return errors


def _franchise_on(index: TariffIndex, franchise_code: str | None, code: str, on_date: dt.date):
    if not franchise_code:
        return None, None
    franchise = index.franchise(str(franchise_code).strip())
    if franchise is None:
        raise FranchiseNotApplicable(f"Code franchise inconnu : {franchise_code}.", field="franchise_code")
    rate = index.franchise_rate_on(franchise, on_date)
    if rate is None:
        hint = f" ; utiliser le code {franchise.replaced_by}" if franchise.replaced_by else ""
        raise FranchiseNotApplicable(
            f"Le code franchise {franchise.code} n'est pas en vigueur le {on_date:%d/%m/%Y}{hint}.",
            field="franchise_code",
        )
    if not index.franchise_covers(franchise, code):
        raise FranchiseNotApplicable(
            f"Le code franchise {franchise.code} ne s'applique pas à la position {format_tariff_code(code)}.",
            field="franchise_code",
        )
    return franchise, rate


# --- reference-data loading -------------------------------------------------------------------

class CurrencyConversionError(DomainError):
    code = "no_exchange_rate"


def exchange_rate_in_force(*, currency: str, on_date: dt.date, index: TariffIndex | None = None,
                           field: str = "currency") -> ExchangeRate:
    """The customs exchange rate of ``currency`` in force on ``on_date`` (CDII art. 20: the rate
    of the registration date). Refused when none covers the date, and when the only one is a
    sample rate while the office does not allow them (production)."""
    index = index or get_tariff_index()
    row = index.exchange_rate_on(currency, on_date)
    if row is None:
        raise CurrencyConversionError(
            f"Aucun cours de change douanier {currency} en vigueur le {on_date:%d/%m/%Y} : importez le cours "
            "publié pour cette date.", field=field)
    if row.illustrative and not settings.ALLOW_ILLUSTRATIVE_EXCHANGE_RATES:
        raise CurrencyConversionError(
            f"Le seul cours {currency} en vigueur le {on_date:%d/%m/%Y} est un cours d'exemple : importez le "
            "cours douanier publié.", field=field, code="illustrative_exchange_rate")
    return row


def exchange_rate_warnings(*, currencies, on_date: dt.date, index: TariffIndex | None = None) -> list[str]:
    """What a valuation on ``on_date`` should tell the user about the rates it uses."""
    index = index or get_tariff_index()
    warnings = []
    for currency in sorted(set(currencies) - {LOCAL_CURRENCY}):
        row = index.exchange_rate_on(currency, on_date)
        if row is not None and row.illustrative:
            rate = format_number(row.rate, decimal_places=6)
            warnings.append(f"Cours {currency} utilisé : cours d'exemple ({rate} MAD), pas un cours douanier publié.")
    return warnings


def convert_to_mad(*, amount, currency: str, on_date: dt.date, index: TariffIndex | None = None) -> Decimal:
    """Amount in MAD at the customs exchange rate in force on ``on_date`` (unrounded;
    callers round once where the amount is recorded)."""
    amount = to_decimal(amount)
    if currency == LOCAL_CURRENCY:
        return amount
    return amount * exchange_rate_in_force(currency=currency, on_date=on_date, index=index).rate


class ReferenceImportError(DomainError):
    code = "reference_import_error"


@dataclass(frozen=True)
class ImportReport:
    file: str
    total: int
    new: int
    updated: int
    skipped: int


def reference_data_import(*, directory=None, files=None) -> list[ImportReport]:
    """Load the reference CSV files every app registered (idempotent upsert by natural keys).

    ``directory`` replaces every app's data folder (tests, one-off imports). All files
    in one transaction: the first bad row aborts everything and the error names the
    file, the row and the reason.
    """
    reports: list[ImportReport] = []
    with transaction.atomic():
        for entry in registered_reference_files():
            folder = Path(directory) if directory else entry.directory
            for path in sorted(folder.glob(entry.stem.replace(".csv", "*.csv"))):
                if files and path.name not in files:
                    continue
                dataset = SafeCSV().create_dataset(path.read_text(encoding="utf-8"))
                result = entry.resource_class().import_data(
                    dataset, dry_run=False, raise_errors=False, use_transactions=False
                )
                _raise_on_row_errors(path.name, result)
                totals = result.totals
                reports.append(
                    ImportReport(path.name, len(dataset), totals.get("new", 0), totals.get("update", 0),
                                 totals.get("skip", 0))
                )
        bump_reference_version()
    return reports


def _raise_on_row_errors(file_name: str, result) -> None:
    if result.has_validation_errors():
        row = result.invalid_rows[0]
        details = "; ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in row.error_dict.items())
        raise ReferenceImportError(f"{file_name}, ligne {row.number + 1} : {details}", field="file")
    if result.has_errors():
        if result.base_errors:
            raise ReferenceImportError(f"{file_name} : {result.base_errors[0].error}", field="file")
        number, errors = result.row_errors()[0]
        raise ReferenceImportError(f"{file_name}, ligne {number + 1} : {errors[0].error}", field="file")


# --- finance laws -----------------------------------------------------------------------------

class FinanceLawError(DomainError):
    code = "finance_law_error"


def finance_law_publish(*, law: FinanceLaw, user=None) -> FinanceLaw:
    """Publish a draft finance law: apply its staged rate changes and make its rows
    visible to the engine, in one transaction; then ``finance_law_published`` lets the
    declarations app enqueue the recalculation (on commit)."""
    with transaction.atomic():
        law = FinanceLaw.objects.select_for_update().get(pk=law.pk)
        if law.status != FinanceLaw.Status.DRAFT:
            raise FinanceLawError(f"La loi {law} est déjà publiée.", field="status", code="already_published")
        apply_changes_to_database(law)
        law.status = FinanceLaw.Status.PUBLISHED
        law.published_at = timezone.now()
        law.save(update_fields=["status", "published_at"])
        bump_reference_version()
        finance_law_published.send(sender=FinanceLaw, law=law, user=user)
    return law


def finance_law_draft_create(*, code: str, title: str, effective_date: dt.date, changes: list[dict], number: str = "",
                             kind: str = FinanceLaw.Kind.FINANCE_LAW, budget_year: int | None = None) -> FinanceLaw:
    """A draft finance law with its staged DI rate changes (``changes``: ``tariff_code``, ``rate``,
    optional ``valid_from`` (default: the law's date) and ``note``), all or nothing; until
    ``finance_law_publish`` they only feed the what-if simulation. (Issue 18: the demo office.)"""
    with transaction.atomic():
        law = FinanceLaw(code=code, number=number, title=title, kind=kind, budget_year=budget_year,
                         effective_date=effective_date, status=FinanceLaw.Status.DRAFT)
        law.full_clean()
        law.save()
        for i, data in enumerate(changes):
            line_code = normalize_tariff_code(data.get("tariff_code", ""), field=f"changes[{i}].tariff_code")
            line = TariffLine.objects.filter(code=line_code).first()
            if line is None:
                raise FinanceLawError(f"Position tarifaire inconnue {data['tariff_code']}.",
                                      field=f"changes[{i}].tariff_code", code="unknown_tariff_line")
            change = DraftRateChange(law=law, kind=DraftRateChange.Kind.DI, tariff_line=line,
                                     rate=to_decimal(data["rate"]), valid_from=data.get("valid_from") or effective_date,
                                     note=data.get("note", ""))
            change.full_clean()
            change.save()
    return law
