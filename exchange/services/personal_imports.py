"""Imports of resident natural persons outside the trade register, exempt from a commitment.

Office des Changes FAQ "engagements d'importation" (seed 002, DOMAIN.md §3): souscription
obligatoire — not for those persons' imports up to 20,000 MAD a calendar year.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction

from tariff.kit.money import LOCAL_CURRENCY

from .. import rules, selectors
from ..limits import convert_amount
from ..models import Importer, PersonalImport
from ._common import positive, save


def personal_import_check(
    *, importer: Importer, user, amount, currency: str, on_date: dt.date, reference: str = ""
) -> PersonalImport:
    """Record an import exempt from a commitment (resident natural person outside the trade
    register), refused once the calendar year's total would exceed 20,000 MAD."""
    with transaction.atomic():
        person = Importer.objects.select_for_update().get(pk=importer.pk)
        amount = positive(amount)
        amount_mad = convert_amount(amount=amount, from_currency=currency, to_currency=LOCAL_CURRENCY, on_date=on_date)
        year_total = selectors.personal_import_year_total(importer_id=person.pk, year=on_date.year)
        rules.check_personal_exemption(
            is_natural_outside_register=person.is_natural_person_outside_trade_register,
            is_resident=person.is_resident,
            year_total_mad_after=year_total + amount_mad,
        )
        record = PersonalImport(
            importer=person,
            date=on_date,
            amount=amount,
            currency=currency,
            amount_mad=amount_mad,
            reference=reference,
            created_by=user,
        )
        record.full_clean()
        save(record, user)
        return record
