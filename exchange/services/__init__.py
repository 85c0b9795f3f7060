"""Writes on the commitment ledger, one service per business action, grouped by entity.

Every service runs in one ``transaction.atomic()`` block, locks the commitment row
(``select_for_update``) before reading any total, asks ``exchange.rules`` whether the
action is allowed, runs ``full_clean()`` and saves. A refused action raises a
``DomainError`` with its code before anything is written (and the transaction rolls
back whatever was), so two concurrent payments can never together exceed a limit.
Amounts in another currency are converted with the customs exchange rates
(``tariff.services.convert_to_mad``) of the action's date.

Source of the rules: Office des Changes FAQ "engagements d'importation" (seed 002, DOMAIN.md §3),
cited by each module and by ``exchange.rules``.

- ``commitments``: subscription, domiciliation, imputations, the overshoot authorisation, modifications;
- ``payments``: the domiciliary bank's payments, one check per kind (the partner banks' hot path);
- ``carry_overs``: advances carried over to the replacing commitment;
- ``bank_changes``: the change of domiciliary bank;
- ``personal_imports``: natural persons' imports exempt from a commitment;
- ``importers``: the importer's profile on its party record;
- ``_common``: the lock, the acting bank, saving, status and change-feed rows they share.

Callers import the services from here (``from exchange import services``).
"""
from .bank_changes import (
    bank_change_accept,
    bank_change_record_settlements,
    bank_change_reject,
    commitment_request_bank_change,
)
from .carry_overs import commitment_carry_over_advances
from .commitments import (
    MODIFIABLE_FIELDS,
    commitment_create,
    commitment_domiciliate,
    commitment_modify,
    commitment_record_imputation,
    commitment_record_oc_authorisation,
    modification_reject,
    modification_validate,
)
from .importers import IMPORTER_PROFILE_FIELDS, importer_register
from .payments import PaymentAsked, PaymentResult, commitment_pay
from .personal_imports import personal_import_check

__all__ = [
    "IMPORTER_PROFILE_FIELDS",
    "MODIFIABLE_FIELDS",
    "PaymentAsked",
    "PaymentResult",
    "bank_change_accept",
    "bank_change_record_settlements",
    "bank_change_reject",
    "commitment_carry_over_advances",
    "commitment_create",
    "commitment_domiciliate",
    "commitment_modify",
    "commitment_pay",
    "commitment_record_imputation",
    "commitment_record_oc_authorisation",
    "commitment_request_bank_change",
    "importer_register",
    "modification_reject",
    "modification_validate",
    "personal_import_check",
]
