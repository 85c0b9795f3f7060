"""Thin API views over the litigation services and selectors."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from tariff.kit.permissions import HasRole
from tariff.kit.roles import AUDITOR, BROKER_STAFF, REFERENCE_EDITOR, user_has_role

from .. import selectors, services
from .serializers import (
    CaseCreateSerializer,
    CaseSerializer,
    CaseTransitionSerializer,
    OffenceListQuerySerializer,
    OffenceSerializer,
    PenaltySerializer,
    SettlementInputSerializer,
    SettlementSerializer,
)


class CaseAccess(HasRole):
    """Broker staff read and write cases; auditors read."""

    roles = (BROKER_STAFF, AUDITOR)

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return super().has_permission(request, view)
        return user_has_role(request.user, BROKER_STAFF)


class CanReadOffences(HasRole):
    roles = (BROKER_STAFF, AUDITOR, REFERENCE_EDITOR)


@extend_schema_view(
    list=extend_schema(summary="Dossiers contentieux"),
    retrieve=extend_schema(summary="Un dossier contentieux"),
)
class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  viewsets.GenericViewSet):
    permission_classes = [CaseAccess]
    serializer_class = CaseSerializer
    filterset_fields = ("status", "office")

    def get_queryset(self):
        return selectors.case_detail_queryset()

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseSerializer})
    def create(self, request, *args, **kwargs):
        params = CaseCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        case = services.case_create(**params.validated_data)
        case = self.get_queryset().get(pk=case.pk)
        return Response(CaseSerializer(case, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: PenaltySerializer},
                   summary="Risque encouru : amende, emprisonnement et confiscations par infraction")
    @action(detail=True, methods=["get"])
    def penalty(self, request, pk=None):
        case = self.get_object()
        payload = {"case": case, "exposure": selectors.case_exposure(case)}
        return Response(PenaltySerializer(payload).data)

    @extend_schema(methods=["GET"], request=None, responses={200: SettlementSerializer(many=True)})
    @extend_schema(methods=["POST"], request=SettlementInputSerializer, responses={201: SettlementSerializer},
                   summary="Enregistrer une transaction (CDII art. 275)")
    @action(detail=True, methods=["get", "post"], pagination_class=None)  # a bare list, as the schema says
    def settlements(self, request, pk=None):
        case = self.get_object()
        if request.method == "GET":
            return Response(SettlementSerializer(case.settlements.all(), many=True).data)
        params = SettlementInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        settlement = services.settlement_record(case=case, **params.validated_data)
        return Response(SettlementSerializer(settlement).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CaseTransitionSerializer, responses={200: CaseSerializer},
                   summary="Changer le statut du dossier")
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        case = self.get_object()
        params = CaseTransitionSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        services.case_transition(case=case, to_status=params.validated_data["status"])
        case = self.get_queryset().get(pk=case.pk)
        return Response(CaseSerializer(case, context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("date", OpenApiTypes.DATE,
                                                    description="versions en vigueur à cette date")]),
)
class OffenceViewSet(viewsets.ReadOnlyModelViewSet):
    """The offence catalogue; ``?date=`` keeps the versions in force that day."""

    permission_classes = [CanReadOffences]
    serializer_class = OffenceSerializer
    filterset_fields = ("article", "offence_class")

    def get_queryset(self):
        if self.action != "list":
            return selectors.offence_list()
        query = OffenceListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.offence_list(on_date=query.validated_data.get("date"))
