"""Office des Changes rules on import commitments, as small pure functions.

Source: Office des Changes FAQ "engagements d'importation" (seed 002, DOMAIN.md §3);
each function cites the FAQ answer it implements. A function receives plain values
(amounts already converted into the currency the rule compares in) and raises a
``DomainError`` subclass with a machine-readable ``code`` and a French message;
services call them inside their transaction, after locking the commitment, and write
nothing when one refuses.
"""
from __future__ import annotations

from decimal import Decimal

from tariff.kit.errors import DomainError
from tariff.kit.money import percent_of, quantize_money, to_decimal
from tariff.kit.numbers import format_amount, format_percent

ZERO = Decimal("0")
ADVANCE_RATE = Decimal("30")
ADVANCE_RATE_AERONAUTICS = Decimal("50")
ADVANCE_OVERSHOOT_TOLERANCE_RATE = Decimal("5")
ANTICIPATED_LIMIT_MAD = Decimal("200000")
ANTICIPATED_LIMIT_AERONAUTICS_MAD = Decimal("1000000")
CEREALS_SHRINKAGE_RATE = Decimal("1")
PERSONAL_EXEMPTION_LIMIT_MAD = Decimal("20000")


# --- errors (one class per refused case; ``code`` is what API clients match on) ---------------

class ExchangeRuleError(DomainError):
    """Règle de l'Office des Changes non respectée."""

    code = "exchange_rule"
    default_field: str | None = None

    @classmethod
    def description(cls) -> str:
        return " ".join((cls.__doc__ or "").split())


class InvalidAmount(ExchangeRuleError):
    """Le montant doit être strictement positif."""

    code = "invalid_amount"
    default_field = "amount"


class NotCommitmentBank(ExchangeRuleError):
    """Seule la banque domiciliataire de l'engagement peut agir."""

    code = "not_commitment_bank"


class NotDomiciled(ExchangeRuleError):
    """L'engagement n'est pas encore domicilié."""

    code = "not_domiciled"


class AlreadyDomiciled(ExchangeRuleError):
    """L'engagement est déjà domicilié."""

    code = "already_domiciled"


class ConcordanceNotConfirmed(ExchangeRuleError):
    """La banque doit confirmer la concordance du contrat commercial et de l'engagement."""

    code = "concordance_not_confirmed"
    default_field = "contract_concordance_confirmed"


class ContractAdvanceRateOverLimit(ExchangeRuleError):
    """Le taux d'acompte du contrat dépasse le taux réglementaire (30 %, 50 % aéronautique)."""

    code = "contract_advance_rate_over_limit"
    default_field = "contract_advance_rate"


class CommitmentClosed(ExchangeRuleError):
    """L'engagement est clôturé."""

    code = "commitment_closed"


class BankChangePending(ExchangeRuleError):
    """Transfert vers une autre banque en cours : les règlements de la banque initiale sont arrêtés."""

    code = "bank_change_pending"


class ReasonOnlyForOverrun(ExchangeRuleError):
    """Un motif ne s'indique que pour un dépassement."""

    code = "reason_only_for_overrun"
    default_field = "reason"


class IdempotencyKeyConflict(ExchangeRuleError):
    """Votre banque a déjà utilisé cette clé d'idempotence pour un autre engagement."""

    code = "idempotency_key_conflict"
    default_field = "idempotency_key"


class AdvanceNotInContract(ExchangeRuleError):
    """Le contrat commercial ne prévoit pas d'acompte."""

    code = "advance_not_in_contract"
    default_field = "kind"


class AdvanceBalanceBeforeEntry(ExchangeRuleError):
    """Pas d'acompte quand le contrat prévoit le règlement du reliquat avant l'entrée de la marchandise, sauf
    crédit documentaire ou remise documentaire.
    """

    code = "advance_balance_before_entry"
    default_field = "kind"


class AdvanceOverLimit(ExchangeRuleError):
    """Acomptes au-delà de 30 % de la valeur totale de l'importation (50 % aéronautique et spatial)."""

    code = "advance_over_limit"
    default_field = "amount"


