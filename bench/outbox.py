"""
``python -m bench.outbox``: what the event-bus outbox costs and how fast its relay empties it.

1. ``update_verification_attempt`` (pending -> approved) with and without the outbox, interleaved in the
   same run (one call with, one without, and so on), so that the ratio is not skewed by warm-up or drift.
2. Relay throughput: ``--events`` outbox records sent by ``OutboxRelay`` to the real Redis on
   127.0.0.1:6379 (db ``--redis-db``, a fresh topic prefix whose streams are deleted afterwards), in
   events per second, each confirmed by Redis and marked delivered in the database.

Needs the local Redis. Options: ``--repeat N`` (default 300), ``--events N`` (default 3000), ``--mysql``
(the local MariaDB instead of a SQLite file).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid

from bench.host import argument_parser, start_django


def _parse() -> argparse.Namespace:
    parser = argument_parser("python -m bench.outbox", __doc__)
    parser.add_argument("--repeat", type=int, default=300, help="updates timed each way (default 300)")
    parser.add_argument("--events", type=int, default=3000, help="events relayed to Redis (default 3000)")
    parser.add_argument("--redis-db", type=int, default=12, help="Redis db number to use (default 12)")
    return parser.parse_args()


def _median_ms(timings: list[float]) -> float:
    return statistics.median(timings) * 1000


def main() -> int:
    """Measure, print the table."""
    options = _parse()
    start_django(mysql=options.mysql)
    import redis
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection

    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    url = f"redis://127.0.0.1:6379/{options.redis_db}"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError as error:
        print(f"bench.outbox needs Redis on 127.0.0.1:6379 ({error}).", file=sys.stderr)
        return 2
    settings.EVENT_BUS_PRODUCER = "edx_event_bus_redis.create_producer"
    settings.EVENT_BUS_REDIS_CONNECTION_URL = url
    settings.EVENT_BUS_TOPIC_PREFIX = prefix
    settings.EVENT_BUS_REDIS_STREAM_MAX_LEN = max(10_000, options.events * 2)
    settings.EVENT_BUS_REDIS_AUDIT_LOGGING_ENABLED = False
    routes = {
        f"org.openedx.learning.idv_attempt.{status}.v1": {
            "learning-idv-attempt": {"event_key_field": "idv_attempt.user.id", "enabled": True}
        }
        for status in ("created", "pending", "approved", "denied")
    }

    from idv_core import api, outbox
    from idv_core.models import OutboxEvent, VerificationAttempt

    if options.mysql:  # a clean slate in the benchmark's database
        OutboxEvent.objects.all().delete()
        VerificationAttempt.history.all().delete()
        VerificationAttempt.objects.all().delete()
        get_user_model().objects.filter(username__startswith="bench").delete()
    user = get_user_model().objects.create(username=f"bench-outbox-{prefix}", email="bench@example.org")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; Redis {url}, prefix {prefix}")

    # 1. The outbox's cost on a status change, interleaved.
    timings: dict[bool, list[float]] = {False: [], True: []}
    for run in range(options.repeat * 2):
        with_outbox = run % 2 == 1
        settings.IDV_EVENT_BUS_PRODUCER_CONFIG = routes if with_outbox else {}
        attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending")
        begin = time.perf_counter()
        api.update_verification_attempt(attempt_id, status="approved")
        timings[with_outbox].append(time.perf_counter() - begin)
    without_ms, with_ms = _median_ms(timings[False]), _median_ms(timings[True])

    # 2. Relay throughput to the real Redis.
    settings.IDV_EVENT_BUS_PRODUCER_CONFIG = routes
    while OutboxEvent.objects.filter(delivered__isnull=True).count() < options.events:
        api.create_verification_attempt(user, "Ada Lovelace", "approved")
    pending = OutboxEvent.objects.filter(delivered__isnull=True).count()
    relay = outbox.OutboxRelay()
    begin = time.perf_counter()
    run = relay.deliver_pending()
    elapsed = time.perf_counter() - begin
    relay.release_lease()
    stream = f"{prefix}-learning-idv-attempt"
    in_redis = client.xlen(stream)
    for key in client.scan_iter(f"{prefix}-*"):
        client.delete(key)
    client.close()
    if run.bus_error or run.pending or in_redis != pending:
        print(f"relay failed: {run} ({in_redis} in Redis of {pending})", file=sys.stderr)
        return 1

    print()
    print(f"{'measure':58} {'value':>12}")
    print(f"{'update_verification_attempt, no outbox (median ms)':58} {without_ms:12.3f}")
    print(f"{'update_verification_attempt, outbox on (median ms)':58} {with_ms:12.3f}")
    print(f"{'outbox overhead ratio (with / without)':58} {with_ms / without_ms:12.2f}")
    print(f"{f'relay: {run.delivered} events to Redis (s)':58} {elapsed:12.2f}")
    print(f"{'relay throughput (events/s, confirmed and marked)':58} {run.delivered / elapsed:12.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
