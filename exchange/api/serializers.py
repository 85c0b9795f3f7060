"""Serializers of the partner-bank API: input shapes (validated, then handed to a service)
and output shapes (read-only)."""
from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from declarations.models import Declaration, Party
from tariff.api.fields import currency
from tariff.kit.api.fields import DeclaredArgumentsSerializer, datetime_text, money, money_text
from tariff.kit.money import RATE_DECIMAL_PLACES, RATE_MAX_DIGITS

from .. import rules, services
from ..models import (
    AdvanceCarryOver,
    Bank,
    BankChange,
    Commitment,
    CommitmentEvent,
    Importer,
    Imputation,
    Modification,
    Payment,
    PersonalImport,
)
from ..selectors import EVENT_PAGE_MAX, EVENT_PAGE_SIZE, commitment_totals, personal_import_year_total


def positive_money(**kwargs) -> serializers.DecimalField:
    return money(min_value=Decimal("0.01"), **kwargs)


# --- commitments ----------------------------------------------------------------------------

# Output serializers of the hot endpoints are plain serializers with declared fields: building a
# ModelSerializer's fields by model introspection on every request costs more than the rows.

class CommitmentListSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    importer = serializers.IntegerField(source="importer_id", read_only=True)
    importer_name = serializers.CharField(source="importer.name", read_only=True)
    bank = serializers.CharField(source="bank.code", read_only=True)
    currency = serializers.CharField(read_only=True)
    subscribed_amount = money(read_only=True)
    total_import_value = money(read_only=True)
    goods_description = serializers.CharField(read_only=True)
    subscribed_on = serializers.DateField(read_only=True)
    payment_method = serializers.ChoiceField(choices=Commitment.PaymentMethod.choices, read_only=True)
    status = serializers.ChoiceField(choices=Commitment.Status.choices, read_only=True)
    domiciliation_confirmed_at = serializers.DateTimeField(read_only=True, allow_null=True)


def commitment_list_row(row: dict, tz) -> dict:
    """One ``CommitmentListSerializer`` row built from a ``values(*selectors.COMMITMENT_LIST_COLUMNS)`` dict
    (``tz``: ``timezone.get_current_timezone()``)."""
    return {
        "id": row["id"],
        "number": row["number"],
        "importer": row["importer_id"],
        "importer_name": row["importer__party__name"],
        "bank": row["bank__code"],
        "currency": row["currency"],
        "subscribed_amount": money_text(row["subscribed_amount"]),
        "total_import_value": money_text(row["total_import_value"]),
        "goods_description": row["goods_description"],
        "subscribed_on": row["subscribed_on"].isoformat(),
        "payment_method": row["payment_method"],
        "status": row["status"],
        "domiciliation_confirmed_at": datetime_text(row["domiciliation_confirmed_at"], tz),
    }


class CommitmentTotalsSerializer(serializers.Serializer):
    currency = serializers.CharField()
    imputed = money()
    advances = money()
    carried_in = money()
    carried_out = money()
    anticipated = money()
    anticipated_mad = money()
    settlements = money()
    overruns = money()
    goods_paid = money()
    paid = money()
    final_imputed = serializers.BooleanField(help_text="la dernière imputation (définitive) est enregistrée")


class CommitmentDetailSerializer(CommitmentListSerializer):
    goods_category = serializers.ChoiceField(choices=Commitment.GoodsCategory.choices, read_only=True)
    contract_reference = serializers.CharField(read_only=True)
    balance_before_entry = serializers.BooleanField(read_only=True)
    contract_advance_rate = serializers.DecimalField(
        max_digits=RATE_MAX_DIGITS, decimal_places=RATE_DECIMAL_PLACES, read_only=True
    )
    contract_provides_anticipated_payment = serializers.BooleanField(read_only=True)
    bank_engagement = serializers.BooleanField(read_only=True)
    insured_abroad = serializers.BooleanField(read_only=True)
    freight_amount = money(read_only=True)
    accessory_costs = money(read_only=True)
    insurance_amount = money(read_only=True)
    second_hand_auction_value = money(read_only=True, allow_null=True)
    replaces = serializers.CharField(source="replaces.number", read_only=True, default=None, allow_null=True)
    oc_authorisation_reference = serializers.CharField(read_only=True)
    domiciliation_confirmed_by = serializers.CharField(
        source="domiciliation_confirmed_by.username", read_only=True, default=None, allow_null=True
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)
    totals = serializers.SerializerMethodField()

    def get_totals(self, obj) -> CommitmentTotalsSerializer:
        return CommitmentTotalsSerializer(commitment_totals(commitment=obj)).data


