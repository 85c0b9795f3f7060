"""Thin API over the declaration services."""
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from declarations import printing, recalculation, selectors, services, tasks
from declarations.models import EtppAuthorisation, Party, RecalculationRun
from tariff.kit.api.renderers import PDF_RENDERERS
from tariff.kit.errors import DomainError
from tariff.kit.pdf import pdf_response
from tariff.kit.permissions import BrokerWorkPermission, CanEditReferenceData, SimulationPermission
from tariff.models import FinanceLaw

from . import serializers as s


class PartyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    permission_classes = [BrokerWorkPermission]
    serializer_class = s.PartySerializer
    queryset = Party.objects.order_by("name")
    filterset_fields = ("kind", "ice")


class DeclarationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    http_method_names = ["get", "post", "put", "head", "options"]
    """DUM declarations. Errors carry a machine-readable ``code`` (e.g. ``freight_missing``,
    ``etpp_authorisation_missing``, ``etpp_quantity_exceeded``, ``invalid_status``)."""

    permission_classes = [BrokerWorkPermission]
    filterset_fields = ("status", "procedure__code", "party")

    def get_queryset(self):
        if self.action == "list":
            return selectors.declaration_list().order_by("-created_at")
        return selectors.declaration_detail_queryset()

    def get_serializer_class(self):
        return s.DeclarationListSerializer if self.action == "list" else s.DeclarationSerializer

    @extend_schema(request=s.DeclarationCreateSerializer, responses={201: s.DeclarationSerializer})
    def create(self, request):
        params = s.DeclarationCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = dict(params.validated_data)
        declaration = services.declaration_create(declarant=request.user, **data)
        return Response(s.DeclarationSerializer(self.get_queryset().get(pk=declaration.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=s.DeclarationCreateSerializer, responses={200: s.DeclarationSerializer},
                   description="Remplace l'en-tête, les articles et les documents d'un brouillon "
                   "(erreur ``invalid_status`` une fois la déclaration enregistrée).")
    def update(self, request, pk=None):
        declaration = self.get_object()
        params = s.DeclarationCreateSerializer(data=request.data, context={"declaration": declaration})
        params.is_valid(raise_exception=True)
        declaration = services.declaration_update_draft(declaration=declaration, **params.validated_data)
        return Response(s.DeclarationSerializer(self.get_queryset().get(pk=declaration.pk)).data)

    @extend_schema(request=s.RegisterSerializer, responses={200: s.RegistrationResultSerializer})
    @action(detail=True, methods=["post"])
    def register(self, request, pk=None):
        params = s.RegisterSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        result = services.declaration_register(
            declaration=self.get_object(), user=request.user, on_date=params.validated_data.get("date"))
        declaration = self.get_queryset().get(pk=result.declaration.pk)
        return Response(s.RegistrationResultSerializer({"declaration": declaration, "warnings": result.warnings}).data)

    @extend_schema(request=None, responses={200: s.LiquidationSerializer})
    @action(detail=True, methods=["post"])
    def liquidate(self, request, pk=None):
        liquidation = services.declaration_liquidate(declaration=self.get_object(), user=request.user)
        return Response(s.LiquidationSerializer(liquidation).data)

    @extend_schema(request=s.ReliquidateSerializer, responses={200: s.LiquidationSerializer})
    @action(detail=True, methods=["post"])
    def reliquidate(self, request, pk=None):
        params = s.ReliquidateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        result = services.declaration_reliquidate(
            declaration=self.get_object(), user=request.user, reason=params.validated_data["reason"])
        return Response(s.LiquidationSerializer(result.current or result.previous).data)


    @extend_schema(request=s.DutyPaymentInputSerializer, responses={201: s.DutyPaymentSerializer},
                   description="Paiement de la liquidation en vigueur (montant égal à son total) : la "
                   "déclaration passe à « payée » et n'est plus recalculée (``payment_amount_mismatch``, "
                   "``payment_before_liquidation``, ``payment_in_future``, ``invalid_status``).")
    @action(detail=True, methods=["post"])
    def payment(self, request, pk=None):
        params = s.DutyPaymentInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        payment = services.declaration_record_payment(
            declaration=self.get_object(), user=request.user, **params.validated_data)
        return Response(s.DutyPaymentSerializer(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.GoodsReleaseInputSerializer, responses={201: s.GoodsReleaseSerializer},
                   description="Mainlevée : la déclaration payée (ou liquidée sans rien à payer) passe à "
                   "« dédouanée » (``release_before_payment``, ``release_too_early``, ``release_in_future``).")
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        params = s.GoodsReleaseInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        release = services.declaration_record_release(
            declaration=self.get_object(), user=request.user, **params.validated_data)
        return Response(s.GoodsReleaseSerializer(release).data, status=status.HTTP_201_CREATED)


class LiquidationNoteView(generics.GenericAPIView):
    """``GET /api/v1/declarations/<id>/liquidation-note.pdf``: the liquidation note (PDF)."""

    permission_classes = [BrokerWorkPermission]
    renderer_classes = PDF_RENDERERS

    def get_queryset(self):
        return selectors.declaration_detail_queryset()

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY},
                   description="Bulletin de liquidation (PDF) de la liquidation en vigueur (``not_liquidated``).")
    def get(self, request, pk=None):
        declaration = self.get_object()
        return pdf_response(printing.liquidation_note_pdf(declaration=declaration),
                            f"bulletin-liquidation-{declaration.reference}.pdf")


class EtppAuthorisationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [BrokerWorkPermission]
    serializer_class = s.EtppAuthorisationSerializer
    queryset = EtppAuthorisation.objects.prefetch_related("items__tariff_line").order_by("-requested_on")
    filterset_fields = ("channel", "department", "exporter")

    @extend_schema(request=s.EtppAuthorisationCreateSerializer, responses={201: s.EtppAuthorisationSerializer})
    def create(self, request):
        params = s.EtppAuthorisationCreateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        auth = services.etpp_authorisation_create(**params.validated_data)
        return Response(s.EtppAuthorisationSerializer(self.get_queryset().get(pk=auth.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=s.EtppIssueSerializer, responses={200: s.EtppAuthorisationSerializer})
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        """Record the delivery of the authorisation (date, validity, channel PortNet or paper)."""
        params = s.EtppIssueSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        auth = services.etpp_authorisation_issue(authorisation=self.get_object(), **params.validated_data)
        return Response(s.EtppAuthorisationSerializer(self.get_queryset().get(pk=auth.pk)).data)

    @extend_schema(request=s.EtppRefuseSerializer, responses={200: s.EtppAuthorisationSerializer})
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        """Record that the department refused the request (date and reason)."""
        params = s.EtppRefuseSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        auth = services.etpp_authorisation_refuse(authorisation=self.get_object(), **params.validated_data)
        return Response(s.EtppAuthorisationSerializer(self.get_queryset().get(pk=auth.pk)).data)


class RecalculationRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Recalculation runs after a finance law is published (progress, counts, errors)."""

    permission_classes = [BrokerWorkPermission]
    serializer_class = s.RecalculationRunSerializer
    queryset = RecalculationRun.objects.select_related("law").order_by("-created_at")
    filterset_fields = ("status", "law", "kind")

    @extend_schema(request=None, responses={202: s.RecalculationRunSerializer})
    @action(detail=True, methods=["post"], permission_classes=[CanEditReferenceData])
    def resume(self, request, pk=None):
        """Send the remaining batches of a run again (a worker died; reference-data editors)."""
        run = tasks.run_resume(self.get_object())
        run.refresh_from_db()
        return Response(s.RecalculationRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: s.RecalculationResultSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        run = self.get_object()
        page = self.paginate_queryset(run.results.select_related("declaration").order_by("declaration_id"))
        return self.get_paginated_response(s.RecalculationResultSerializer(page, many=True).data)


def _what_if_body(run: RecalculationRun) -> dict:
    body = {"run": run, "law": run.law.code, "declarations": None, "articles": None, "delta": None, "top_lines": None}
    if run.status == RecalculationRun.Status.SUCCEEDED:
        impact = recalculation.what_if_impact(run=run)
        body.update(declarations=impact.declarations, articles=impact.articles, delta=impact.delta,
                    top_lines=impact.top_lines)
    return {**s.WhatIfSerializer(body).data}


class FinanceLawWhatIfView(viewsets.ViewSet):
    """What-if: the impact a draft finance law would have on liquidated declarations, computed
    as a job (Celery; inline in the embedded mode) over the same batches as a recalculation,
    nothing re-liquidated. ``POST`` starts it (or returns the one under way: 200) and answers at
    once with the job (202); ``GET`` gives the law's latest what-if, its progress and, once
    finished, the impact; ``?export=csv`` its per-declaration differences."""

    permission_classes = [SimulationPermission]

    def _latest(self, pk) -> RecalculationRun:
        law = get_object_or_404(FinanceLaw, pk=pk)
        run = law.recalculation_runs.filter(kind=RecalculationRun.Kind.WHAT_IF).select_related("law").first()
        if run is None:
            raise NotFound("Aucune simulation pour cette loi : lancez-en une (POST).")
        return run

    @extend_schema(request=None, responses={202: s.WhatIfSerializer, 200: s.WhatIfSerializer})
    def create(self, request, pk=None):
        law = get_object_or_404(FinanceLaw, pk=pk)
        run, created = tasks.what_if_enqueue(law=law, user=request.user)
        run.refresh_from_db()  # eager mode: already finished
        return Response(_what_if_body(run), status=status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK)

    @extend_schema(
        parameters=[OpenApiParameter("export", str, enum=["csv"], description="csv : différences par déclaration")],
        responses={(200, "application/json"): s.WhatIfSerializer, (200, "text/csv"): OpenApiTypes.STR},
    )
    def retrieve(self, request, pk=None):
        run = self._latest(pk)
        if request.query_params.get("export") == "csv":
            if run.status != RecalculationRun.Status.SUCCEEDED:
                raise DomainError("La simulation n'est pas terminée : export impossible pour l'instant.",
                                  field="export", code="what_if_not_finished")
            response = HttpResponse(recalculation.what_if_csv(run), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="what-if-{run.law.code}.csv"'
            return response
        return Response(_what_if_body(run))