class AdvanceOverContractRate(ExchangeRuleError):
    """Acomptes au-delà du taux prévu par le contrat commercial."""

    code = "advance_over_contract_rate"
    default_field = "amount"


class FxAccountNotAllowed(ExchangeRuleError):
    """Seuls les exportateurs titulaires d'un compte en devises ou en dirhams convertibles peuvent régler par débit
    de ce compte.
    """

    code = "fx_account_not_allowed"
    default_field = "funding"


class FxBalanceInsufficient(ExchangeRuleError):
    """Disponible du compte en devises ou en dirhams convertibles insuffisant."""

    code = "fx_balance_insufficient"
    default_field = "amount"


class AnticipatedOverLimit(ExchangeRuleError):
    """Règlement par anticipation au-delà de la limite (200 000 MAD ; 1 000 000 MAD aéronautique ; 100 % pour les
    opérateurs catégorisés ou par compte en devises si le contrat le prévoit ; valeur du matériel d'occasion
    acquis aux enchères).
    """

    code = "anticipated_over_limit"
    default_field = "amount"


class SettlementBeforeImputation(ExchangeRuleError):
    """Le règlement n'intervient qu'après l'imputation douanière de l'engagement."""

    code = "settlement_before_imputation"
    default_field = "kind"


class SettlementOverImputed(ExchangeRuleError):
    """Règlement au-delà du montant imputé majoré du fret, des frais accessoires et de l'assurance à
    l'étranger.
    """

    code = "settlement_over_imputed"
    default_field = "amount"


class SettlementOverSubscribedNotImputed(ExchangeRuleError):
    """Le règlement ne peut dépasser le montant souscrit que si le dépassement a été imputé par la douane."""

    code = "settlement_over_subscribed_not_imputed"
    default_field = "amount"


class AdvanceOvershootNeedsAuthorisation(ExchangeRuleError):
    """Acomptes dépassant le taux de plus de 5 % de la facture définitive : le reliquat exige une autorisation
    particulière de l'Office des Changes.
    """

    code = "advance_overshoot_needs_authorisation"
    default_field = "amount"


class ImputationAfterFinal(ExchangeRuleError):
    """La dernière imputation (définitive) de l'engagement est déjà enregistrée : aucune autre imputation n'est
    admise.
    """

    code = "imputation_after_final"
    default_field = "kind"


class OverrunReasonNotAllowed(ExchangeRuleError):
    """Dépassement admis seulement pour perte/dommage avant débarquement, coulage (pétrole, céréales, produits
    miniers et chimiques) ou polarisation/variation de teneur (sucre, huile, minerais).
    """

    code = "overrun_reason_not_allowed"
    default_field = "reason"


class OverrunReasonNotForGoods(ExchangeRuleError):
    """Ce motif de dépassement ne s'applique pas à la catégorie de marchandises de l'engagement (coulage : produits
    pétroliers, céréales, produits miniers et chimiques ; polarisation : sucre, huile, minerais).
    """

    code = "overrun_reason_not_for_goods"
    default_field = "reason"


class OverrunRiskNotOnImporter(ExchangeRuleError):
    """Perte ou dommage avant débarquement : les risques doivent être à la charge de l'importateur."""

    code = "overrun_risk_not_on_importer"
    default_field = "importer_bears_risk"


class ObservedDifferenceRequired(ExchangeRuleError):
    """Indiquer la différence constatée pour ce dépassement."""

    code = "observed_difference_required"
    default_field = "observed_difference"


class OverrunOverLimit(ExchangeRuleError):
    """Dépassement au-delà de la limite (céréales : 1 % des montants imputés ; autres : différence constatée)."""

    code = "overrun_over_limit"
    default_field = "amount"


class CarryOverAlreadyDone(ExchangeRuleError):
    """Les acomptes ne peuvent être reportés qu'une seule fois."""

    code = "carry_over_already_done"


