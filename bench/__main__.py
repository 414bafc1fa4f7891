"""
``make bench``: how many queries and how much time each idv_core API call takes.

Builds a population of users (a third verified, some expired, some pending), then times each call with
``time.perf_counter`` over repeated runs and counts its queries with ``CaptureQueriesContext``. Prints a
table (median and 95th percentile per call). Options: ``--users N`` (default 10,000), ``--repeat N``,
``--mysql`` (the local MariaDB instead of a SQLite file).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bench.host import argument_parser, start_django


def _parse() -> argparse.Namespace:
    parser = argument_parser("python -m bench", __doc__)
    parser.add_argument("--users", type=int, default=10_000, help="size of the population (default 10000)")
    parser.add_argument("--repeat", type=int, default=200, help="runs per single-user call (default 200)")
    return parser.parse_args()


def main() -> int:
    """Set up Django and the population, run every measurement, print the table."""
    options = _parse()
    start_django(mysql=options.mysql)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from idv_core import api
    from idv_core.models import VerificationAttempt

    if options.mysql:  # a clean slate in the benchmark's database
        VerificationAttempt.history.all().delete()
        VerificationAttempt.objects.all().delete()
        get_user_model().objects.filter(username__startswith="bench").delete()

    User = get_user_model()
    started = time.perf_counter()
    User.objects.bulk_create([User(username=f"bench{i}") for i in range(options.users)], batch_size=2000)
    user_ids = list(
        User.objects.filter(username__startswith="bench").order_by("pk").values_list("pk", flat=True)
    )
    future = datetime.now(tz=UTC) + timedelta(days=300)
    past = datetime.now(tz=UTC) - timedelta(days=3)
    attempts = []
    for index, user_id in enumerate(user_ids):
        if index % 3 == 0:
            attempts.append(
                VerificationAttempt(user_id=user_id, name="N", status="approved", expiration_datetime=future)
            )
        elif index % 3 == 1:
            attempts.append(
                VerificationAttempt(user_id=user_id, name="N", status="approved", expiration_datetime=past)
            )
            attempts.append(VerificationAttempt(user_id=user_id, name="N", status="pending"))
    VerificationAttempt.objects.bulk_create(attempts, batch_size=2000)
    elapsed = time.perf_counter() - started
    print(f"population: {len(user_ids)} users, {len(attempts)} attempts in {elapsed:.1f} s")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")

    users = list(User.objects.filter(pk__in=user_ids[:: max(1, len(user_ids) // options.repeat)]))
    rows: list[tuple[str, int, list[float]]] = []

    def measure(label: str, call: Callable[[int], object], runs: int) -> None:
        with CaptureQueriesContext(connection) as queries:
            call(0)
        timings = []
        for run in range(runs):
            begin = time.perf_counter()
            call(run)
            timings.append(time.perf_counter() - begin)
        rows.append((label, len(queries.captured_queries), timings))

    measure("is_user_verified", lambda i: api.is_user_verified(users[i % len(users)]), options.repeat)
    measure(
        "get_user_verification_status",
        lambda i: api.get_user_verification_status(users[i % len(users)]),
        options.repeat,
    )
    measure(f"get_verified_user_ids ({len(user_ids)} ids)", lambda i: api.get_verified_user_ids(user_ids), 10)
    created: list[int] = []
    measure(
        "create_verification_attempt",
        lambda i: created.append(
            api.create_verification_attempt(users[i % len(users)], "Ada Lovelace", "created")
        ),
        options.repeat,
    )
    measure(
        "update_verification_attempt (status)",
        lambda i: api.update_verification_attempt(created[i % len(created)], status="pending"),
        min(options.repeat, len(created)),
    )
    measure(
        "update_verification_attempt (no-op)",
        lambda i: api.update_verification_attempt(created[i % len(created)], status="pending"),
        options.repeat,
    )

    print()
    print(f"{'call':44} {'queries':>7} {'runs':>5} {'median ms':>10} {'p95 ms':>8} {'calls/s':>9}")
    for label, query_count, timings in rows:
        ordered = sorted(timings)
        median = statistics.median(ordered)
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        timing = f"{median * 1000:10.3f} {p95 * 1000:8.3f} {1 / median:9.0f}"
        print(f"{label:44} {query_count:7d} {len(ordered):5d} {timing}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
