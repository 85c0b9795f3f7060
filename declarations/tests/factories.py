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


PET_FOOD = "2309100000"


def liquidated_pet_food(on: dt.date = dt.date(2025, 3, 1)):
    """A liquidated declaration of 10,800 MAD of pet food (DI 17.5 % in 2025)."""
    from declarations.services import declaration_liquidate, declaration_register

    declaration = make_declaration(articles=[article("2309.10.00.00", value="1000")])
    declaration_register(declaration=declaration, on_date=on)
    declaration_liquidate(declaration=declaration)
    return declaration


def pet_food_draft_law(tag: str):
    """A draft law taking pet food's DI from 17.5 % to 10 % from 2025-01-01: on 10,800 MAD,
    DI −810 and VAT −162, −972 MAD a declaration."""
    from tariff.models import DraftRateChange, FinanceLaw, TariffLine

    law = FinanceLaw.objects.create(code=f"LF-{tag}-25", number=f"{tag}-25", title=f"Loi de test ({tag})",
                                    effective_date=dt.date(2025, 1, 1), status=FinanceLaw.Status.DRAFT)
    DraftRateChange.objects.create(law=law, kind="DI", tariff_line=TariffLine.objects.get(code=PET_FOOD),
                                   rate=Decimal("10"), valid_from=dt.date(2025, 1, 1))
    return law


def pay(declaration, *, on: dt.date | None = None, reference: str = "QUIT-TEST"):
    """Record the payment of the liquidation in force, for its exact total."""
    from django.utils import timezone

    from declarations.services import declaration_record_payment

    total = declaration.liquidations.get(is_current=True).total
    return declaration_record_payment(declaration=declaration, paid_on=on or timezone.localdate(), amount=total,
                                      means="e_payment", reference=reference)


# What every valuation with the shipped sample EUR rate says (tariff/data/exchange_rates.csv).
SAMPLE_EUR_RATE_WARNING = "Cours EUR utilisé : cours d'exemple (10,800000 MAD), pas un cours douanier publié."
