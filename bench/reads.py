"""
``python -m bench.reads``: the read path against its limits, measured interleaved in the same run.

For each table size (``--sizes``, default 10,000, 100,000 and 1,000,000 attempts over as many users,
bulk-loaded with one INSERT ... SELECT per table, not measured) it times, interleaved, on one connection:
``is_user_verified`` and ``get_user_verification_status`` against one hand-written indexed SELECT each
(the limit), ``is_user_verified`` against edx-platform's way (four tables shaped and indexed like the
platform's, one ORM query each: bench.baseline) and against the ORM queryset the API used before,
``get_verified_user_ids`` of 100,000 ids against hand-written chunked SELECTs (with their queries and peak
memory), and the request cache's second read. ``--mysql``: the local MariaDB (database ``idv_bench``).
"""

# The benchmark builds SQL from identifiers and integers of its own; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import random
import sys
import tracemalloc
from datetime import datetime, timedelta
from types import ModuleType
from typing import Any

from bench.host import argument_parser, start_django
from bench.report import Figure, Table, at_least, at_most, interleaved, median_us, profile_top, reported

BULK_IDS = 100_000
CHUNK = 1000


def _parse() -> argparse.Namespace:
    parser = argument_parser("python -m bench.reads", __doc__)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="attempts per table, comma separated")
    parser.add_argument("--runs", type=int, default=3000, help="interleaved calls of each single read (3000)")
    parser.add_argument("--bulk-runs", type=int, default=7, help="interleaved bulk reads of 100,000 ids (7)")
    parser.add_argument("--out", help="also write the figures as JSON to this file")
    return parser.parse_args()


def _with_the_baseline(settings: ModuleType) -> None:
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "bench.baseline"]


# --- bulk loading (not measured) -----------------------------------------------------------------------


def _numbers(vendor: str, low: int, high: int) -> str:
    """A derived table of the integers low..high, column ``n``."""
    if vendor == "mysql":  # MariaDB's SEQUENCE engine
        return f"(SELECT seq AS n FROM seq_{int(low)}_to_{int(high)}) AS numbers"
    return (
        f"(WITH RECURSIVE numbers(n) AS (SELECT {int(low)} UNION ALL SELECT n + 1 FROM numbers "
        f"WHERE n < {int(high)}) SELECT n FROM numbers) AS numbers"
    )


def load(low: int, high: int, now: datetime) -> None:
    """
    Users low..high, one attempt each in our table and one in one of the four platform tables. Of the
    attempts: a sixth approved until next year, a sixth approved but expired, a sixth approved forever,
    then pending, denied and created; one in ten hidden from the learner.
    """
    from django.db import connection, transaction

    from bench.baseline import models as baseline
    from idv_core.models import VerificationAttempt

    vendor = connection.vendor
    numbers = _numbers(vendor, low, high)
    text = "CONCAT('bench', n)" if vendor == "mysql" else "'bench' || n"
    stamp = now.replace(tzinfo=None).isoformat(sep=" ")
    future = (now + timedelta(days=365)).replace(tzinfo=None).isoformat(sep=" ")
    past = (now - timedelta(days=30)).replace(tzinfo=None).isoformat(sep=" ")
    status = (
        "CASE WHEN n %% 6 IN (0, 1, 2) THEN 'approved' WHEN n %% 6 = 3 THEN 'pending' "
        "WHEN n %% 6 = 4 THEN 'denied' ELSE 'created' END"
    )
    expiration = "CASE n %% 6 WHEN 0 THEN %s WHEN 1 THEN %s ELSE NULL END"
    table = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table('auth_user')} (id, password, is_superuser, username, first_name, last_name, "
            f"email, is_staff, is_active, date_joined) SELECT n, '', %s, {text}, '', '', '', %s, %s, %s "
            f"FROM {numbers}",
            [False, False, True, stamp],
        )
        cursor.execute(
            f"INSERT INTO {table(VerificationAttempt._meta.db_table)} (user_id, name, status, "
            "expiration_datetime, hide_status_from_user, provider, created, modified, event_sequence, "
            "events_sent_sequence) "
            f"SELECT n, 'N', {status}, {expiration}, n %% 10 = 0, 'bench', %s, %s, 0, 0 FROM {numbers}",
            [future, past, stamp, stamp],
        )
        platform_status = status.replace("'pending'", "'submitted'")
        extra = {
            baseline.SoftwareSecurePhotoVerification: (
                ", receipt_id, face_image_url, photo_id_image_url, photo_id_key, reviewing_service, "
                "error_msg, error_code",
                ", " + text + ", '', '', '', '', '', ''",
            ),
            baseline.SSOVerification: (
                ", identity_provider_type, identity_provider_slug",
                ", 'saml', 'default'",
            ),
            baseline.ManualVerification: (", reason", ", ''"),
        }
        for index, model in enumerate(baseline.TABLES):
            if model is baseline.VerificationAttempt:
                columns, values, expiry_column = (
                    ", hide_status_from_user",
                    ", n %% 10 = 0",
                    "expiration_datetime",
                )
                model_status = status
            else:
                columns, values = extra[model]
                expiry_column, model_status = "expiration_date", platform_status
            cursor.execute(
                f"INSERT INTO {table(model._meta.db_table)} (status, status_changed, user_id, name, "
                f"created_at, updated_at, {expiry_column}{columns}) "
                f"SELECT {model_status}, %s, n, 'N', %s, %s, {expiration}{values} "
                f"FROM {numbers} WHERE n %% 4 = {index}",
                [stamp, stamp, stamp, future, past],
            )
    if vendor == "mysql":
        with connection.cursor() as cursor:
            for model in (VerificationAttempt, *baseline.TABLES):
                cursor.execute(f"ANALYZE TABLE {table(model._meta.db_table)}")
                cursor.fetchall()