class CarryOverNotReplacing(ExchangeRuleError):
    """Le report se fait sur le nouvel engagement souscrit en remplacement de l'engagement initial."""

    code = "carry_over_not_replacing"
    default_field = "target"


class CarryOverOtherBank(ExchangeRuleError):
    """Le nouvel engagement doit être domicilié auprès de la même banque."""

    code = "carry_over_other_bank"
    default_field = "target"


class CarryOverNothing(ExchangeRuleError):
    """Aucun acompte à reporter."""

    code = "carry_over_nothing"


class ReplacementInvalid(ExchangeRuleError):
    """L'engagement remplacé doit appartenir au même importateur et ne pas être déjà remplacé."""

    code = "replacement_invalid"
    default_field = "replaces"


class ModificationEmpty(ExchangeRuleError):
    """Aucune donnée modifiée."""

    code = "modification_empty"
    default_field = "changes"


class ModificationInvalid(ExchangeRuleError):
    """Seules les données de l'engagement (valeurs, marchandises, conditions du contrat) sont modifiables."""

    code = "modification_invalid"
    default_field = "changes"


class ModificationAfterTotalImputation(ExchangeRuleError):
    """Aucune modification n'est admise après l'imputation totale de l'engagement."""

    code = "modification_after_total_imputation"


class ModificationLowersSettledValue(ExchangeRuleError):
    """La valeur souscrite ne peut être baissée quand l'engagement a fait l'objet d'un règlement partiel ou total."""

    code = "modification_lowers_settled_value"
    default_field = "changes"


class ModificationNotPending(ExchangeRuleError):
    """Cette demande de modification a déjà été traitée."""

    code = "modification_not_pending"


class BankChangeUnderCredoc(ExchangeRuleError):
    """Changement de banque impossible : le règlement intervient par crédit documentaire de la banque initiale."""

    code = "bank_change_under_credoc"


class BankChangeUnderBankEngagement(ExchangeRuleError):
    """Changement de banque impossible : le règlement est couvert par un engagement de la banque initiale."""

    code = "bank_change_under_bank_engagement"


class BankChangeSameBank(ExchangeRuleError):
    """La nouvelle banque est déjà la banque domiciliataire."""

    code = "bank_change_same_bank"
    default_field = "to_bank"


class BankChangeAlreadyPending(ExchangeRuleError):
    """Un changement de banque est déjà en cours."""

    code = "bank_change_already_pending"


class BankChangeNotPending(ExchangeRuleError):
    """Ce changement de banque a déjà été traité."""

    code = "bank_change_not_pending"


class SettlementsNotRecorded(ExchangeRuleError):
    """La banque initiale doit renseigner les règlements effectués avant la validation du transfert."""

    code = "settlements_not_recorded"


class PersonalExemptionNotApplicable(ExchangeRuleError):
    """La dispense ne concerne que les personnes physiques résidentes non inscrites au registre du commerce."""

    code = "personal_exemption_not_applicable"
    default_field = "importer"


class PersonalExemptionExceeded(ExchangeRuleError):
    """Au-delà de 20 000 MAD par personne et par année civile, un engagement d'importation est obligatoire."""

    code = "personal_exemption_exceeded"
    default_field = "amount"


class ImporterAlreadyRegistered(ExchangeRuleError):
    """L'opérateur a déjà un profil d'importateur."""

    code = "importer_already_registered"
    default_field = "id_number"


def refuse(error_class: type[ExchangeRuleError], message: str | None = None) -> ExchangeRuleError:
    """The error to raise: the rule's own message unless a more precise one (with the numbers) is given."""
    return error_class(message or error_class.description(), field=error_class.default_field)


ALL_ERRORS: tuple[type[ExchangeRuleError], ...] = tuple(ExchangeRuleError.__subclasses__())


# --- domiciliation --------------------------------------------------------------------------

def regulatory_advance_rate(*, is_aeronautics_registered: bool) -> Decimal:
    # Office des Changes FAQ: acomptes — 30 %, 50 % for registered aeronautics/space companies.
    return ADVANCE_RATE_AERONAUTICS if is_aeronautics_registered else ADVANCE_RATE


