"""API of the exemptions followed after the declaration (issue 9): the "to watch" list,
quota balances, franchise-code evidence, investment conventions, VAT guarantees,
assets under the 60-month rule (regularisation and its schedule), warehouse disposals.

Thin views over ``declarations.exemptions``; domain errors become 400 with their code.
"""
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from declarations.exemptions import selectors as exemption_selectors
from declarations.exemptions import services as exemption_services
from declarations.models import (
    Declaration,
    ExemptAsset,
    FranchiseCondition,
    InvestmentConvention,
    Party,
    VatGuarantee,
    WarehouseDisposal,
)
from tariff.kit.permissions import BrokerWorkPermission, HasRole
from tariff.kit.roles import AUDITOR, BROKER_STAFF
from tariff.models import Quota

from .serializers import money, qty


class CanReadFollowUp(HasRole):
    """Broker staff and auditors see the "to watch" list."""

    roles = (BROKER_STAFF, AUDITOR)


# --- serializers --------------------------------------------------------------------------------

class FollowUpItemSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    label = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    reference = serializers.CharField()
    party = serializers.CharField()
    amount = serializers.DecimalField(max_digits=20, decimal_places=3, allow_null=True)
    unit = serializers.CharField()
    detail = serializers.CharField()
    object_id = serializers.IntegerField()


class QuotaSerializer(serializers.ModelSerializer):
    franchise = serializers.CharField(source="franchise.code", read_only=True)
    period = serializers.CharField(source="period_label", read_only=True)
    balance_kg = qty(read_only=True)

    class Meta:
        model = Quota
        fields = ("id", "franchise", "period", "valid_from", "valid_to", "volume_kg", "used_kg", "balance_kg")


class FranchiseConditionSerializer(serializers.ModelSerializer):
    franchise_code = serializers.CharField(source="franchise.code", read_only=True)

    class Meta:
        model = FranchiseCondition
        fields = ("id", "franchise_code", "kind", "party", "declaration", "reference", "issued_on", "valid_to",
                  "status", "description")


class FranchiseConditionCreateSerializer(serializers.Serializer):
    franchise_code = serializers.CharField(max_length=4)
    kind = serializers.ChoiceField(choices=FranchiseCondition.Kind.choices)
    party = serializers.PrimaryKeyRelatedField(queryset=Party.objects.all())
    declaration = serializers.PrimaryKeyRelatedField(queryset=Declaration.objects.all(), required=False,
                                                     allow_null=True, default=None)
    reference = serializers.CharField(max_length=80)
    issued_on = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True, default=None)
    status = serializers.ChoiceField(choices=FranchiseCondition.Status.choices,
                                     default=FranchiseCondition.Status.GRANTED)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class InvestmentConventionSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvestmentConvention
        fields = ("id", "number", "party", "amount", "signed_on", "valid_from", "valid_to", "goods_description",
                  "tariff_prefixes")


class InvestmentConventionCreateSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    party = serializers.PrimaryKeyRelatedField(queryset=Party.objects.all())
    amount = money(min_value=0)
    signed_on = serializers.DateField()
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True, default=None)
    goods_description = serializers.CharField()
    tariff_prefixes = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")

    def validate_number(self, value):
        if InvestmentConvention.objects.filter(number=value).exists():
            raise serializers.ValidationError("Une convention porte déjà ce numéro.")
        return value


class VatGuaranteeSerializer(serializers.ModelSerializer):
    class Meta:
        model = VatGuarantee
        fields = ("id", "declaration", "kind", "reference", "amount", "constituted_on", "released_on")


class VatGuaranteeCreateSerializer(serializers.Serializer):
    declaration = serializers.PrimaryKeyRelatedField(queryset=Declaration.objects.all())
    kind = serializers.ChoiceField(choices=VatGuarantee.Kind.choices)
    reference = serializers.CharField(max_length=80)
    amount = money(min_value=0)
    constituted_on = serializers.DateField()


class DateSerializer(serializers.Serializer):
    date = serializers.DateField()


class ScheduleRowSerializer(serializers.Serializer):
    month = serializers.IntegerField()
    disposed_from = serializers.DateField()
    disposed_to = serializers.DateField()
    amount = money()


class ExemptAssetSerializer(serializers.ModelSerializer):
    declaration = serializers.CharField(source="article.declaration.reference", read_only=True)
    article = serializers.IntegerField(source="article.number", read_only=True)
    description = serializers.CharField(source="article.description", read_only=True)
    convention = serializers.CharField(source="convention.number", read_only=True, default=None)

    class Meta:
        model = ExemptAsset
        fields = ("id", "declaration", "article", "description", "convention", "exempted_vat", "imported_on",
                  "keep_until", "disposed_on", "regularisation_amount", "regularisation_settled_on")