class CommitmentCreateSerializer(serializers.ModelSerializer):
    importer = serializers.PrimaryKeyRelatedField(queryset=Importer.objects.all())
    bank = serializers.SlugRelatedField(slug_field="code", queryset=Bank.objects.all())
    replaces = serializers.SlugRelatedField(
        slug_field="number", queryset=Commitment.objects.all(), required=False, allow_null=True
    )
    total_import_value = positive_money(required=False, help_text="défaut : le montant souscrit")
    currency = currency()

    class Meta:
        model = Commitment
        fields = (
            "number", "importer", "bank", "currency", "subscribed_amount", "total_import_value", "goods_description",
            "goods_category", "subscribed_on", "contract_reference", "payment_method", "balance_before_entry",
            "contract_advance_rate",
            "contract_provides_anticipated_payment", "bank_engagement", "insured_abroad", "freight_amount",
            "accessory_costs", "insurance_amount", "second_hand_auction_value", "replaces",
            "oc_authorisation_reference",
        )


class DomiciliationSerializer(serializers.Serializer):
    contract_concordance_confirmed = serializers.BooleanField(
        help_text="La banque confirme la concordance du contrat commercial et de l'engagement."
    )
    contract_reference = serializers.CharField(max_length=100, required=False, allow_blank=True)


class OcAuthorisationSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=100)


# --- imputations and payments ---------------------------------------------------------------

class ImputationInputSerializer(serializers.Serializer):
    amount = positive_money()
    currency = currency(required=False, help_text="défaut : devise de l'engagement")
    date = serializers.DateField(required=False, help_text="défaut : aujourd'hui")
    kind = serializers.ChoiceField(
        choices=Imputation.Kind.choices, default=Imputation.Kind.PARTIAL,
        help_text="partial : une expédition parmi d'autres ; final : la dernière (facture définitive connue)",
    )
    declaration = serializers.SlugRelatedField(
        slug_field="reference", queryset=Declaration.objects.all(), required=False, allow_null=True,
        help_text="référence d'une DUM de la base du transitaire (lien)",
    )
    declaration_reference = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default="",
        help_text="référence d'une DUM hors de la base (sinon : celle de `declaration`)",
    )


class ImputationSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    declaration = serializers.SlugRelatedField(slug_field="reference", read_only=True, allow_null=True)
    declaration_reference = serializers.CharField(
        source="dum_reference", read_only=True,
        help_text="référence de la DUM : celle de `declaration` (lien), sinon celle d'une DUM hors du cabinet",
    )
    imputed_to_date = money(
        read_only=True, help_text="total imputé à cette imputation incluse (devise de l'engagement)"
    )
    beyond_subscribed = serializers.SerializerMethodField(
        help_text="le total imputé dépasse la valeur souscrite (admis : dépassement imputé par la douane)"
    )
    notice = serializers.SerializerMethodField(help_text="avertissement en français, ou null")

    class Meta:
        model = Imputation
        fields = (
            "id", "kind", "date", "amount", "currency", "amount_in_commitment_currency", "amount_mad",
            "declaration", "declaration_reference", "imputed_to_date", "beyond_subscribed", "notice", "created_by",
            "created_at",
        )
        read_only_fields = fields

    def get_beyond_subscribed(self, obj) -> bool:
        return obj.imputed_to_date > obj.commitment.subscribed_amount

    def get_notice(self, obj) -> str | None:
        return rules.imputation_beyond_subscribed_notice(
            imputed_after=obj.imputed_to_date, subscribed=obj.commitment.subscribed_amount,
            currency=obj.commitment.currency,
        )


class PaymentInputSerializer(DeclaredArgumentsSerializer):
    kind = serializers.ChoiceField(choices=Payment.Kind.choices)
    amount = positive_money()
    currency = currency(required=False, help_text="défaut : devise de l'engagement")
    date = serializers.DateField(required=False, help_text="défaut : aujourd'hui")
    funding = serializers.ChoiceField(choices=Payment.Funding.choices, default=Payment.Funding.NORMAL)
    reason = serializers.ChoiceField(
        choices=Payment.OverrunReason.choices, required=False, allow_blank=True, default="",
        help_text="motif, pour un dépassement (kind=overrun) seulement",
    )
    observed_difference = positive_money(
        required=False, allow_null=True, help_text="différence constatée (dépassement), devise du paiement"
    )
    importer_bears_risk = serializers.BooleanField(
        default=False, help_text="perte avant débarquement : risques à la charge de l'importateur"
    )
    idempotency_key = serializers.CharField(
        max_length=80, required=False, allow_blank=True,
        help_text="une deuxième requête avec la même clé renvoie le premier règlement (aussi : en-tête "
        "Idempotency-Key)",
    )


class PaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    commitment = serializers.IntegerField(source="commitment_id", read_only=True)
    bank = serializers.CharField(source="bank.code", read_only=True)
    kind = serializers.ChoiceField(choices=Payment.Kind.choices, read_only=True)
    amount = money(read_only=True)
    currency = serializers.CharField(read_only=True)
    amount_in_commitment_currency = money(read_only=True)
    amount_mad = money(read_only=True)
    date = serializers.DateField(read_only=True)
    funding = serializers.ChoiceField(choices=Payment.Funding.choices, read_only=True)
    reason = serializers.CharField(read_only=True)
    observed_difference = money(read_only=True, allow_null=True)
    importer_bears_risk = serializers.BooleanField(read_only=True)
    idempotency_key = serializers.CharField(read_only=True, allow_null=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


def payment_row(payment: Payment) -> dict:
    """``PaymentSerializer(payment).data`` without building the serializer's fields (the answer
    of every payment, hot path of the bank API; the same shape is asserted in the tests)."""
    return {
        "id": payment.pk,
        "commitment": payment.commitment_id,
        "bank": payment.bank.code,
        "kind": payment.kind,
        "amount": money_text(payment.amount),
        "currency": payment.currency,
        "amount_in_commitment_currency": money_text(payment.amount_in_commitment_currency),
        "amount_mad": money_text(payment.amount_mad),
        "date": payment.date.isoformat(),
        "funding": payment.funding,
        "reason": payment.reason,
        "observed_difference": money_text(payment.observed_difference),
        "importer_bears_risk": payment.importer_bears_risk,
        "idempotency_key": payment.idempotency_key,
        "created_by": payment.created_by.username,
        "created_at": datetime_text(payment.created_at, timezone.get_current_timezone()),
    }


# --- carry-over, modifications, bank changes -------------------------------------------------

class CarryOverInputSerializer(serializers.Serializer):
    target = serializers.CharField(max_length=40, help_text="numéro du nouvel engagement (remplaçant)")
    date = serializers.DateField(required=False)


class AdvanceCarryOverSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(slug_field="number", read_only=True)
    target = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = AdvanceCarryOver
        fields = ("id", "source", "target", "date", "amount", "currency", "amount_in_target_currency", "created_at")
        read_only_fields = fields


class ModificationChangesSerializer(serializers.Serializer):
    """The commitment data an importer may change (every key optional)."""

    subscribed_amount = positive_money(required=False)
    total_import_value = positive_money(required=False)
    goods_description = serializers.CharField(max_length=500, required=False)
    goods_category = serializers.ChoiceField(choices=Commitment.GoodsCategory.choices, required=False)
    contract_reference = serializers.CharField(max_length=100, required=False, allow_blank=True)
    payment_method = serializers.ChoiceField(choices=Commitment.PaymentMethod.choices, required=False)
    balance_before_entry = serializers.BooleanField(required=False)
    contract_advance_rate = serializers.DecimalField(
        max_digits=RATE_MAX_DIGITS, decimal_places=RATE_DECIMAL_PLACES, min_value=0, max_value=100, required=False
    )
    contract_provides_anticipated_payment = serializers.BooleanField(required=False)
    bank_engagement = serializers.BooleanField(required=False)
    insured_abroad = serializers.BooleanField(required=False)
    freight_amount = money(min_value=0, required=False)
    accessory_costs = money(min_value=0, required=False)
    insurance_amount = money(min_value=0, required=False)
    second_hand_auction_value = positive_money(required=False, allow_null=True)


class ModificationInputSerializer(serializers.Serializer):
    changes = ModificationChangesSerializer()
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ModificationSerializer(serializers.ModelSerializer):
    commitment = serializers.SlugRelatedField(slug_field="number", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    validated_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Modification
        fields = (
            "id", "commitment", "status", "changes", "previous", "reason", "requested_by", "requested_at",
            "validated_by", "decided_at", "rejection_reason",
        )
        read_only_fields = fields


class BankChangeRequestSerializer(serializers.Serializer):
    to_bank = serializers.SlugRelatedField(slug_field="code", queryset=Bank.objects.all())
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class BankChangeCommitmentSerializer(serializers.ModelSerializer):
    importer_name = serializers.CharField(source="importer.name", read_only=True)

    class Meta:
        model = Commitment
        fields = ("id", "number", "importer_name", "currency", "subscribed_amount", "goods_description", "status")
        read_only_fields = fields


class BankChangeSerializer(serializers.ModelSerializer):
    commitment = BankChangeCommitmentSerializer(read_only=True)
    from_bank = serializers.CharField(source="from_bank.code", read_only=True)
    to_bank = serializers.CharField(source="to_bank.code", read_only=True)

    class Meta:
        model = BankChange
        fields = (
            "id", "commitment", "from_bank", "to_bank", "status", "reason", "requested_at",
            "settlements_recorded_at", "settled_amount_recorded", "decided_at", "rejection_reason",
        )
        read_only_fields = fields


class CommitmentHistorySerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    history_date = serializers.DateTimeField()
    history_type = serializers.CharField(help_text="+ création, ~ modification, - suppression")
    history_user = serializers.CharField(source="history_user.username", default=None, allow_null=True)
    status = serializers.CharField()
    bank_id = serializers.IntegerField()
    subscribed_amount = money()
    total_import_value = money()


# --- importers and exempt personal imports ----------------------------------------------------

class ImporterSerializer(serializers.ModelSerializer):
    """An importer: the identity of its party (the operator the declarations name, found or created
    by its ICE / CIN) and its Office des Changes profile."""

    party = serializers.PrimaryKeyRelatedField(read_only=True, help_text="L'opérateur (déclarations) de l'importateur.")
    kind = serializers.ChoiceField(choices=Party.Kind.choices, default=Party.Kind.COMPANY)
    name = serializers.CharField(max_length=255)
    id_number = serializers.CharField(max_length=40, help_text="ICE (15 chiffres), CIN ou carte de séjour.")
    trade_register_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")

    class Meta:
        model = Importer
        fields = (
            "id", "party", "kind", "name", "id_number", "trade_register_number", "is_resident",
            "is_aeronautics_registered", "is_oc_categorised", "is_exporter_with_fx_account",
            "fx_account_available_balance", "fx_account_currency",
        )

    def _register(self, data: dict, importer: Importer | None) -> Importer:
        identity = {name: data.pop(name) for name in ("name", "id_number", "kind", "trade_register_number")
                    if name in data}
        if importer is not None:  # a partial update keeps the identity it does not name
            identity = {"name": importer.name, "id_number": importer.id_number, "kind": importer.kind,
                        "trade_register_number": importer.trade_register_number, **identity}
        return services.importer_register(importer=importer, **identity, **data)

    def create(self, validated_data):
        return self._register(dict(validated_data), None)

    def update(self, instance, validated_data):
        return self._register(dict(validated_data), instance)


class PersonalImportInputSerializer(serializers.Serializer):
    importer = serializers.PrimaryKeyRelatedField(queryset=Importer.objects.all())
    amount = positive_money()
    currency = currency(required=False, default="MAD")
    date = serializers.DateField(required=False)
    reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        attrs.setdefault("date", timezone.localdate())
        return attrs


class PersonalImportSerializer(serializers.ModelSerializer):
    year_total_mad = serializers.SerializerMethodField()

    class Meta:
        model = PersonalImport
        fields = ("id", "importer", "date", "amount", "currency", "amount_mad", "reference", "year_total_mad")
        read_only_fields = fields

    def get_year_total_mad(self, obj) -> str:
        """MAD total of the person's exempt imports in the calendar year of this one."""
        return f"{personal_import_year_total(importer_id=obj.importer_id, year=obj.date.year):.2f}"


# --- the partner banks' change feed -----------------------------------------------------------

class EventQuerySerializer(serializers.Serializer):
    after = serializers.IntegerField(
        min_value=0, default=0, help_text="curseur : le `next` de la réponse précédente (0 ou absent : depuis le début)"
    )
    limit = serializers.IntegerField(
        min_value=1, max_value=EVENT_PAGE_MAX, default=EVENT_PAGE_SIZE,
        help_text=f"nombre d'événements au plus (défaut {EVENT_PAGE_SIZE}, maximum {EVENT_PAGE_MAX})",
    )


@extend_schema_field({"type": "object", "additionalProperties": {}})
class EventPayloadField(serializers.JSONField):
    """The event's data (a JSON object; amounts as decimal strings, dates ISO 8601)."""


class CommitmentEventSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=CommitmentEvent.Kind.choices, read_only=True)
    bank = serializers.CharField(source="bank.code", read_only=True, help_text="la banque destinataire (la vôtre)")
    commitment = serializers.IntegerField(source="commitment_id", read_only=True)
    commitment_number = serializers.CharField(source="payload.number", read_only=True)
    status = serializers.ChoiceField(
        source="payload.status", choices=Commitment.Status.choices, read_only=True,
        help_text="statut de l'engagement après le changement",
    )
    payload = EventPayloadField(read_only=True, help_text="les données du changement, selon `kind`")
    created_at = serializers.DateTimeField(read_only=True)


class EventPageSerializer(serializers.Serializer):
    results = CommitmentEventSerializer(source="events", many=True, read_only=True)
    next = serializers.IntegerField(
        source="cursor", read_only=True,
        help_text="curseur à renvoyer en `after` à l'appel suivant (le dernier événement lu ; inchangé sans événement)",
    )
    has_more = serializers.BooleanField(read_only=True, help_text="d'autres événements suivent déjà : rappeler aussitôt")