def check_contract_advance_rate(
    *, contract_advance_rate, is_aeronautics_registered: bool, is_exporter_with_fx_account: bool
) -> None:
    # Office des Changes FAQ: acomptes — at most 30 % (50 % registered aeronautics/space); exporters
    # paying from their FX / convertible-dirham accounts: the contract's rate. Checked at subscription,
    # on a modification and again at domiciliation (the importer's attributes may have changed).
    limit = regulatory_advance_rate(is_aeronautics_registered=is_aeronautics_registered)
    if to_decimal(contract_advance_rate) > limit and not is_exporter_with_fx_account:
        raise refuse(
            ContractAdvanceRateOverLimit,
            f"Le contrat prévoit {format_percent(contract_advance_rate)} d'acompte, au-delà du taux réglementaire "
            f"de {format_percent(limit)}.",
        )


def check_domiciliation(
    *, is_domiciled: bool, concordance_confirmed: bool, contract_advance_rate, is_aeronautics_registered: bool,
    is_exporter_with_fx_account: bool,
) -> None:
    # Office des Changes FAQ: souscription et domiciliation — the bank checks contract/commitment
    # concordance and that the payment terms comply with the exchange regulation.
    if is_domiciled:
        raise refuse(AlreadyDomiciled)
    if not concordance_confirmed:
        raise refuse(ConcordanceNotConfirmed)
    check_contract_advance_rate(
        contract_advance_rate=contract_advance_rate, is_aeronautics_registered=is_aeronautics_registered,
        is_exporter_with_fx_account=is_exporter_with_fx_account,
    )


# --- advances (acomptes) --------------------------------------------------------------------

def check_advance_allowed_by_contract(*, payment_method: str, balance_before_entry: bool, contract_rate) -> None:
    # Office des Changes FAQ: acomptes — advances "prévus par le contrat commercial"; none when the
    # contract requires the balance before entry, unless the balance is paid by credoc or collection.
    if to_decimal(contract_rate) <= ZERO:
        raise refuse(AdvanceNotInContract)
    if balance_before_entry and payment_method not in ("credoc", "documentary_collection"):
        raise refuse(AdvanceBalanceBeforeEntry)


def contract_advance_limit(*, total_import_value, contract_rate) -> Decimal:
    """Advances the commercial contract provides: its rate of the total import value."""
    return quantize_money(percent_of(total_import_value, contract_rate))


def regulatory_advance_limit(*, total_import_value, is_aeronautics_registered: bool) -> Decimal:
    # Office des Changes FAQ: acomptes — 30 % of the total import value (50 % aeronautics/space).
    rate = regulatory_advance_rate(is_aeronautics_registered=is_aeronautics_registered)
    return quantize_money(percent_of(total_import_value, rate))


def advance_limit(
    *, total_import_value, contract_rate, is_aeronautics_registered: bool, from_fx_account: bool,
    advances_after=None, currency: str = "",
) -> Decimal:
    """The most the advances may total — and, given ``advances_after`` (the advances with this
    one), the payment's refusal beyond it. One function for the payment (``services``) and the
    room shown (``selectors.commitment_headroom``)."""
    # Office des Changes FAQ: acomptes — at most 30 % of the total import value (50 % aeronautics);
    # exporters paying from their FX / convertible-dirham accounts: up to the contract's rate.
    contract_limit = contract_advance_limit(total_import_value=total_import_value, contract_rate=contract_rate)
    if from_fx_account:
        regulatory = None
        limit = contract_limit
    else:
        regulatory = regulatory_advance_limit(
            total_import_value=total_import_value, is_aeronautics_registered=is_aeronautics_registered
        )
        limit = min(regulatory, contract_limit)
    if advances_after is None or to_decimal(advances_after) <= limit:
        return limit
    advances_after = to_decimal(advances_after)
    if regulatory is not None and advances_after > regulatory:
        rate = regulatory_advance_rate(is_aeronautics_registered=is_aeronautics_registered)
        raise refuse(
            AdvanceOverLimit,
            f"Acomptes de {format_amount(advances_after, currency)} au-delà de {format_percent(rate)} de la valeur "
            f"totale de l'importation ({format_amount(regulatory, currency)}).",
        )
    raise refuse(
        AdvanceOverContractRate,
        f"Acomptes de {format_amount(advances_after, currency)} au-delà du taux contractuel de "
        f"{format_percent(contract_rate)} ({format_amount(contract_limit, currency)}).",
    )


