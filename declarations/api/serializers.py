from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from declarations.models import (
    AnnexedDocument,
    Article,
    Declaration,
    DeclarationPayment,
    DeclarationRelease,
    EtppAuthorisation,
    EtppAuthorisationItem,
    Liquidation,
    LiquidationLine,
    Party,
    ProcedureCode,
    RecalculationResult,
    RecalculationRun,
)
from tariff.api.fields import currency
from tariff.api.serializers import AttributesField
from tariff.kit.api.fields import money
from tariff.kit.api.fields import quantity as qty


class PartySerializer(serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = ("id", "name", "kind", "ice", "trade_register_number", "tax_id", "national_id", "address")


class ArticleInputSerializer(serializers.Serializer):
    tariff_code = serializers.CharField(max_length=20)
    origin_country = serializers.RegexField(r"^[A-Z]{2}$", error_messages={"invalid": "Code pays ISO à 2 lettres."})
    description = serializers.CharField(max_length=255)
    invoiced_value = money(min_value=0)
    quantity = qty(min_value=0)
    unit = serializers.CharField(max_length=10, default="kg")
    net_mass_kg = qty(min_value=0, default=0)
    franchise_code = serializers.CharField(max_length=4, required=False, allow_blank=True, default="")
    attributes = AttributesField(required=False, default=dict)
    is_equipment = serializers.BooleanField(default=False)


class DocumentInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AnnexedDocument.Kind.choices)
    reference = serializers.CharField(max_length=80)


def currency_field(**kw):
    return currency(max_length=None, error_messages={"invalid": "Code devise ISO (ex. EUR)."}, **kw)


class DeclarationCreateSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=40)
    customs_office = serializers.CharField(max_length=60)
    procedure_code = serializers.SlugRelatedField(
        source="procedure", slug_field="code", queryset=ProcedureCode.objects.all()
    )
    party = serializers.PrimaryKeyRelatedField(queryset=Party.objects.all())
    invoice_currency = currency_field()
    invoice_total = money(min_value=0)
    freight_amount = money(min_value=0, allow_null=True, required=False, default=None)
    freight_currency = currency_field(default="MAD")
    freight_included = serializers.BooleanField(default=False)
    insurance_amount = money(min_value=0, allow_null=True, required=False, default=None)
    insurance_currency = currency_field(default="MAD")
    insurance_included = serializers.BooleanField(default=False)
    other_costs_amount = money(min_value=0, default=0)
    other_costs_currency = currency_field(default="MAD")
    other_costs_included = serializers.BooleanField(default=False)
    etpp_authorisation = serializers.PrimaryKeyRelatedField(
        queryset=EtppAuthorisation.objects.all(), required=False, allow_null=True, default=None
    )
    articles = ArticleInputSerializer(many=True, allow_empty=False)
    documents = DocumentInputSerializer(many=True, required=False, default=list)

    def validate_reference(self, value):
        editing = self.context.get("declaration")  # PUT on a draft keeps its own reference
        others = Declaration.objects.exclude(pk=editing.pk) if editing else Declaration.objects
        if others.filter(reference=value).exists():
            raise serializers.ValidationError("Une déclaration porte déjà cette référence.")
        return value


class ArticleSerializer(serializers.ModelSerializer):
    tariff_code = serializers.CharField(source="tariff_line.dotted_code", read_only=True)

    class Meta:
        model = Article
        fields = (
            "id", "number", "tariff_code", "origin_country", "description", "invoiced_value", "quantity", "unit",
            "net_mass_kg", "franchise_code", "attributes", "is_equipment", "customs_value",
        )


class LiquidationLineSerializer(serializers.ModelSerializer):
    article = serializers.IntegerField(source="article.number", read_only=True)
    law = serializers.CharField(source="law.code", read_only=True)

    class Meta:
        model = LiquidationLine
        fields = ("article", "tax", "base", "base_unit", "rate", "rate_unit", "amount", "law", "detail")


class LiquidationSerializer(serializers.ModelSerializer):
    lines = LiquidationLineSerializer(many=True, read_only=True)
    guarantee_amount = money(read_only=True, allow_null=True)

    class Meta:
        model = Liquidation
        fields = (
            "id", "sequence", "on_date", "is_current", "reason", "created_at", "total_di", "total_tic", "total_vat",
            "total", "currency", "duties_note", "guarantee_amount", "lines",
        )


class DutyPaymentInputSerializer(serializers.Serializer):
    paid_on = serializers.DateField()
    amount = money()
    means = serializers.ChoiceField(choices=DeclarationPayment.Means.choices)
    reference = serializers.CharField(max_length=60)


class DutyPaymentSerializer(serializers.ModelSerializer):
    amount = money(read_only=True)

    class Meta:
        model = DeclarationPayment
        fields = ("paid_on", "amount", "currency", "means", "reference", "liquidation", "recorded_at")


class GoodsReleaseInputSerializer(serializers.Serializer):
    released_on = serializers.DateField()
    reference = serializers.CharField(max_length=60)


class GoodsReleaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeclarationRelease
        fields = ("released_on", "reference", "recorded_at")


