"""Importers: the Office des Changes profile of the one party record (issue 17 point 3, issue 20),
the operator the office's declarations name too."""
from __future__ import annotations

from django.db import transaction

from declarations.parties import party_get_or_create, party_update

from .. import rules
from ..models import Importer

IMPORTER_PROFILE_FIELDS = (
    "is_resident", "is_aeronautics_registered", "is_oc_categorised", "is_exporter_with_fx_account",
    "fx_account_available_balance", "fx_account_currency",
)


def importer_register(
    *, name: str, id_number: str, kind: str | None = None, trade_register_number: str = "",
    importer: Importer | None = None, **profile,
) -> Importer:
    """Create (``importer`` None) or update an importer's profile. Its identity is the party the
    ICE / CIN names — the same record the office's declarations name — created if the office does
    not know it yet; a party has one profile."""
    unknown = set(profile) - set(IMPORTER_PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown importer profile fields: {sorted(unknown)}")
    with transaction.atomic():
        if importer is None:
            party = party_get_or_create(name=name, identifier=id_number, kind=kind,
                                        trade_register_number=trade_register_number, update=True)
            if Importer.objects.filter(party=party).exists():
                raise rules.refuse(rules.ImporterAlreadyRegistered,
                                   f"L'opérateur {party.name} ({party.identifier}) a déjà un profil d'importateur.")
            importer = Importer(party=party)
        else:
            importer = Importer.objects.select_for_update().select_related("party").get(pk=importer.pk)
            party_update(party=importer.party, name=name, identifier=id_number, kind=kind,
                         trade_register_number=trade_register_number)
        for field, value in profile.items():
            setattr(importer, field, value)
        importer.full_clean()
        importer.save()
        return importer
