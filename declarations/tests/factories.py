import datetime as dt
from decimal import Decimal

import factory

from declarations.models import Party, ProcedureCode
from declarations.services import declaration_create, etpp_authorisation_create


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party

    name = factory.Sequence(lambda n: f"Société test {n} SARL")
    ice = factory.Sequence(lambda n: f"{n:015d}")


def procedure(code: str) -> ProcedureCode:
    return ProcedureCode.objects.get(code=code)


def article(code="2309.10.00.00", value="1000", quantity="100", **extra) -> dict:
    data = {"tariff_code": code, "origin_country": "FR", "description": "Marchandise", "invoiced_value": Decimal(value),
            "quantity": Decimal(quantity), "unit": "kg", "net_mass_kg": Decimal(quantity)}
    data.update(extra)
    return data


_counter = iter(range(1, 10**9))


def make_declaration(*, articles=None, procedure_code="010", party=None, invoice_total=None, currency="EUR",
                     freight="0", insurance="0", **extra):
    articles = articles if articles is not None else [article()]
    total = invoice_total if invoice_total is not None else sum(Decimal(a["invoiced_value"]) for a in articles)
    return declaration_create(
        reference=f"DUM-T-{next(_counter)}", customs_office="309 Casablanca-Port", procedure=procedure(procedure_code),
        party=party or PartyFactory(), invoice_currency=currency, invoice_total=Decimal(total), articles=articles,
        freight_amount=None if freight is None else Decimal(freight),
        insurance_amount=None if insurance is None else Decimal(insurance), **extra,
    )


def make_etpp_authorisation(*, exporter, code="6109.10.00.00", quantity="1000", issued=True, **extra):
    return etpp_authorisation_create(
        number=extra.pop("number", f"ETPP-{next(_counter)}"), department="industry_trade", exporter=exporter,
        requested_on=dt.date(2025, 8, 1), items=[{"tariff_code": code, "quantity": quantity, "unit": "kg"}],
        issued_on=dt.date(2025, 8, 20) if issued else None, valid_from=dt.date(2025, 8, 20) if issued else None,
        valid_to=dt.date(2026, 12, 31) if issued else None, **extra,
    )
