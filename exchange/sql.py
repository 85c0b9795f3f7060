"""Exchange's hand-written SQL, in one place: the statements of the partner-bank API's hot paths
(issue 4: p95 < 50 ms at 200 req/s on two cores), where the ORM cost more CPU compiling its
statements than PostgreSQL running them.

- the payment (``services.payments.commitment_pay``): ``payment_lock_sql`` and
  ``payment_context_statement``, sent together in one round trip;
- the ledger totals (``selectors.commitment_totals``): ``ledger_sql``;
- a bank's commitment list (``selectors.BankCommitmentRows``, ``GET /api/v1/commitments/``):
  ``bank_commitment_count_sql`` and ``bank_commitment_page_sql``;
- the token authentication (``api.authentication.BankTokenAuthentication``): ``token_sql``.

Only the statement text lives here (and the ``RowReader`` of the columns it selects): each is
built once (per database vendor) from the models' ``_meta``, so a renamed column or a new field
follows the model. The callers run them through a cursor or ``tariff.kit.sql.run_together`` and
read the rows. ``exchange/tests/test_sql.py`` compares each statement's result with the ORM's on
the same rows, on SQLite and PostgreSQL.
"""
from __future__ import annotations

from functools import lru_cache

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections

from declarations.models import Party
from tariff.kit.sql import RowReader

from .models import AdvanceCarryOver, Bank, BankChange, Commitment, Importer, Imputation, Payment

# --- the payment: lock and ledger read ----------------------------------------------------------

COMMITMENT_ROW = RowReader(Commitment)
IMPORTER_ROW = RowReader(Importer)


@lru_cache(maxsize=None)
def payment_lock_sql() -> str:
    """``commitment_pay``'s lock (parameter: the commitment id): the commitment row locked until
    the end of the transaction, read with its importer (``COMMITMENT_ROW`` then ``IMPORTER_ROW``;
    no row: no such commitment). Hand-written lock statement: the ORM's cost more CPU to compile
    than PostgreSQL to run it. Sent with ``payment_context_statement`` in one round trip
    (``tariff.kit.sql.run_together``: psycopg's pipeline mode): the read runs once the row lock is
    granted, so it sees every payment committed before. ``FOR UPDATE OF c`` locks the commitment
    only, not the importer; SQLite has no ``FOR UPDATE`` (it writes one transaction at a time)."""
    lock = " FOR UPDATE OF c" if connections[DEFAULT_DB_ALIAS].features.has_select_for_update_of else ""
    return (
        f"SELECT {COMMITMENT_ROW.columns('c')}, {IMPORTER_ROW.columns('i')} FROM {Commitment._meta.db_table} c "
        f"JOIN {Importer._meta.db_table} i ON i.id = c.importer_id WHERE c.id = %s{lock}"
    )


@lru_cache(maxsize=None)
def ledger_sql() -> str:
    """A commitment's ledger sums in one statement (parameter ``id``): rows ``(source, kind,
    reason, amount, amount_mad)`` — payments by kind and reason, imputations by kind, advances
    carried out and in — folded by ``selectors._fold_totals`` into ``CommitmentTotals``. Read
    under the commitment's row lock on every payment, imputation, carry-over and modification
    (``selectors.commitment_totals``), and as the start of ``payment_context_sql``."""
    payment, imputation = Payment._meta.db_table, Imputation._meta.db_table
    carry = AdvanceCarryOver._meta.db_table
    return f"""
        SELECT 'payment', kind, reason, SUM(amount_in_commitment_currency), SUM(amount_mad)
          FROM {payment} WHERE commitment_id = %(id)s GROUP BY kind, reason
        UNION ALL
        SELECT 'imputed', kind, '', SUM(amount_in_commitment_currency), 0 FROM {imputation}
         WHERE commitment_id = %(id)s GROUP BY kind
        UNION ALL
        SELECT 'carried_out', '', '', SUM(amount), 0 FROM {carry} WHERE source_id = %(id)s
        UNION ALL
        SELECT 'carried_in', '', '', SUM(amount_in_target_currency), 0 FROM {carry} WHERE target_id = %(id)s
    """


@lru_cache(maxsize=None)
def payment_context_sql() -> str:
    """``ledger_sql`` plus the payment ``bank`` already recorded under the idempotency ``key``
    (row ``'replayed'``: its id and commitment id) and the count of the commitment's pending bank
    changes whose settlements are recorded (row ``'bank_change_pending'``)."""
    return ledger_sql() + f"""
        UNION ALL
        SELECT 'replayed', '', '', id, commitment_id FROM {Payment._meta.db_table}
         WHERE bank_id = %(bank)s AND idempotency_key = %(key)s
        UNION ALL
        SELECT 'bank_change_pending', '', '', COUNT(*), 0 FROM {BankChange._meta.db_table}
         WHERE commitment_id = %(id)s AND status = %(requested)s AND settlements_recorded_at IS NOT NULL
    """


