import datetime as dt
from decimal import Decimal

import factory

from tariff.models import DutyRate, FinanceLaw, TariffLine


class FinanceLawFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FinanceLaw
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"LF-T{n}")
    number = factory.Sequence(lambda n: f"{n}-99")
    title = factory.LazyAttribute(lambda o: f"Loi de finances de test {o.number}")
    effective_date = dt.date(2030, 1, 1)


class TariffLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TariffLine
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"99{n:08d}")
    description = factory.Sequence(lambda n: f"Marchandise de test {n}")
    unit = "u"


class DutyRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DutyRate

    tariff_line = factory.SubFactory(TariffLineFactory)
    rate = Decimal("17.5")
    law = factory.LazyFunction(lambda: FinanceLaw.objects.get(code="BASE"))
    valid_from = dt.date(2000, 7, 1)
    valid_to = None


def line_with_rate(code: str, rate="17.5", *, flagged=False, description="Ligne de test") -> TariffLine:
    """A tariff line with an open-ended BASE DI rate (for goods the circulars give no DI for)."""
    line = TariffLineFactory(code=code, description=description, di_40_before_lfr_2020=flagged)
    DutyRateFactory(tariff_line=line, rate=Decimal(rate))
    return line