class ExemptAssetDetailSerializer(ExemptAssetSerializer):
    schedule = serializers.SerializerMethodField()

    class Meta(ExemptAssetSerializer.Meta):
        fields = ExemptAssetSerializer.Meta.fields + ("schedule",)

    @extend_schema(responses=ScheduleRowSerializer(many=True))
    def get_schedule(self, obj) -> list[dict]:
        return ScheduleRowSerializer(exemption_selectors.exempt_asset_schedule(asset=obj), many=True).data


class WarehouseDisposalSerializer(serializers.ModelSerializer):
    reason = serializers.CharField(source="reason.code", read_only=True, default=None)
    reason_provisional = serializers.BooleanField(source="reason.provisional", read_only=True, default=None)

    class Meta:
        model = WarehouseDisposal
        fields = ("id", "declaration", "party", "goods_description", "quantity", "unit", "kind", "reason",
                  "reason_provisional", "justification", "duties_paid_or_guaranteed", "costs_borne_by_operator",
                  "requested_on", "completed_on", "supervision_reference")


class WarehouseDisposalCreateSerializer(serializers.Serializer):
    declaration = serializers.PrimaryKeyRelatedField(queryset=Declaration.objects.all(), required=False,
                                                     allow_null=True, default=None)
    party = serializers.PrimaryKeyRelatedField(queryset=Party.objects.all())
    goods_description = serializers.CharField(max_length=255)
    quantity = qty(min_value=0)
    unit = serializers.CharField(max_length=10, default="kg")
    kind = serializers.ChoiceField(choices=WarehouseDisposal.Kind.choices)
    reason_code = serializers.CharField(max_length=40, required=False, allow_blank=True, allow_null=True,
                                        default=None)
    justification = serializers.CharField(max_length=500, allow_blank=True)
    duties_paid_or_guaranteed = serializers.BooleanField()
    costs_borne_by_operator = serializers.BooleanField(default=True)
    requested_on = serializers.DateField()


# --- views --------------------------------------------------------------------------------------

class FollowUpView(APIView):
    """Everything to watch, soonest due first: quota balances, franchise evidence expiring
    (DGI certificates end with their year of issue), assets under the 60-month rule,
    regularisations to pay, guarantees not released, conventions ending."""

    permission_classes = [CanReadFollowUp]

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, many=True, enum=list(exemption_selectors.FollowUpKind.LABELS)),
            OpenApiParameter("due_before", str, description="AAAA-MM-JJ"),
            OpenApiParameter("as_of", str, description="date de la situation (défaut : aujourd'hui)"),
            OpenApiParameter("party", int),
        ],
        responses={200: FollowUpItemSerializer(many=True)},
    )
    def get(self, request):
        params = request.query_params
        today = self._date(params, "as_of") or timezone.localdate()
        due_before = self._date(params, "due_before")
        kinds = [k for k in params.getlist("kind") if k] or None
        unknown = [k for k in kinds or () if k not in exemption_selectors.FollowUpKind.LABELS]
        if unknown:
            raise serializers.ValidationError({"kind": [f"Nature inconnue : {', '.join(unknown)}."]})
        party = params.get("party")
        if party and not party.isdigit():
            raise serializers.ValidationError({"party": ["Identifiant numérique attendu."]})
        items = exemption_selectors.follow_up_items(today=today, kinds=kinds, due_before=due_before,
                                           party_id=int(party) if party else None)
        return Response(FollowUpItemSerializer(items, many=True).data)

    @staticmethod
    def _date(params, name):
        value = params.get(name)
        if not value:
            return None
        field = serializers.DateField()
        try:
            return field.to_internal_value(value)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({name: exc.detail}) from exc


class QuotaViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Quotas and their balances (kg net)."""

    permission_classes = [BrokerWorkPermission]
    serializer_class = QuotaSerializer
    queryset = Quota.objects.select_related("franchise").order_by("franchise__code", "valid_from")
    filterset_fields = ("franchise__code",)


class _CreateThroughService(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [BrokerWorkPermission]
    create_serializer_class = None
    service = None

    def create(self, request):
        params = self.create_serializer_class(data=request.data)
        params.is_valid(raise_exception=True)
        obj = self.service(**params.validated_data)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)


class FranchiseConditionViewSet(_CreateThroughService):
    """Undertakings, DGI certificates, exemption requests (code 2013) and FM6SS status (code 0040)."""

    serializer_class = FranchiseConditionSerializer
    create_serializer_class = FranchiseConditionCreateSerializer
    service = staticmethod(exemption_services.franchise_condition_create)
    queryset = FranchiseCondition.objects.select_related("franchise").order_by("-issued_on")
    filterset_fields = ("party", "declaration", "kind", "status")

    @extend_schema(request=FranchiseConditionCreateSerializer, responses={201: FranchiseConditionSerializer})
    def create(self, request):
        return super().create(request)


class InvestmentConventionViewSet(_CreateThroughService):
    """Investment conventions (CDII art. 164-1°-p): threshold checked on creation."""

    serializer_class = InvestmentConventionSerializer
    create_serializer_class = InvestmentConventionCreateSerializer
    service = staticmethod(exemption_services.investment_convention_create)
    queryset = InvestmentConvention.objects.order_by("-signed_on")
    filterset_fields = ("party",)

    @extend_schema(request=InvestmentConventionCreateSerializer, responses={201: InvestmentConventionSerializer})
    def create(self, request):
        return super().create(request)


class VatGuaranteeViewSet(_CreateThroughService):
    """Real guarantees covering the VAT exempted on investment goods (LF 2024)."""

    serializer_class = VatGuaranteeSerializer
    create_serializer_class = VatGuaranteeCreateSerializer
    service = staticmethod(exemption_services.vat_guarantee_create)
    queryset = VatGuarantee.objects.order_by("-constituted_on")
    filterset_fields = ("declaration",)

    @extend_schema(request=VatGuaranteeCreateSerializer, responses={201: VatGuaranteeSerializer})
    def create(self, request):
        return super().create(request)

    @extend_schema(request=DateSerializer, responses={200: VatGuaranteeSerializer})
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        params = DateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        guarantee = exemption_services.vat_guarantee_release(guarantee=self.get_object(),
                                                     released_on=params.validated_data["date"])
        return Response(VatGuaranteeSerializer(guarantee).data)


class ExemptAssetViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Investment goods imported VAT-exempt, kept 60 months; the detail shows how the
    regularisation decreases month by month; ``dispose`` records an early disposal."""

    permission_classes = [BrokerWorkPermission]
    queryset = ExemptAsset.objects.select_related("article__declaration", "convention").order_by("keep_until", "id")
    filterset_fields = ("article__declaration",)

    def get_serializer_class(self):
        return ExemptAssetDetailSerializer if self.action == "retrieve" else ExemptAssetSerializer

    @extend_schema(request=DateSerializer, responses={200: ExemptAssetDetailSerializer})
    @action(detail=True, methods=["post"])
    def dispose(self, request, pk=None):
        params = DateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        asset = exemption_services.exempt_asset_dispose(asset=self.get_object(),
                                                        disposed_on=params.validated_data["date"])
        return Response(ExemptAssetDetailSerializer(asset).data)

    @extend_schema(request=DateSerializer, responses={200: ExemptAssetSerializer})
    @action(detail=True, methods=["post"])
    def settle(self, request, pk=None):
        params = DateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        asset = exemption_services.exempt_asset_settle(asset=self.get_object(),
                                                       settled_on=params.validated_data["date"])
        return Response(ExemptAssetSerializer(asset).data)


class WarehouseDisposalViewSet(_CreateThroughService):
    """Abandonment or destruction of warehoused goods (CDII art. 130-4°, LF 2024)."""

    serializer_class = WarehouseDisposalSerializer
    create_serializer_class = WarehouseDisposalCreateSerializer
    service = staticmethod(exemption_services.warehouse_disposal_create)
    queryset = WarehouseDisposal.objects.select_related("reason").order_by("-requested_on")
    filterset_fields = ("party", "kind")

    @extend_schema(request=WarehouseDisposalCreateSerializer, responses={201: WarehouseDisposalSerializer})
    def create(self, request):
        return super().create(request)


router = SimpleRouter()
router.register("quotas", QuotaViewSet, basename="quota")
router.register("franchise-conditions", FranchiseConditionViewSet, basename="franchise-condition")
router.register("investment-conventions", InvestmentConventionViewSet, basename="investment-convention")
router.register("vat-guarantees", VatGuaranteeViewSet, basename="vat-guarantee")
router.register("exempt-assets", ExemptAssetViewSet, basename="exempt-asset")
router.register("warehouse-disposals", WarehouseDisposalViewSet, basename="warehouse-disposal")

urlpatterns = router.urls + [path("follow-up/", FollowUpView.as_view(), name="follow-up")]
