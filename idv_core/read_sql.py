"""
The read path's SQL: what ``idv_core.api``'s ``is_user_verified``, ``get_user_verification_status`` and
``get_verified_user_ids`` ask of ``VerificationAttempt``'s table, and the lookups of one attempt by id and by
the provider's reference (every vendor callback makes them), run on a cursor.

Building and compiling a queryset costs several times the indexed query itself, so the statements are
built once per database vendor, from the model's own table and column names (they follow the
migrations), and then only executed. Parameters are adapted and results converted by the connection's
own operations, as the ORM does, so every answer is the ORM's on SQLite, MySQL/MariaDB and PostgreSQL
(tests/core/test_read_sql.py compares them on random data; the integration suite on MariaDB and
PostgreSQL).

The write path's hottest statements are built the same way (:func:`lock_attempt`, :func:`user_by_id`,
:func:`advance_events_sent`): every status change makes them, and a webhook's or a bulk import's rate is
bound by them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from idv_core import rows
from idv_core.data import VerificationAttemptRecord
from idv_core.models import VerificationAttempt
from idv_core.rows import Column, column_of
from idv_core.statuses import VerificationAttemptStatus

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

#: One attempt as the status summary reads it: id, status, expiration, hidden from the user.
AttemptRow = tuple[int, str, datetime | None, bool]

_APPROVED = VerificationAttemptStatus.APPROVED.value
# The range of the id column (a BigAutoField).
_ID_MIN, _ID_MAX = -(2**63), 2**63 - 1
_RECORD_FIELDS = (
    "id",
    "user",
    "name",
    "status",
    "provider",
    "external_id",
    "expiration_datetime",
    "hide_status_from_user",
    "created",
    "modified",
    "platform_attempt_id",
)


@dataclass(frozen=True)
class _Statements:
    """The read path's statements for one database vendor."""

    is_verified: str
    attempts_of_user: str
    expiration: Column
    hidden: Column
    # The bulk statements end with an IN list whose length varies: see _in_list().
    verified_among: str
    mirrored_approved_among: str
    # One whole attempt (the columns of _RECORD_FIELDS), by id and by (provider, external_id).
    attempt_by_id: str
    attempt_by_external_id: str
    attempts_named_by_event: str
    record_columns: tuple[Column, ...]


@functools.cache
def _statements(vendor: str, connection_alias: str) -> _Statements:
    # Keyed by vendor (the alias only says which connection to read the quoting and converters from).
    connection = connections[connection_alias]
    meta = VerificationAttempt._meta
    table = connection.ops.quote_name(meta.db_table)

    def name(field_name: str) -> str:
        return connection.ops.quote_name(meta.get_field(field_name).column)

    pk, user, status = connection.ops.quote_name(meta.pk.column), name("user"), name("status")
    expiration = column_of(connection, meta.get_field("expiration_datetime"))
    platform = name("platform_attempt_id")
    record_columns = tuple(column_of(connection, meta.get_field(field)) for field in _RECORD_FIELDS)
    record = f"SELECT {', '.join(column.name for column in record_columns)} FROM {table} WHERE "  # noqa: S608
    # Identifiers only, quoted by the connection; every value is a parameter (hence the noqa: S608).
    current = f"{status} = %s AND ({expiration.name} IS NULL OR {expiration.name} > %s)"
    return _Statements(
        is_verified=f"SELECT 1 FROM {table} WHERE {user} = %s AND {current} LIMIT 1",  # noqa: S608
        attempts_of_user=(
            f"SELECT {pk}, {status}, {expiration.name}, {name('hide_status_from_user')} "  # noqa: S608
            f"FROM {table} WHERE {user} = %s ORDER BY {pk} DESC"
        ),
        expiration=expiration,
        hidden=column_of(connection, meta.get_field("hide_status_from_user")),
        verified_among=f"SELECT DISTINCT {user} FROM {table} WHERE {current} AND {user} IN ",  # noqa: S608
        mirrored_approved_among=(
            f"SELECT DISTINCT {user} FROM {table} WHERE {status} = %s "  # noqa: S608
            f"AND {platform} IS NOT NULL AND {user} IN "
        ),
        attempt_by_id=f"{record}{pk} = %s",
        attempt_by_external_id=f"{record}{name('provider')} = %s AND {name('external_id')} = %s",
        attempts_named_by_event=f"{record}{platform} = %s OR ({pk} = %s AND {platform} IS NULL)",
        record_columns=record_columns,
    )


@functools.lru_cache(maxsize=64)
def _in_list(length: int) -> str:
    return f"({', '.join(['%s'] * length)})"


def _connection() -> tuple[BaseDatabaseWrapper, _Statements]:
    alias = rows.alias_for(VerificationAttempt, write=False)
    connection = connections[alias]
    return connection, _statements(connection.vendor, alias)


def user_has_current_approval(user_id: int, now: datetime) -> bool:
    """Whether the user has an approved attempt that has not expired at ``now`` (hidden ones count)."""
    connection, statements = _connection()
    with connection.cursor() as cursor:
        cursor.execute(
            statements.is_verified, (user_id, _APPROVED, connection.ops.adapt_datetimefield_value(now))
        )
        return cursor.fetchone() is not None