def applicable_advance_rate(*, is_aeronautics_registered: bool, is_exporter_with_fx_account: bool, contract_rate):
    """Rate the advances are measured against when the balance is settled."""
    rate = regulatory_advance_rate(is_aeronautics_registered=is_aeronautics_registered)
    if is_exporter_with_fx_account:
        rate = max(rate, to_decimal(contract_rate))
    return rate


def advance_invoice_value(*, imputed, final_imputed: bool, subscribed) -> Decimal:
    """The value the advance overshoot is judged against (``check_advance_overshoot``).

    Office des Changes FAQ: acomptes — "5 % de la valeur totale de la facture définitive". Known
    once customs recorded the final imputation: the total imputed. Before that (staggered
    shipments, issue 17) a partial imputation is not the invoice: the subscribed value, or the
    imputed total once customs imputed beyond it (FAQ: peut-on dépasser la valeur).
    """
    imputed, subscribed = to_decimal(imputed), to_decimal(subscribed)
    return imputed if final_imputed else max(imputed, subscribed)


def check_advance_overshoot(
    *, advances, imputed, final_imputed: bool, subscribed, rate, oc_authorisation_reference: str, currency: str
) -> None:
    # Office des Changes FAQ: acomptes — when the advances transferred overshoot the rate by at most
    # 5 % of the final invoice value the bank may settle the balance; above 5 % only with a special
    # authorisation of the Office des Changes.
    advances = to_decimal(advances)
    if advances <= ZERO:
        return
    final_invoice_value = advance_invoice_value(imputed=imputed, final_imputed=final_imputed, subscribed=subscribed)
    overshoot = advances - percent_of(final_invoice_value, rate)
    tolerance = percent_of(final_invoice_value, ADVANCE_OVERSHOOT_TOLERANCE_RATE)
    if overshoot > tolerance and not (oc_authorisation_reference or "").strip():
        raise refuse(
            AdvanceOvershootNeedsAuthorisation,
            f"Les acomptes ({format_amount(advances, currency)}) dépassent le taux de {format_percent(rate)} de "
            f"{format_amount(quantize_money(overshoot), currency)}, plus de "
            f"{format_percent(ADVANCE_OVERSHOOT_TOLERANCE_RATE)} de la facture définitive "
            f"({format_amount(final_invoice_value, currency)}) : le reliquat exige une autorisation particulière de "
            f"l'Office des Changes.",
        )


# --- FX / convertible-dirham accounts ----------------------------------------------------------

def check_fx_funding(*, is_exporter_with_fx_account: bool, amount, available_balance, account_currency: str) -> None:
    # Office des Changes FAQ: acomptes / anticipation — debit of exporters' FX or convertible-dirham
    # accounts "lorsque les disponibilités de ces comptes le permettent".
    if not is_exporter_with_fx_account:
        raise refuse(FxAccountNotAllowed)
    if to_decimal(amount) > to_decimal(available_balance):
        raise refuse(
            FxBalanceInsufficient,
            f"Disponible du compte insuffisant : {format_amount(available_balance, account_currency)} pour "
            f"{format_amount(amount, account_currency)}.",
        )


# --- anticipated settlement (before entry) ---------------------------------------------------

def anticipated_limit_mad(*, is_aeronautics_registered: bool) -> Decimal:
    # Office des Changes FAQ: règlement avant l'entrée — 200,000 MAD; 1,000,000 MAD aeronautics/space.
    return ANTICIPATED_LIMIT_AERONAUTICS_MAD if is_aeronautics_registered else ANTICIPATED_LIMIT_MAD


