import datetime as dt

from django.db.models import Prefetch

from .models import Declaration, EtppAuthorisation, Liquidation, LiquidationLine


def declaration_list(*, status: str | None = None):
    qs = Declaration.objects.select_related("procedure", "party")
    if status:
        qs = qs.filter(status=status)
    return qs


def declaration_detail_queryset():
    return Declaration.objects.select_related("procedure", "party", "etpp_authorisation", "group").prefetch_related(
        "articles__tariff_line",
        "documents",
        Prefetch(
            "liquidations",
            queryset=Liquidation.objects.order_by("-sequence").prefetch_related(
                Prefetch("lines", queryset=LiquidationLine.objects.select_related("law", "article"))
            ),
        ),
    )


def etpp_overdue_requests(*, today: dt.date):
    """Pending ETPP requests past the 60-day delivery delay (CDII art. 152-1 bis)."""
    limit = today - dt.timedelta(days=60)
    return EtppAuthorisation.objects.filter(issued_on__isnull=True, requested_on__lt=limit)