# --- the limits: hand-written SQL on the same connection ------------------------------------------------


def _round_trip() -> None:
    """One ``SELECT 1`` on the benchmark's connection: what the machine charges for any statement."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _raw_reads() -> tuple[Any, Any, Any]:
    from django.db import connection
    from django.utils import timezone

    mysql = connection.vendor == "mysql"
    quote = "`" if mysql else '"'
    table = f"{quote}idv_core_verificationattempt{quote}"
    current = "status = 'approved' AND (expiration_datetime IS NULL OR expiration_datetime > %s)"
    verified_sql = f"SELECT 1 FROM {table} WHERE user_id = %s AND {current} LIMIT 1"
    status_sql = (
        f"SELECT id, status, expiration_datetime, hide_status_from_user FROM {table} WHERE user_id = %s "
        "ORDER BY id DESC"
    )

    def now() -> str:
        return str(timezone.now().replace(tzinfo=None))

    def verified(user_id: int) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(verified_sql, (user_id, now()))
            return cursor.fetchone() is not None

    def status_rows(user_id: int) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(status_sql, (user_id,))
            return cursor.fetchall()

    def verified_ids(user_ids: list[int]) -> set[int]:
        found: set[int] = set()
        moment = now()
        with connection.cursor() as cursor:
            for start in range(0, len(user_ids), CHUNK):
                chunk = user_ids[start : start + CHUNK]
                placeholders = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"SELECT DISTINCT user_id FROM {table} WHERE {current} AND user_id IN ({placeholders})",
                    (moment, *chunk),
                )
                found.update(row[0] for row in cursor.fetchall())
        return found

    return verified, status_rows, verified_ids


def _orm_is_user_verified(user_id: int) -> bool:
    # The API's read before issue 12: a queryset built and compiled on every call.
    from django.db.models import Q
    from django.utils import timezone

    from idv_core.models import VerificationAttempt

    return VerificationAttempt.objects.filter(
        Q(status="approved")
        & (Q(expiration_datetime__isnull=True) | Q(expiration_datetime__gt=timezone.now())),
        user_id=user_id,
    ).exists()


def _peak_kib(call: Any) -> tuple[float, Any]:
    tracemalloc.start()
    try:
        result = call()
        return tracemalloc.get_traced_memory()[1] / 1024, result
    finally:
        tracemalloc.stop()


def _serving_a_request() -> Any:
    # As Django's handlers mark a request, without closing the benchmark's connection.
    from idv_core.testing import serving_a_request

    return serving_a_request()


def measure(size: int, runs: int, bulk_runs: int, base: dict[str, float]) -> list[Figure]:
    """The figures at one table size; ``base`` keeps the first size's medians for the growth figures."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.baseline.models import user_is_verified as platform_way
    from idv_core import api

    raw_verified, raw_status, raw_ids = _raw_reads()
    picks = random.Random(size).choices(range(1, size + 1), k=runs)

    # Same answers before any timing.
    for user_id in picks[:200]:
        assert api.is_user_verified(user_id) is raw_verified(user_id) is _orm_is_user_verified(user_id)
    with CaptureQueriesContext(connection) as one:
        api.is_user_verified(picks[0])
    with CaptureQueriesContext(connection) as status_queries:
        api.get_user_verification_status(picks[0])

    # Each comparison interleaved on its own, so that the heavy alternatives do not run between the
    # light calls they are not compared with.
    timings = interleaved(
        {
            "ours": lambda i: api.is_user_verified(picks[i]),
            "raw": lambda i: raw_verified(picks[i]),
            "ours_status": lambda i: api.get_user_verification_status(picks[i]),
            "raw_status": lambda i: raw_status(picks[i]),
            "round_trip": lambda i: _round_trip(),
        },
        runs,
    )
    alternatives = interleaved(
        {
            "ours_again": lambda i: api.is_user_verified(picks[i]),
            "orm": lambda i: _orm_is_user_verified(picks[i]),
            "platform": lambda i: platform_way(picks[i]),
        },
        max(1, runs // 3),
    )
    timings.update(alternatives)
    med = {name: median_us(values) for name, values in timings.items()}
    label = f"{size:,} attempts"
    figures = [
        at_most(
            f"is_user_verified ({label}; {len(one)} query)", med["ours"], med["raw"], "us", "raw SELECT", 1.3
        ),
        at_most(
            f"get_user_verification_status ({label}; {len(status_queries)} query)",
            med["ours_status"],
            med["raw_status"],
            "us",
            "raw SELECT",
            1.3,
        ),
        at_least(
            f"is_user_verified vs the platform's 4 tables ({label})",
            med["ours_again"],
            med["platform"],
            "us",
            "4 ORM queries",
            10,
            note="ratio = how many times faster",
        ),
        reported(
            f"is_user_verified vs the ORM queryset before ({label})",
            med["ours_again"],
            med["orm"],
            "us",
            "ORM",
        ),
    ]
    base.setdefault("ours", med["ours"])
    base.setdefault("raw", med["raw"])
    base.setdefault("round_trip", med["round_trip"])
    base.setdefault("size", size)
    if size != base["size"]:
        # The sizes are measured minutes apart, and this machine's speed drifts between them (the same
        # statement took 195 us in one run and 298 in another): the growth is also given net of that drift,
        # each size's read divided by a ``SELECT 1`` round trip timed interleaved with it.
        drift = med["round_trip"] / base["round_trip"]
        figures += [
            reported(
                f"is_user_verified growth {int(base['size']):,} -> {size:,} rows",
                med["ours"],
                base["ours"],
                "us",
                f"at {int(base['size']):,}",
                note=(
                    f"raw SELECT over the same growth: {med['raw'] / base['raw']:.2f}x; a SELECT 1 round "
                    f"trip: {drift:.2f}x"
                ),
            ),
            at_most(
                "  the same net of the machine's drift (each / a SELECT 1 round trip)",
                med["ours"] / med["round_trip"],
                base["ours"] / base["round_trip"],
                "x",
                f"at {int(base['size']):,}",
                1.3,
            ),
        ]

    # A missed single-read target says where the time went.
    profiled = {
        "is_user_verified": api.is_user_verified,
        "get_user_verification_status": api.get_user_verification_status,
    }
    for figure in figures[:2]:
        read = figure.name.split(" ")[0]
        if figure.passed is False and read in profiled:
            top = profile_top(lambda i, read=profiled[read]: read(picks[i % len(picks)]), min(runs, 2000))
            figure.note = f"missed: {read}'s profile (pyinstrument, own time):\n{top}"

    # The request cache: the second read of a learner in a request.
    with _serving_a_request():
        cached = interleaved(
            {
                "cached": lambda i: api.get_user_verification_status(picks[0]),
                "raw": lambda i: raw_status(picks[0]),
            },
            min(runs, 1000),
        )
    figures.append(
        reported(
            "get_user_verification_status again in a request (0 queries)",
            median_us(cached["cached"]),
            median_us(cached["raw"]),
            "us",
            "raw SELECT",
        )
    )

    # The bulk read: 100,000 ids (those beyond the table are simply not verified).
    ids = list(range(1, BULK_IDS + 1))
    assert api.get_verified_user_ids(ids) == raw_ids(ids)
    with CaptureQueriesContext(connection) as bulk_queries:
        api.get_verified_user_ids(ids)
    bulk = interleaved(
        {"ours": lambda i: api.get_verified_user_ids(ids), "raw": lambda i: raw_ids(ids)}, bulk_runs
    )
    ours_kib, _ = _peak_kib(lambda: api.get_verified_user_ids(ids))
    raw_kib, _ = _peak_kib(lambda: raw_ids(ids))
    figures += [
        at_most(
            f"get_verified_user_ids, 100,000 ids ({label}; {len(bulk_queries)} queries)",
            median_us(bulk["ours"]) / 1000,
            median_us(bulk["raw"]) / 1000,
            "ms",
            "raw chunked",
            2,
        ),
        at_most(
            "  its queries per 1,000 ids",
            len(bulk_queries) / (BULK_IDS / CHUNK),
            1,
            "",
            "target",
            1,
        ),
        reported("  its peak memory (tracemalloc)", ours_kib, raw_kib, "KiB", "raw chunked"),
    ]
    return figures


def main() -> int:
    """Load each size in turn, measure, print the table (and write it as JSON with ``--out``)."""
    options = _parse()
    start_django(mysql=options.mysql, configure=_with_the_baseline)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("flush", interactive=False, verbosity=0)
    database = f"{connection.vendor} {connection.Database.__name__}"
    if connection.vendor == "mysql":
        database = (
            f"MariaDB {connection.mysql_server_info.split('-')[0]} ({connection.settings_dict['NAME']})"
        )
    else:
        database = f"SQLite {connection.Database.sqlite_version} (a file)"
    table = Table(database)
    now = timezone.now()
    base: dict[str, float] = {}
    loaded = 0
    for size in sorted(int(value) for value in options.sizes.split(",")):
        load(loaded + 1, size, now)
        loaded = size
        print(f"{database}: {size:,} attempts loaded; measuring", file=sys.stderr, flush=True)
        table.figures += measure(size, options.runs, options.bulk_runs, base)
    table.notes.append(
        f"{options.runs} interleaved calls per single read, {options.bulk_runs} per bulk read; medians; "
        "raw = hand-written SQL on the same Django connection (cursor, parameters, fetch)."
    )
    table.print()
    if options.out:
        table.save(options.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
