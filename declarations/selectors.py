import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import (
    ETPP_DELIVERY_DAYS,
    Declaration,
    EtppAuthorisation,
    EtppAuthorisationItem,
    EtppImputation,
    Liquidation,
    LiquidationLine,
    RecalculationRun,
)


def declaration_by_reference(reference: str) -> Declaration | None:
    """The office's declaration with this reference (DUM number), if it keeps it."""
    reference = (reference or "").strip()
    return Declaration.objects.filter(reference=reference).first() if reference else None


def declaration_list(*, status: str | None = None):
    qs = Declaration.objects.select_related("procedure", "party")
    if status:
        qs = qs.filter(status=status)
    return qs


def declaration_detail_queryset():
    return Declaration.objects.select_related(
        "procedure", "party", "etpp_authorisation", "group", "declarant", "payment", "release",
    ).prefetch_related(
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
    limit = today - dt.timedelta(days=ETPP_DELIVERY_DAYS)
    return EtppAuthorisation.objects.filter(issued_on__isnull=True, refused_on__isnull=True, requested_on__lt=limit)


def etpp_expiring(*, today: dt.date, within_days: int):
    """Issued authorisations whose validity ends within ``within_days`` (from today on)."""
    return EtppAuthorisation.objects.filter(
        issued_on__isnull=False, valid_to__gte=today, valid_to__lte=today + dt.timedelta(days=within_days))


# --- reads of the back-office pages and the dashboard ------------------------------------------

def declaration_status_counts() -> list[dict]:
    """Every status with its number of declarations (zero included), in workflow order."""
    counts = dict(Declaration.objects.order_by().values_list("status").annotate(n=Count("id")))
    return [{"status": value, "label": label, "count": counts.get(value, 0)}
            for value, label in Declaration.Status.choices]


def month_starts(*, today: dt.date, months: int) -> list[dt.date]:
    """First day of the last ``months`` months, oldest first, the current month last."""
    index = today.year * 12 + today.month - 1
    return [dt.date((index - k) // 12, (index - k) % 12 + 1, 1) for k in range(months - 1, -1, -1)]


def liquidated_duties_by_month(*, months: list[dt.date]) -> list[tuple[dt.date, Decimal]]:
    """Total of the liquidations in force, by the local month they were made in."""
    start = timezone.make_aware(dt.datetime.combine(months[0], dt.time.min))
    rows = (Liquidation.objects.filter(is_current=True, created_at__gte=start)
            .annotate(month=TruncMonth("created_at")).order_by().values("month").annotate(total=Sum("total")))
    by_month = {timezone.localtime(row["month"]).date() if isinstance(row["month"], dt.datetime)
                else row["month"]: row["total"] for row in rows}
    return [(month, by_month.get(month) or Decimal("0.00")) for month in months]


def last_recalculation_run() -> RecalculationRun | None:
    return (RecalculationRun.objects.filter(kind=RecalculationRun.Kind.RECALCULATION).select_related("law")
            .order_by("-created_at").first())


def declaration_page_list(*, status: str = "", procedure=None, query: str = ""):
    current_total = Liquidation.objects.filter(declaration=OuterRef("pk"), is_current=True).values("total")[:1]
    qs = declaration_list(status=status or None)
    if procedure is not None:
        qs = qs.filter(procedure=procedure)
    if query:
        qs = qs.filter(reference__icontains=query)
    return qs.annotate(duties_total=Subquery(current_total)).order_by("-created_at", "-id")


def etpp_authorisation_detail_queryset():
    imputations = EtppImputation.objects.select_related("article__declaration").order_by("created_at")
    items = EtppAuthorisationItem.objects.select_related("tariff_line").prefetch_related(
        Prefetch("imputations", queryset=imputations)).order_by("id")
    return EtppAuthorisation.objects.select_related("exporter").prefetch_related(
        Prefetch("items", queryset=items), "declarations")


# --- printed documents and the office's to-pay list ---------------------------------------------

@dataclass(frozen=True)
class NoteArticle:
    article: object
    lines: list  # LiquidationLine of this article, DI then TIC then TVA
    total: Decimal


def liquidation_note(*, declaration: Declaration) -> dict:
    """What the liquidation note (bulletin de liquidation) prints: the declaration, the
    liquidation in force with each article's lines (base, rate, amount, law), the totals, the
    rates' date and the exchange rate used. ``declaration`` from ``declaration_detail_queryset``."""
    liquidation = next((liq for liq in declaration.liquidations.all() if liq.is_current), None)
    order = {"DI": 0, "TIC": 1, "TVA": 2}
    by_article: dict[int, list] = {}
    for line in (liquidation.lines.all() if liquidation else ()):
        by_article.setdefault(line.article_id, []).append(line)
    articles = []
    for article in declaration.articles.all():
        lines = sorted(by_article.get(article.id, []), key=lambda li: order.get(li.tax, 9))
        articles.append(NoteArticle(article, lines, sum((li.amount for li in lines), Decimal("0.00"))))
    laws = sorted({line.law for item in articles for line in item.lines}, key=lambda law: law.code)
    return {"declaration": declaration, "liquidation": liquidation, "articles": articles, "laws": laws,
            # (a missing one-to-one raises RelatedObjectDoesNotExist, an AttributeError)
            "payment": getattr(declaration, "payment", None), "release": getattr(declaration, "release", None)}


def declarations_to_pay(*, today: dt.date) -> list[Declaration]:
    """Liquidated, unpaid declarations with something to pay: amount due and age in days
    since liquidation, oldest first (the office's "à payer" list)."""
    current = Liquidation.objects.filter(declaration=OuterRef("pk"), is_current=True)
    rows = (Declaration.objects.filter(status=Declaration.Status.LIQUIDATED)
            .annotate(amount_due=Subquery(current.values("total")[:1]),
                      liquidated_at=Subquery(current.values("created_at")[:1]))
            .filter(amount_due__gt=0).select_related("party", "procedure").order_by("liquidated_at"))
    rows = list(rows)
    for row in rows:
        row.age_days = (today - timezone.localdate(row.liquidated_at)).days
    return rows
