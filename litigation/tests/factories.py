import datetime as dt

import factory
from django.core.files.base import ContentFile

from declarations.tests.factories import PartyFactory
from litigation import selectors
from litigation.models import Case, CaseDocument, CaseOffence, CaseParty, Offence, Settlement


class OffenceFactory(factory.django.DjangoModelFactory):
    """A made-up offence (article 900+) for tests of the catalogue rules; real ones come
    from litigation/data/offences.csv, loaded in the test database."""

    class Meta:
        model = Offence

    article = factory.Sequence(lambda n: str(900 + n))
    paragraph = "1°"
    offence_class = Offence.OffenceClass.CONTRAVENTION_4
    label_fr = "Infraction de test"
    penalty_article = factory.LazyAttribute(lambda o: f"{o.article} bis")
    fine_basis = Offence.FineBasis.FIXED_RANGE
    fine_min = 500
    fine_max = 2500
    valid_from = dt.date(2022, 1, 1)
    source = "test"


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    reference = factory.Sequence(lambda n: f"CTX-2024-{n:04d}")
    office = "Casablanca-Port (300)"
    facts_date = dt.date(2024, 3, 1)


class CaseOffenceFactory(factory.django.DjangoModelFactory):
    """``CaseOffenceFactory(case=…, offence=charge_version("281", "1°"))``."""

    class Meta:
        model = CaseOffence

    case = factory.SubFactory(CaseFactory)
    offence = factory.LazyFunction(lambda: charge_version("299"))


class CasePartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseParty

    case = factory.SubFactory(CaseFactory)
    party = factory.SubFactory(PartyFactory, name=factory.Sequence(lambda n: f"Société Import {n} SARL"))
    role = CaseParty.Role.OFFENDER


class CaseDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CaseDocument

    case = factory.SubFactory(CaseFactory)
    title = "Procès-verbal de saisie"
    kind = CaseDocument.Kind.REPORT
    file = factory.LazyFunction(lambda: ContentFile(b"%PDF-1.4 test", name="pv.pdf"))
    document_date = dt.date(2024, 3, 1)


class SettlementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Settlement

    case = factory.SubFactory(CaseFactory, status=Case.Status.SETTLED)
    settlement_date = dt.date(2024, 6, 1)


def charge_version(article: str, paragraph: str = "", variant: str = "") -> Offence:
    """The latest catalogue version of an offence."""
    return selectors.offence_versions(article=article, paragraph=paragraph, variant=variant)[-1]


def case_with(article: str, paragraph: str = "", variant: str = "", **case_fields) -> Case:
    """A case charged with one catalogue offence."""
    case = CaseFactory(**case_fields)
    CaseOffenceFactory(case=case, offence=charge_version(article, paragraph, variant))
    return case