class DocumentSerializer(serializers.ModelSerializer):
    """An annexed document; its file (if uploaded) through the authenticated download page."""

    download_url = serializers.SerializerMethodField(help_text="page de téléchargement ; vide sans fichier")

    class Meta:
        model = AnnexedDocument
        fields = ("id", "kind", "reference", "download_url")

    def get_download_url(self, document) -> str:
        if not document.file:
            return ""
        path = reverse("declarations:document-download", args=[document.declaration_id, document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class DeclarationSerializer(serializers.ModelSerializer):
    procedure_code = serializers.CharField(source="procedure.code", read_only=True)
    party = PartySerializer(read_only=True)
    articles = ArticleSerializer(many=True, read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)
    liquidations = LiquidationSerializer(many=True, read_only=True)
    payment = DutyPaymentSerializer(read_only=True, allow_null=True)
    release = GoodsReleaseSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Declaration
        fields = (
            "id", "reference", "customs_office", "procedure_code", "party", "status", "invoice_currency",
            "invoice_total", "freight_amount", "freight_currency", "freight_included", "insurance_amount",
            "insurance_currency", "insurance_included", "other_costs_amount", "other_costs_currency",
            "other_costs_included", "etpp_authorisation", "registered_on", "exchange_rate", "declared_value_mad",
            "allocation_coefficient", "articles", "documents", "liquidations", "payment", "release",
        )


class DeclarationListSerializer(serializers.ModelSerializer):
    procedure_code = serializers.CharField(source="procedure.code", read_only=True)
    party = serializers.CharField(source="party.name", read_only=True)

    class Meta:
        model = Declaration
        fields = ("id", "reference", "customs_office", "procedure_code", "party", "status", "registered_on",
                  "invoice_currency", "invoice_total")


class RegisterSerializer(serializers.Serializer):
    date = serializers.DateField(required=False)


class RegistrationResultSerializer(serializers.Serializer):
    declaration = DeclarationSerializer()
    warnings = serializers.ListField(child=serializers.CharField())


class ReliquidateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=255)


class EtppItemSerializer(serializers.ModelSerializer):
    tariff_code = serializers.CharField(source="tariff_line.dotted_code", read_only=True)
    quantity_left = qty(read_only=True)  # a decimal string, like every quantity

    class Meta:
        model = EtppAuthorisationItem
        fields = ("id", "tariff_code", "description", "quantity", "quantity_used", "quantity_left", "unit")


class EtppIssueSerializer(serializers.Serializer):
    issued_on = serializers.DateField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True, default=None)
    channel = serializers.ChoiceField(choices=EtppAuthorisation.Channel.choices, required=False, allow_null=True,
                                      default=None)


class EtppRefuseSerializer(serializers.Serializer):
    refused_on = serializers.DateField()
    reason = serializers.CharField(max_length=255)


class EtppItemInputSerializer(serializers.Serializer):
    tariff_code = serializers.CharField(max_length=20)
    description = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    quantity = qty(min_value=0)
    unit = serializers.CharField(max_length=10, default="kg")


class EtppAuthorisationSerializer(serializers.ModelSerializer):
    items = EtppItemSerializer(many=True, read_only=True)
    due_on = serializers.DateField(read_only=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = EtppAuthorisation
        fields = ("id", "number", "department", "exporter", "requested_on", "issued_on", "valid_from", "valid_to",
                  "channel", "refused_on", "refusal_reason", "precious_metals", "due_on", "overdue", "items")

    def get_overdue(self, obj) -> bool:

        return obj.is_overdue(timezone.localdate())


class EtppAuthorisationCreateSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    department = serializers.ChoiceField(choices=EtppAuthorisation.Department.choices)
    exporter = serializers.PrimaryKeyRelatedField(queryset=Party.objects.all())
    requested_on = serializers.DateField()
    issued_on = serializers.DateField(required=False, allow_null=True, default=None)
    valid_from = serializers.DateField(required=False, allow_null=True, default=None)
    valid_to = serializers.DateField(required=False, allow_null=True, default=None)
    channel = serializers.ChoiceField(choices=EtppAuthorisation.Channel.choices, default="portnet")
    precious_metals = serializers.BooleanField(default=False)
    items = EtppItemInputSerializer(many=True, allow_empty=False)

    def validate_number(self, value):
        if EtppAuthorisation.objects.filter(number=value).exists():
            raise serializers.ValidationError("Une autorisation porte déjà ce numéro.")
        return value

    def validate(self, attrs):
        # Field message instead of the database's etpp_valid_range constraint (found by tests/security).
        if attrs.get("valid_from") and attrs.get("valid_to") and attrs["valid_to"] < attrs["valid_from"]:
            raise serializers.ValidationError({"valid_to": "La fin de validité précède son début."})
        return attrs


class RecalculationRunSerializer(serializers.ModelSerializer):
    law = serializers.CharField(source="law.code", read_only=True)
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = RecalculationRun
        fields = ("id", "law", "kind", "status", "candidates", "processed", "changed", "unchanged", "failed",
                  "articles", "progress_percent", "errors", "resumed", "created_at", "started_at", "finished_at",
                  "last_progress_at")


class RecalculationResultSerializer(serializers.ModelSerializer):
    declaration = serializers.CharField(source="declaration.reference", read_only=True)

    class Meta:
        model = RecalculationResult
        fields = ("declaration", "outcome", "before_total", "after_total", "delta_di", "delta_tic", "delta_vat",
                  "delta_total", "message")


class WhatIfLineSerializer(serializers.Serializer):
    tariff_code = serializers.CharField()
    delta = money()


class WhatIfDeltaSerializer(serializers.Serializer):
    DI = money()
    TIC = money()
    TVA = money()
    total = money()


class WhatIfSerializer(serializers.Serializer):
    """A what-if job: its run (status, progress) and, once it has succeeded, the impact."""

    run = RecalculationRunSerializer()
    law = serializers.CharField(source="run.law.code")
    declarations = serializers.IntegerField(allow_null=True, help_text="déclarations qui changeraient")
    articles = serializers.IntegerField(allow_null=True)
    delta = WhatIfDeltaSerializer(allow_null=True)
    top_lines = WhatIfLineSerializer(many=True, allow_null=True)
