"""factory_boy factories and builders for the commitment ledger.

Factories build plain rows; ``domiciled_commitment`` goes through the services, so a test
starts from a state the rules themselves produced.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from declarations.models import Party
from declarations.parties import identifier_fields
from exchange import services
from exchange.models import Bank, BankUser, Commitment, Importer
from tariff.kit.roles import BANK_USER, BROKER_STAFF

D = Decimal
TODAY = dt.date(2025, 3, 10)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw")


class BankFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bank
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"bank-{n}")
    name = factory.LazyAttribute(lambda o: f"Banque {o.code}")


class ImporterFactory(factory.django.DjangoModelFactory):
    """An importer's Office des Changes profile on its own party (the operator record)."""

    class Meta:
        model = Importer

    class Params:
        kind = Party.Kind.COMPANY
        name = factory.Sequence(lambda n: f"Importateur {n} SARL")
        id_number = factory.Sequence(lambda n: f"9{n:014d}")  # an ICE: 15 digits
        trade_register_number = factory.Sequence(lambda n: f"RC-{n}")

    party = factory.LazyAttribute(lambda o: Party.objects.create(
        name=o.name, kind=o.kind, trade_register_number=o.trade_register_number, **identifier_fields(o.id_number)
    ))


class NaturalPersonFactory(ImporterFactory):
    class Params:
        kind = Party.Kind.NATURAL_PERSON
        name = factory.Sequence(lambda n: f"Personne {n}")
        id_number = factory.Sequence(lambda n: f"CIN{n:08d}")
        trade_register_number = ""


class CommitmentFactory(factory.django.DjangoModelFactory):
    """A subscribed (not yet domiciled) commitment of 1,000,000 MAD with a 30 % contractual advance."""

    class Meta:
        model = Commitment

    number = factory.Sequence(lambda n: f"EI-2025-{n:06d}")
    importer = factory.SubFactory(ImporterFactory)
    bank = factory.SubFactory(BankFactory)
    currency = "MAD"
    subscribed_amount = D("1000000.00")
    total_import_value = factory.LazyAttribute(lambda o: o.subscribed_amount)
    goods_description = "Machines et pièces détachées"
    subscribed_on = TODAY
    contract_advance_rate = D("30")
    created_by = factory.SubFactory(UserFactory)


def with_role(user, *roles):
    user.groups.add(*Group.objects.filter(name__in=roles))
    return user


def bank_user_for(bank: Bank, username: str | None = None):
    user = with_role(UserFactory(username=username or f"agent-{bank.code}"), BANK_USER)
    BankUser.objects.create(user=user, bank=bank)
    return user


def broker(username: str = "broker-staff"):
    return with_role(UserFactory(username=username), BROKER_STAFF)


def domiciled_commitment(*, bank_user, **kwargs) -> Commitment:
    """A commitment at ``bank_user``'s bank, domiciled by that user through the service."""
    bank = bank_user.bank_profile.bank
    commitment = CommitmentFactory(bank=bank, **kwargs)
    return services.commitment_domiciliate(
        commitment=commitment, user=bank_user, contract_concordance_confirmed=True
    )


def pay(commitment: Commitment, user, kind: str, amount, **kwargs):
    """Pay through the service with test defaults (commitment currency, TODAY); returns the Payment."""
    kwargs.setdefault("currency", commitment.currency)
    kwargs.setdefault("on_date", TODAY)
    return services.commitment_pay(commitment=commitment, user=user, kind=kind, amount=D(amount), **kwargs).payment


def impute(commitment: Commitment, user, amount, **kwargs):
    kwargs.setdefault("currency", commitment.currency)
    kwargs.setdefault("on_date", TODAY)
    return services.commitment_record_imputation(commitment=commitment, user=user, amount=D(amount), **kwargs)