def anticipated_cap_mad(
    *, is_oc_categorised: bool, is_aeronautics_registered: bool, fx_funded_with_contract: bool
) -> Decimal | None:
    """The MAD cap of payments before entry; ``None`` when there is none (only the invoice bounds them)."""
    # Office des Changes FAQ: règlement avant l'entrée — 100 % of the invoice within 200,000 MAD;
    # 1,000,000 MAD for registered aeronautics/space; 100 % for categorised operators and for exporters'
    # FX/convertible accounts when the contract provides it.
    if is_oc_categorised or fx_funded_with_contract:
        return None
    return anticipated_limit_mad(is_aeronautics_registered=is_aeronautics_registered)


def check_anticipated_settlement(
    *, goods_paid_after, invoice_value, anticipated_after, anticipated_mad_after, currency: str,
    cap_mad: Decimal | None, second_hand_auction_value=None,
) -> None:
    """A payment before entry within the limits of ``exchange.limits.limits`` (``cap_mad``:
    ``anticipated_cap_mad``); second-hand equipment bought at auction up to its value."""
    # Office des Changes FAQ: règlement avant l'entrée
    if to_decimal(goods_paid_after) > to_decimal(invoice_value):
        raise refuse(
            AnticipatedOverLimit,
            f"Le règlement par anticipation ne peut dépasser {format_percent(100)} de la facture "
            f"({format_amount(invoice_value, currency)}).",
        )
    if cap_mad is None:
        return
    if second_hand_auction_value is not None and to_decimal(anticipated_after) <= to_decimal(second_hand_auction_value):
        return
    if to_decimal(anticipated_mad_after) > cap_mad:
        raise refuse(
            AnticipatedOverLimit,
            f"Règlement par anticipation de {format_amount(anticipated_mad_after, 'MAD')} (contre-valeur) au-delà "
            f"de la limite de {format_amount(cap_mad, 'MAD')}.",
        )


# --- settlement after entry ------------------------------------------------------------------

def settlement_ceiling(*, imputed, freight, accessory_costs, insurance, insured_abroad: bool) -> Decimal:
    # Office des Changes FAQ: quand régler — imputed amount plus freight, accessory costs and, for
    # commitments insured abroad, insurance.
    extra = to_decimal(freight) + to_decimal(accessory_costs) + (to_decimal(insurance) if insured_abroad else ZERO)
    return to_decimal(imputed) + extra


def check_settlement(
    *, imputed, goods_paid_after, subscribed, freight, accessory_costs, insurance, insured_abroad: bool, currency: str
) -> None:
    # Office des Changes FAQ: quand régler — only after customs imputation, within the imputed amount
    # (+ freight, accessory costs, insurance abroad); "peut-on dépasser la valeur" — beyond the subscribed
    # amount only if customs imputed the excess.
    imputed, goods_paid_after, subscribed = to_decimal(imputed), to_decimal(goods_paid_after), to_decimal(subscribed)
    if imputed <= ZERO:
        raise refuse(SettlementBeforeImputation)
    ceiling = settlement_ceiling(
        imputed=imputed, freight=freight, accessory_costs=accessory_costs, insurance=insurance,
        insured_abroad=insured_abroad,
    )
    if goods_paid_after <= ceiling:
        return
    extra = ceiling - imputed
    if goods_paid_after - extra > subscribed:
        raise refuse(
            SettlementOverSubscribedNotImputed,
            f"Règlements de {format_amount(goods_paid_after, currency)} au-delà du montant souscrit "
            f"({format_amount(subscribed, currency)}) sans imputation douanière du dépassement "
            f"(imputé : {format_amount(imputed, currency)}).",
        )
    raise refuse(
        SettlementOverImputed,
        f"Règlements de {format_amount(goods_paid_after, currency)} au-delà du montant imputé majoré des frais "
        f"({format_amount(ceiling, currency)}).",
    )


# --- customs imputation ----------------------------------------------------------------------

