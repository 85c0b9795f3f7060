"""The one party record: finding a company or a person by the identifier people type, and
creating it once (issue 20 / 17: one record per company, identified by ICE or CIN).

Declarations, import commitments (``exchange.Importer``, the Office des Changes profile) and
litigation cases all name a :class:`~declarations.models.Party` through these functions.
"""
from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.db.models import Q

from tariff.kit.errors import DomainError

from .models import ICE_PATTERN, Party

_SPACES = re.compile(r"[\s.\-]+")


class PartyIdentifierConflict(DomainError):
    """L'ICE ou la CIN de l'opérateur manque, ou c'est déjà celui d'un autre opérateur."""

    code = "party_identifier_conflict"


def normalise_identifier(value: str) -> str:
    """``001 234 567 000 089`` → ``001234567000089``; ``ab 123456`` → ``AB123456``."""
    return _SPACES.sub("", (value or "").strip()).upper()


def identifier_fields(identifier: str) -> dict[str, str]:
    """Where an identifier goes on the party: 15 digits are an ICE, anything else a CIN / residence
    card (the national identifier of a natural person)."""
    identifier = normalise_identifier(identifier)
    if not identifier:
        return {}
    if re.match(ICE_PATTERN, identifier):
        return {"ice": identifier}
    return {"national_id": identifier}


def party_matches(term: str, path: str = "") -> Q:
    """The filter people search an operator by: part of its name, ICE or CIN; ``path`` leads to
    the party from the model filtered (``importer__party__``, ``declaration__party__``)."""
    return (Q(**{f"{path}name__icontains": term}) | Q(**{f"{path}ice__icontains": term})
            | Q(**{f"{path}national_id__icontains": term}))


def party_by_identifier(identifier: str) -> Party | None:
    """The party an ICE or a CIN / residence card names, if the office knows it."""
    fields = identifier_fields(identifier)
    if not fields:
        return None
    return Party.objects.filter(**fields).first()


@transaction.atomic  # the lock below holds until the caller's transaction ends, or this one's
def party_get_or_create(
    *, name: str, identifier: str = "", kind: str | None = None, trade_register_number: str = "",
    address: str = "", update: bool = False,
) -> Party:
    """The party with this identifier, created if the office does not know it yet.

    Without an identifier a new party is created each time (a name alone identifies nobody).
    ``update``: an existing party takes the name, kind, trade register and address given (the
    importer register of the Office des Changes profile keeps them current); otherwise only blank
    fields are filled in.
    """
    fields = identifier_fields(identifier)
    kind = kind or (Party.Kind.COMPANY if "ice" in fields or not fields else Party.Kind.NATURAL_PERSON)
    given = {"name": name.strip(), "kind": kind, "trade_register_number": trade_register_number.strip(),
             "address": address.strip()}
    party = Party.objects.select_for_update().filter(**fields).first() if fields else None
    if party is None:
        party = Party(**fields, **given)
        party.full_clean()
        try:
            with transaction.atomic():
                party.save()
        except IntegrityError as exc:  # created meanwhile by a concurrent request
            existing = party_by_identifier(identifier)
            if existing is None:
                raise PartyIdentifierConflict(
                    f"L'identifiant {identifier} est déjà enregistré.", field="identifier") from exc
            party = existing
        return party
    changed = [
        name_ for name_, value in given.items()
        if value and getattr(party, name_) != value and (update or not getattr(party, name_))
    ]
    for name_ in changed:
        setattr(party, name_, given[name_])
    if changed:
        party.full_clean()
        party.save(update_fields=changed)
    return party


def party_update(
    *, party: Party, name: str, identifier: str, kind: str | None = None, trade_register_number: str = "",
) -> Party:
    """Correct a party's name, identifier, kind or trade register (one record: every declaration,
    commitment and case naming it sees the correction)."""
    fields = identifier_fields(identifier)
    if not fields:
        raise PartyIdentifierConflict("L'ICE ou la CIN de l'opérateur est obligatoire.", field="id_number")
    if Party.objects.filter(**fields).exclude(pk=party.pk).exists():
        raise PartyIdentifierConflict(
            f"L'identifiant {normalise_identifier(identifier)} est déjà celui d'un autre opérateur.", field="id_number")
    party.name = name.strip() or party.name
    party.kind = kind or party.kind
    party.trade_register_number = trade_register_number.strip()
    for field, value in fields.items():  # the ICE or the CIN given replaces that one, the other stays
        setattr(party, field, value)
    party.full_clean()
    party.save()
    return party