def payment_context_statement(
    *, commitment_id: int, idempotency_key: str | None, bank_id: int | None
) -> tuple[str, dict]:
    """``(sql, params)`` of the one read a payment decides on: the ledger totals, the payment
    ``bank_id`` already recorded under ``idempotency_key`` (a key is the bank's own) and whether a
    bank change is pending (the payment service sends it with its row lock, and reads the rows
    with ``selectors.payment_context_from``)."""
    params = {
        "id": commitment_id, "key": idempotency_key or None, "bank": bank_id,
        "requested": BankChange.Status.REQUESTED,
    }
    return payment_context_sql(), params


# --- a bank's commitment list ------------------------------------------------------------------

# Columns of a list row (``values()`` names), read by the bank API's list.
COMMITMENT_LIST_COLUMNS = (
    "id", "number", "importer_id", "importer__party__name", "bank__code", "currency", "subscribed_amount",
    "total_import_value", "goods_description", "subscribed_on", "payment_method", "status",
    "domiciliation_confirmed_at",
)
LIST_OWN_COLUMNS = [name for name in COMMITMENT_LIST_COLUMNS if "__" not in name]
LIST_ROW = RowReader(Commitment, LIST_OWN_COLUMNS)


@lru_cache(maxsize=None)
def bank_commitment_count_sql() -> str:
    """How many commitments a bank has (parameter: the bank id): ``BankCommitmentRows.count()``."""
    return f"SELECT COUNT(*) FROM {Commitment._meta.db_table} WHERE bank_id = %s"


@lru_cache(maxsize=None)
def bank_commitment_page_sql() -> str:
    """One page of a bank's commitments (parameters: bank id, limit, offset), newest first like
    ``Commitment.Meta.ordering``: ``LIST_ROW`` then the importer's party name and the bank code
    (``BankCommitmentRows[start:stop]``). The partner banks' most frequent call (issue 4)."""
    return (
        f"SELECT {LIST_ROW.columns('c')}, p.name, b.code FROM {Commitment._meta.db_table} c "
        f"JOIN {Importer._meta.db_table} i ON i.id = c.importer_id JOIN {Party._meta.db_table} p ON p.id = i.party_id "
        f"JOIN {Bank._meta.db_table} b ON b.id = c.bank_id "
        f"WHERE c.bank_id = %s ORDER BY c.subscribed_on DESC, c.id DESC LIMIT %s OFFSET %s"
    )


# --- the token authentication ------------------------------------------------------------------

TOKEN_USER_FIELDS = ("id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email",
                     "is_staff", "is_active", "date_joined")


@lru_cache(maxsize=None)
def token_user_row() -> RowReader:
    """The user's columns of ``token_sql`` (``TOKEN_USER_FIELDS``), read as the ORM reads them:
    SQLite hands back timestamps without a time zone until the field's converter sets it."""
    return RowReader(get_user_model(), TOKEN_USER_FIELDS)


# The role names as one text: the aggregate is spelled differently by each database.
_GROUP_NAMES = {"postgresql": "string_agg(g.name, ',')", "sqlite": "group_concat(g.name, ',')"}


@lru_cache(maxsize=None)
def token_sql(vendor: str) -> str:
    """The token's user, its bank and its role names in one statement (parameter: the token key):
    ``TOKEN_USER_FIELDS``, then the bank's id, code and name (NULL for a user of no bank) and the
    comma-separated group names (``BankTokenAuthentication``). The ORM version of this read
    (select_related + one EXISTS per role) cost ~5 ms a request, half of it compiling the SQL and
    half PostgreSQL planning four subqueries; this is one plain query with a single aggregated
    subquery for the roles (~0.3 ms)."""
    user_model = get_user_model()
    user_table = user_model._meta.db_table
    columns = ", ".join(f'u."{user_model._meta.get_field(name).column}"' for name in TOKEN_USER_FIELDS)
    return (
        f"SELECT {columns}, b.id, b.code, b.name, "
        f"(SELECT {_GROUP_NAMES[vendor]} FROM auth_group g "
        f" JOIN {user_model.groups.through._meta.db_table} ug ON ug.group_id = g.id WHERE ug.user_id = u.id) "
        f"FROM authtoken_token t JOIN {user_table} u ON u.id = t.user_id "
        f"LEFT JOIN exchange_bankuser bu ON bu.user_id = u.id LEFT JOIN exchange_bank b ON b.id = bu.bank_id "
        f"WHERE t.key = %s"
    )