def check_imputation(*, final_recorded: bool) -> None:
    # Office des Changes FAQ: quand régler / modification — the final imputation is the last one
    # (staggered shipments, issue 17): once recorded the commitment is totally imputed, its data can no
    # longer change, and what is settled is judged against it; a further imputation is refused
    # (a correction goes through customs, not a second "last" imputation). Imputing beyond the
    # subscribed value stays allowed (FAQ: peut-on dépasser la valeur) and is flagged instead.
    if final_recorded:
        raise refuse(ImputationAfterFinal)


def imputation_beyond_subscribed_notice(*, imputed_after, subscribed, currency: str) -> str | None:
    """French notice of an imputation taking the imputed total beyond the subscribed value, else None.
    Office des Changes FAQ: peut-on dépasser la valeur — allowed, customs imputed the excess."""
    imputed_after, subscribed = to_decimal(imputed_after), to_decimal(subscribed)
    if imputed_after <= subscribed:
        return None
    return (
        f"Imputé au-delà de la valeur souscrite : {format_amount(imputed_after, currency)} imputés pour "
        f"{format_amount(subscribed, currency)} souscrits (dépassement de "
        f"{format_amount(imputed_after - subscribed, currency)}, "
        f"réglable puisqu'imputé par la douane)."
    )


# --- overruns (dépassements) -----------------------------------------------------------------

OVERRUN_REASONS = (
    "loss_before_unloading",
    "shrinkage_petroleum",
    "shrinkage_cereals",
    "shrinkage_mining_chemical",
    "polarisation_sugar_oil_ores",
)


# Office des Changes FAQ: dépassements — the goods each reason applies to (None: any goods).
OVERRUN_REASON_GOODS: dict[str, tuple[str, ...] | None] = {
    "loss_before_unloading": None,
    "shrinkage_petroleum": ("petroleum",),
    "shrinkage_cereals": ("cereals",),
    "shrinkage_mining_chemical": ("mining", "chemical"),
    "polarisation_sugar_oil_ores": ("sugar", "oil", "ores"),
}


def check_reason_matches_kind(*, kind: str, reason: str) -> None:
    if kind != "overrun" and reason:
        raise refuse(ReasonOnlyForOverrun)


def check_overrun(
    *, reason: str, imputed, amount, observed_difference, importer_bears_risk: bool, cereal_overruns_after,
    currency: str, goods_category: str, goods_category_label: str = "", payment_currency: str | None = None,
) -> None:
    """``amount`` and ``observed_difference`` in the payment's currency (default: the commitment's,
    ``currency``); ``imputed`` and ``cereal_overruns_after`` in the commitment's."""
    # Office des Changes FAQ: dépassements par rapport à l'imputation — loss/damage before unloading at
    # the importer's risk; shrinkage at unloading of petroleum, cereals (≤ 1 % of imputed amounts), mining
    # and chemical products (observed difference); polarisation / content variation of sugar, oil, ores.
    if reason not in OVERRUN_REASONS:
        raise refuse(OverrunReasonNotAllowed)
    if to_decimal(imputed) <= ZERO:
        raise refuse(SettlementBeforeImputation, "Un dépassement se règle par rapport à une imputation douanière.")
    goods = OVERRUN_REASON_GOODS[reason]
    if goods is not None and goods_category not in goods:
        raise refuse(
            OverrunReasonNotForGoods,
            f"Ce motif de dépassement ne s'applique pas aux marchandises de l'engagement "
            f"({goods_category_label or goods_category}) : le coulage concerne les produits pétroliers, les céréales, "
            f"les produits miniers et chimiques ; la polarisation, le sucre, l'huile et les minerais.",
        )
    if reason == "shrinkage_cereals":
        limit = quantize_money(percent_of(imputed, CEREALS_SHRINKAGE_RATE))
        if to_decimal(cereal_overruns_after) > limit:
            raise refuse(
                OverrunOverLimit,
                f"Coulage des céréales : {format_amount(cereal_overruns_after, currency)} au-delà de "
                f"{format_percent(CEREALS_SHRINKAGE_RATE)} des montants "
                f"imputés ({format_amount(limit, currency)}).",
            )
        return
    if reason == "loss_before_unloading" and not importer_bears_risk:
        raise refuse(OverrunRiskNotOnImporter)
    if observed_difference is None:
        raise refuse(ObservedDifferenceRequired)
    if to_decimal(amount) > to_decimal(observed_difference):
        raise refuse(
            OverrunOverLimit,
            f"Dépassement de {format_amount(amount, payment_currency or currency)} au-delà de la différence "
            f"constatée ({format_amount(observed_difference, payment_currency or currency)}).",
        )


