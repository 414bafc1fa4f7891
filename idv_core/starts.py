"""
One open start per learner and provider: the lock that serializes a learner's starts with one provider,
and the rate limit on new starts (``IDV_START_RATE_LIMIT``).

Providers use it through ``idv_core.api`` (:func:`idv_core.api.get_or_create_open_attempt`,
:func:`idv_core.api.start_lock`) or ``IDVProvider.open_attempt``; see docs/decisions/0006.
"""

from __future__ import annotations

import contextlib
import math
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from django.db import connection
from django.utils import timezone

from idv_core.conf import idv_setting
from idv_core.exceptions import VerificationStartRateLimited
from idv_core.models import StartLock, VerificationAttempt

#: ``"<count>/<period>"``: the period a number of seconds, or a unit (s, m, h, d), or both ("5/10m").
RATE_PATTERN: Final = re.compile(r"^\s*(?P<count>\d+)\s*/\s*(?P<number>\d*)\s*(?P<unit>[smhd]?)\s*$")
UNIT_SECONDS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 1}
#: The longest period a rate may have (a year): longer ones are a typo, and overflow no date.
MAX_PERIOD_SECONDS: Final = 366 * 86400
#: On SQLite, starts are serialized by these in-process locks (a learner and provider hash to one).
_PROCESS_LOCKS: Final = tuple(threading.RLock() for _ in range(64))


@dataclass(frozen=True, slots=True)
class StartRate:
    """At most ``count`` new attempts per learner and provider in any ``period_seconds``."""

    count: int
    period_seconds: int


def parse_start_rate(value: object) -> StartRate | None:
    """
    Return the rate ``IDV_START_RATE_LIMIT`` describes, or None for no limit (the setting is None).

    Raises:
        ValueError: the value is not None nor a string such as ``"5/h"``, ``"20/d"`` or ``"3/10m"``
            (a count of at least 1, a period from 1 second to 366 days).
    """
    if value is None:
        return None
    match = RATE_PATTERN.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(
            f"IDV_START_RATE_LIMIT must be None or a rate such as '5/h' (count/period, the period in "
            f"seconds or with a unit s, m, h or d), not {value!r}."
        )
    count = int(match["count"])
    period = int(match["number"] or 1) * UNIT_SECONDS[match["unit"]]
    if count < 1 or not 1 <= period <= MAX_PERIOD_SECONDS:
        raise ValueError(
            f"IDV_START_RATE_LIMIT {value!r}: the count must be at least 1 and the period from 1 second "
            "to 366 days."
        )
    return StartRate(count=count, period_seconds=period)


def locks_rows() -> bool:
    """
    Whether the database locks rows (MySQL/MariaDB, PostgreSQL) rather than itself as a whole (SQLite).

    SQLite's only write lock is the whole database's: a start holding it during a vendor call would stop
    every other write of the site meanwhile (in the demo, the Persona simulator answering that very call).
    """
    return connection.vendor != "sqlite"


@contextlib.contextmanager
def process_lock(user_id: int, provider: str) -> Iterator[None]:
    """
    Serialize the starts of ``user_id`` with ``provider`` within this process: the start lock on SQLite,
    whose hosts (the demo, tests) run one process. Re-entrant, so a start may take it again inside.
    """
    with _PROCESS_LOCKS[hash((user_id, provider)) % len(_PROCESS_LOCKS)]:
        yield


def lock_starts(user_id: int, provider: str) -> None:
    """
    Take the learner's start lock for ``provider`` until the current transaction ends.

    An upsert: the row is created on the learner's first start, and in either case the statement holds
    the row's exclusive lock (MySQL's ``ON DUPLICATE KEY UPDATE`` locks the existing row; a plain INSERT
    then SELECT FOR UPDATE would take a shared lock on a duplicate first and deadlock among racing
    inserts). Must run inside a transaction.
    """
    now = timezone.now()
    unique_fields = (
        ["user_id", "provider"] if connection.features.supports_update_conflicts_with_target else None
    )
    StartLock.objects.bulk_create(
        [StartLock(user_id=user_id, provider=provider, last_start=now)],
        update_conflicts=True,
        unique_fields=unique_fields,
        update_fields=["last_start"],
    )
    # The upsert already holds the lock on MySQL and PostgreSQL; SQLite locks the whole database on write.
    # This locking read makes the lock explicit wherever select_for_update is supported.
    StartLock.objects.select_for_update().filter(user_id=user_id, provider=provider).exists()


def check_start_rate(user_id: int, provider: str, *, now: datetime) -> None:
    """
    Refuse a new attempt of ``user_id`` with ``provider`` when the learner already created
    ``IDV_START_RATE_LIMIT``'s count of them in the last period, as of ``now`` (the clock is the caller's).

    Counts the provider's attempts in our table (indexed by user): exact across processes, and, run under
    :func:`lock_starts`, exact between racing starts too.

    Raises:
        VerificationStartRateLimited: the limit is reached; ``retry_after`` says when the oldest counted
            attempt leaves the window.
    """
    rate = parse_start_rate(idv_setting("IDV_START_RATE_LIMIT"))
    if rate is None:
        return
    since = now - timedelta(seconds=rate.period_seconds)
    recent = list(
        VerificationAttempt.objects.filter(user_id=user_id, provider=provider, created__gt=since)
        .order_by("-created")
        .values_list("created", flat=True)[: rate.count]
    )
    if len(recent) < rate.count:
        return
    # The oldest of the newest ``count`` attempts: once it leaves the window, one more start is allowed.
    retry_after = (recent[-1] - since).total_seconds()
    raise VerificationStartRateLimited(
        provider=provider,
        limit=rate.count,
        period_seconds=rate.period_seconds,
        retry_after=max(1, math.ceil(retry_after)),
    )