def user_attempt_rows(user_id: int) -> list[AttemptRow]:
    """The user's attempts, newest first: (id, status, expiration, hidden from the user)."""
    connection, statements = _connection()
    expiration, hidden = statements.expiration, statements.hidden
    with connection.cursor() as cursor:
        cursor.execute(statements.attempts_of_user, (user_id,))
        return [
            (pk, status, expiration.convert(expires, connection), hidden.convert(hide, connection))
            for pk, status, expires, hide in cursor.fetchall()
        ]


def verified_user_ids_among(user_ids: Sequence[int], now: datetime) -> set[int]:
    """Which of ``user_ids`` (one chunk: a single query) have an approved attempt unexpired at ``now``."""
    if not user_ids:
        return set()
    connection, statements = _connection()
    with connection.cursor() as cursor:
        cursor.execute(
            statements.verified_among + _in_list(len(user_ids)),
            (_APPROVED, connection.ops.adapt_datetimefield_value(now), *user_ids),
        )
        return {row[0] for row in cursor.fetchall()}


def mirrored_approved_user_ids_among(user_ids: Sequence[int]) -> set[int]:
    """Which of ``user_ids`` (one chunk) have an approved attempt mirrored into the platform (expired too)."""
    if not user_ids:
        return set()
    connection, statements = _connection()
    with connection.cursor() as cursor:
        cursor.execute(statements.mirrored_approved_among + _in_list(len(user_ids)), (_APPROVED, *user_ids))
        return {row[0] for row in cursor.fetchall()}


def _records(sql: str, params: tuple[Any, ...]) -> list[VerificationAttemptRecord]:
    connection, statements = _connection()
    with connection.cursor() as cursor:
        cursor.execute(getattr(statements, sql), params)
        rows = cursor.fetchall()
    return [_to_record(row, statements.record_columns, connection) for row in rows]


def _to_record(
    row: tuple, columns: tuple[Column, ...], connection: BaseDatabaseWrapper
) -> VerificationAttemptRecord:
    values = [column.convert(value, connection) for column, value in zip(columns, row, strict=True)]
    pk, user_id, name, status, provider, external_id, expiration, hidden, created, modified, platform_id = (
        values
    )
    return VerificationAttemptRecord(
        id=pk,
        user_id=user_id,
        name=name,
        status=VerificationAttemptStatus(status),
        provider=provider,
        external_id=external_id or "",
        expiration_datetime=expiration,
        hide_status_from_user=hidden,
        created=created,
        modified=modified,
        platform_attempt_id=platform_id,
    )


def _one(sql: str, params: tuple[Any, ...]) -> VerificationAttemptRecord | None:
    found = _records(sql, params)
    return found[0] if found else None


def attempt_by_id(attempt_id: int) -> VerificationAttemptRecord | None:
    """The attempt with id ``attempt_id``, or None."""
    if not _ID_MIN <= attempt_id <= _ID_MAX:  # no such id (and SQLite cannot even bind it), as the ORM says
        return None
    return _one("attempt_by_id", (attempt_id,))


def attempt_by_external_id(provider: str, external_id: str) -> VerificationAttemptRecord | None:
    """The attempt ``provider`` knows by ``external_id``, or None."""
    return _one("attempt_by_external_id", (provider, external_id))


def attempts_named_by_event(attempt_id: int) -> list[VerificationAttemptRecord]:
    """The attempt the platform's row ``attempt_id`` mirrors, and the unmirrored attempt with that id."""
    if not _ID_MIN <= attempt_id <= _ID_MAX:
        return []
    return _records("attempts_named_by_event", (attempt_id, attempt_id))


# --- write path ---------------------------------------------------------------------------------------


def lock_attempt(attempt_id: int) -> VerificationAttempt | None:
    """
    ``VerificationAttempt.objects.select_for_update().get(pk=attempt_id)``, or None: in a transaction.

    The row stays locked until the caller's transaction ends.
    """
    if not _ID_MIN <= attempt_id <= _ID_MAX:
        return None
    # Outside a transaction it raises TransactionManagementError, as the ORM does.
    return rows.get_row(VerificationAttempt, for_update=True, id=attempt_id)


def user_by_id(user_id: int) -> AbstractBaseUser | None:
    """The user model's row ``user_id`` (``get_user_model().objects.get(pk=...)``), or None."""
    user_model = get_user_model()
    return rows.get_row(user_model, pk=user_id)


@functools.cache
def _advance_events_sent_sql(vendor: str, connection_alias: str) -> str:
    connection = connections[connection_alias]
    meta = VerificationAttempt._meta
    sent = connection.ops.quote_name(meta.get_field("events_sent_sequence").column)
    return (
        f"UPDATE {connection.ops.quote_name(meta.db_table)} SET {sent} = %s "  # noqa: S608 -- identifiers
        f"WHERE {connection.ops.quote_name(meta.pk.column)} = %s AND {sent} < %s"
    )


def advance_events_sent(attempt_id: int, first: int, last: int) -> int:
    """
    Mark the attempt's events up to ``last`` as sent, unless one numbered ``first`` or later already was.

    ``VerificationAttempt.objects.filter(pk=attempt_id, events_sent_sequence__lt=first)
    .update(events_sent_sequence=last)``: returns how many rows changed (0 or 1). On MySQL/MariaDB and
    PostgreSQL the UPDATE locks the row until the caller's transaction ends.
    """
    alias = rows.alias_for(VerificationAttempt, write=True)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(_advance_events_sent_sql(connection.vendor, alias), (last, attempt_id, first))
        return cursor.rowcount