# --- carry-over of advances ------------------------------------------------------------------

def check_carry_over(
    *, already_carried_from_source: bool, source_advances_were_carried: bool, target_replaces_source: bool,
    same_bank: bool, advances,
) -> None:
    # Office des Changes FAQ: report d'acompte — onto a new commitment replacing the initial one, once only.
    if already_carried_from_source or source_advances_were_carried:
        raise refuse(CarryOverAlreadyDone)
    if not target_replaces_source:
        raise refuse(CarryOverNotReplacing)
    if not same_bank:
        raise refuse(CarryOverOtherBank)
    if to_decimal(advances) <= ZERO:
        raise refuse(CarryOverNothing)


# --- modification ----------------------------------------------------------------------------

VALUE_FIELDS = ("subscribed_amount", "total_import_value")


def check_modification(*, is_totally_imputed: bool, lowers_value: bool, has_payments: bool) -> None:
    # Office des Changes FAQ: modification — by the importer, validated by the bank; never lowering the
    # subscribed value once partly or fully settled; no change at all after total imputation.
    if is_totally_imputed:
        raise refuse(ModificationAfterTotalImputation)
    if lowers_value and has_payments:
        raise refuse(ModificationLowersSettledValue)


# --- change of domiciliary bank --------------------------------------------------------------

def check_bank_change(
    *, payment_method: str, bank_engagement: bool, from_bank_id: int, to_bank_id: int, has_pending: bool
) -> None:
    # Office des Changes FAQ: changement de guichet — only when payment is outside a documentary credit
    # or any other engagement of the first bank.
    if from_bank_id == to_bank_id:
        raise refuse(BankChangeSameBank)
    if payment_method == "credoc":
        raise refuse(BankChangeUnderCredoc)
    if bank_engagement:
        raise refuse(BankChangeUnderBankEngagement)
    if has_pending:
        raise refuse(BankChangeAlreadyPending)


# --- natural persons' exemption --------------------------------------------------------------

def check_personal_exemption(*, is_natural_outside_register: bool, is_resident: bool, year_total_mad_after) -> None:
    # Office des Changes FAQ: souscription obligatoire — resident natural persons not in the trade
    # register are exempt for imports up to 20,000 MAD per person and per year.
    if not (is_natural_outside_register and is_resident):
        raise refuse(PersonalExemptionNotApplicable)
    if to_decimal(year_total_mad_after) > PERSONAL_EXEMPTION_LIMIT_MAD:
        raise refuse(
            PersonalExemptionExceeded,
            f"Importations de l'année : {format_amount(year_total_mad_after, 'MAD')}, au-delà de "
            f"{format_amount(PERSONAL_EXEMPTION_LIMIT_MAD, 'MAD')} : un engagement d'importation est obligatoire.",
        )


OTHER_ERROR_TEXTS = {
    "no_exchange_rate": "Aucun cours de change douanier en vigueur pour cette devise à cette date.",
}


def describe_errors(*error_classes: type[DomainError]) -> str:
    """Markdown list of error codes for the OpenAPI descriptions."""
    lines = ["", "Refus (HTTP 400, `code` dans la réponse) :", ""]
    for cls in error_classes:
        if issubclass(cls, ExchangeRuleError):
            text = cls.description()
        else:
            text = OTHER_ERROR_TEXTS.get(cls.code) or " ".join((cls.__doc__ or "").split())
        lines.append(f"- `{cls.code}` — {text}")
    return "\n".join(lines)
