"""Thin API views over tariff services and selectors."""
import datetime as dt

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tariff import selectors, services
from tariff.codes import normalize_tariff_code
from tariff.kit.permissions import CanEditReferenceData, CanReadTariff
from tariff.models import FinanceLaw

from .serializers import (
    FinanceLawSerializer,
    QuoteRequestSerializer,
    QuoteResponseSerializer,
    TariffLineDetailSerializer,
    TariffLineSerializer,
)


class QuoteView(APIView):
    """Duty calculator: DI, TIC and import VAT due on one tariff line on a date."""

    permission_classes = [CanReadTariff]

    @extend_schema(request=QuoteRequestSerializer, responses={200: QuoteResponseSerializer})
    def post(self, request):
        params = QuoteRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        quote = services.quote_duties(
            tariff_code=data["tariff_code"],
            on_date=data["date"],
            customs_value=data["customs_value"],
            quantity=data.get("quantity"),
            franchise_code=data.get("franchise_code") or None,
            attributes=data.get("attributes") or {},
            missing_excise=services.MISSING_EXCISE_WARN,
        )
        return Response(QuoteResponseSerializer(quote).data)


class TariffLineListView(generics.ListAPIView):
    """Search tariff lines by code prefix or words of the description (``?q=``)."""

    permission_classes = [CanReadTariff]
    serializer_class = TariffLineSerializer

    @extend_schema(parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="code ou mots")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.tariff_line_search(query=self.request.query_params.get("q", ""), limit=500)


class DateQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False)


class TariffLineDetailView(APIView):
    """A tariff line and every rate in force on ``?date=`` (default: today)."""

    permission_classes = [CanReadTariff]

    @extend_schema(
        parameters=[OpenApiParameter("date", OpenApiTypes.DATE)], responses={200: TariffLineDetailSerializer}
    )
    def get(self, request, code: str):
        query = DateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        on_date: dt.date = query.validated_data.get("date") or timezone.localdate()
        line = selectors.tariff_line_get(code=normalize_tariff_code(code))
        if line is None:
            raise Http404
        payload = {
            "line": line,
            "date": on_date,
            "rates": selectors.rates_in_force(line=line, on_date=on_date),
            "duty_rate_history": selectors.duty_rate_history(line=line),
        }
        return Response(TariffLineDetailSerializer(payload).data)


class FinanceLawListView(generics.ListAPIView):
    permission_classes = [CanReadTariff]
    serializer_class = FinanceLawSerializer

    def get_queryset(self):
        return selectors.finance_law_list()


class FinanceLawPublishView(APIView):
    """Publish a draft finance law: its staged rate changes take effect and a
    recalculation run of the affected declarations is enqueued (Celery)."""

    permission_classes = [CanEditReferenceData]

    @extend_schema(request=None, responses={200: FinanceLawSerializer})
    def post(self, request, pk: int):
        law = generics.get_object_or_404(FinanceLaw, pk=pk)
        law = services.finance_law_publish(law=law, user=request.user)
        return Response(FinanceLawSerializer(law).data)
