from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tariff.kit.api.fields import money

from ..models import Case, CaseDocument, CaseOffence, CaseParty, Offence, Settlement
from ..rules import case_next_actions


def optional_money():
    return money(min_value=0, required=False, allow_null=True)


class OffenceSerializer(serializers.ModelSerializer):
    citation = serializers.CharField(read_only=True)

    class Meta:
        model = Offence
        fields = (
            "id", "citation", "article", "paragraph", "variant", "offence_class", "label_fr", "penalty_article",
            "prison_min_months", "prison_max_months", "fine_basis", "fine_multiplier", "fine_min", "fine_max",
            "min_undeclared_amount", "doubling_on_aggravating", "doubling_on_sensitive_goods", "confiscate_goods",
            "confiscate_transport", "confiscate_concealing", "confiscation_note", "document_retention_years",
            "valid_from", "valid_to", "source", "note",
        )


class OffenceListQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False)


class CaseOffenceInputSerializer(serializers.Serializer):
    article = serializers.CharField(max_length=20)
    paragraph = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    variant = serializers.ChoiceField(choices=Offence.Variant.choices, required=False, allow_blank=True, default="")
    goods_customs_value = optional_money()
    duties_compromised = optional_money()
    undeclared_amount = optional_money()
    export_advantages = optional_money()
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class CaseOffenceSerializer(serializers.ModelSerializer):
    citation = serializers.CharField(source="offence.citation")
    article = serializers.CharField(source="offence.article")
    paragraph = serializers.CharField(source="offence.paragraph")
    variant = serializers.CharField(source="offence.variant")
    label = serializers.CharField(source="offence.label_fr")

    class Meta:
        model = CaseOffence
        fields = ("id", "citation", "article", "paragraph", "variant", "label", "goods_customs_value",
                  "duties_compromised", "undeclared_amount", "export_advantages", "note")


class CasePartySerializer(serializers.ModelSerializer):
    """A party of the case; name, identifier and address are those of the office's party record
    (found by the ICE / CIN given, else created)."""

    party = serializers.PrimaryKeyRelatedField(read_only=True)
    name = serializers.CharField(max_length=255)
    identifier = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")

    class Meta:
        model = CaseParty
        fields = ("id", "role", "party", "name", "identifier", "address")


def download_url(serializer, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request else path


class CaseDocumentSerializer(serializers.ModelSerializer):
    """A case document; its file through the authenticated download page (never the media URL)."""

    retention_until = serializers.DateField(read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField(help_text="page de téléchargement (session authentifiée)")

    class Meta:
        model = CaseDocument
        fields = ("id", "kind", "title", "download_url", "document_date", "uploaded_at", "retention_until")

    def get_download_url(self, document) -> str:
        return download_url(self, reverse("litigation:case-document-download", args=[document.case_id, document.pk]))


class NextActionSerializer(serializers.Serializer):
    """One action on the case and, when refused, why (same reasons as the services' refusals)."""

    action = serializers.CharField()
    label = serializers.CharField()
    allowed = serializers.BooleanField()
    reason = serializers.CharField()
    code = serializers.CharField()


class SettlementSerializer(serializers.ModelSerializer):
    fines_payable = money(read_only=True)
    amount_due = money(read_only=True, help_text="amendes restant dues après remise + droits et taxes (art. 275)")

    class Meta:
        model = Settlement
        fields = (
            "id", "case", "reference", "settlement_date", "fines_due", "fine_retained", "fines_remitted",
            "fines_payable", "amount_due",
            "confiscations_remitted", "other_sums_remitted", "duties_remitted", "duties_due", "currency", "notes",
            "created_at",
        )


class SettlementInputSerializer(serializers.Serializer):
    settlement_date = serializers.DateField()
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    fine_retained = money(min_value=0, required=False, allow_null=True, default=None,
                          help_text="amende retenue dans la fourchette légale ; la remise porte sur elle")
    fines_remitted = money(min_value=0, required=False, default=0)
    confiscations_remitted = money(min_value=0, required=False, default=0)
    other_sums_remitted = money(min_value=0, required=False, default=0)
    duties_remitted = money(min_value=0, required=False, default=0)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


CASE_FIELDS = (
    "reference", "office", "facts_date", "declaration", "declaration_reference", "description", "goods_customs_value",
    "duties_compromised", "undeclared_amount", "export_advantages", "other_sums_due", "aggravating_circumstances",
    "aggravating_details", "sensitive_goods", "post_clearance_fraud", "seized_goods_description",
    "seized_goods_customs_value", "duties_on_seized_goods", "seized_transport_value",
)


class CaseCreateSerializer(serializers.ModelSerializer):
    parties = CasePartySerializer(many=True, required=False)
    offences = CaseOffenceInputSerializer(many=True, required=False)

    class Meta:
        model = Case
        fields = CASE_FIELDS + ("parties", "offences")


class CaseSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    offences = CaseOffenceSerializer(source="case_offences", many=True, read_only=True)
    parties = CasePartySerializer(many=True, read_only=True)
    documents = CaseDocumentSerializer(many=True, read_only=True)
    settlements = SettlementSerializer(many=True, read_only=True)
    next_actions = serializers.SerializerMethodField()
    declaration_reference = serializers.CharField(
        source="dum_reference", read_only=True,
        help_text="référence de la DUM : celle de `declaration` (lien), sinon celle d'une DUM hors du cabinet",
    )

    class Meta:
        model = Case
        fields = ("id", *CASE_FIELDS, "currency", "status", "status_label", "next_actions", "offences", "parties",
                  "documents", "settlements", "created_at", "updated_at")

    @extend_schema_field(NextActionSerializer(many=True))
    def get_next_actions(self, case) -> list[dict]:
        return NextActionSerializer(case_next_actions(case), many=True).data


class CaseTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Case.Status.choices)


class PenaltyLineSerializer(serializers.Serializer):
    citation = serializers.CharField()
    article = serializers.CharField()
    paragraph = serializers.CharField()
    variant = serializers.CharField()
    label = serializers.CharField()
    offence_class = serializers.CharField()
    offence_class_label = serializers.CharField()
    applicable = serializers.BooleanField()
    reason = serializers.CharField()
    offence_id = serializers.IntegerField(allow_null=True)
    penalty_article = serializers.CharField()
    source = serializers.CharField()
    valid_from = serializers.DateField(allow_null=True)
    valid_to = serializers.DateField(allow_null=True)
    fine_basis = serializers.CharField()
    fine_basis_label = serializers.CharField()
    fine_base = money(allow_null=True)
    fine_multiplier = serializers.DecimalField(max_digits=9, decimal_places=4, allow_null=True)
    fine_min = money(allow_null=True)
    fine_max = money(allow_null=True)
    doubled = serializers.BooleanField()
    doubling_reason = serializers.CharField()
    prison_min_months = serializers.IntegerField(allow_null=True)
    prison_max_months = serializers.IntegerField(allow_null=True)
    confiscations = serializers.ListField(child=serializers.CharField())
    confiscation_labels = serializers.ListField(child=serializers.CharField())
    confiscation_note = serializers.CharField()
    detail = serializers.CharField()
    currency = serializers.CharField()


class PenaltySerializer(serializers.Serializer):
    case = serializers.IntegerField(source="case.id")
    reference = serializers.CharField(source="case.reference")
    facts_date = serializers.DateField(source="case.facts_date")
    lines = PenaltyLineSerializer(source="exposure.lines", many=True)
    fine_min_total = money(source="exposure.fine_min_total")
    fine_max_total = money(source="exposure.fine_max_total")
    incomplete = serializers.BooleanField(source="exposure.incomplete")
    confiscations = serializers.ListField(source="exposure.confiscation_labels", child=serializers.CharField())
    confiscation_value = money(source="exposure.confiscation_value")
    duties_not_remittable = money(source="exposure.duties_not_remittable")
    duties_basis = serializers.CharField(source="exposure.duties_basis")
    currency = serializers.CharField(source="exposure.currency")
