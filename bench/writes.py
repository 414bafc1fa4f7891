"""
``python -m bench.writes``: what a verification's writes cost against a bare ORM insert and update.

Times, interleaved in one run (one of each in turn): ``create_verification_attempt`` (pending) then
``update_verification_attempt`` to approved, through the API with its events (validation, the transaction,
the audit trail, the row lock, the after-commit signals); the same two writes as a bare ORM ``create()``
and ``save()`` of the row (the model's audit trail, no events); the API with the event-bus outbox on; and
the API with the platform mirror on (the tests' stand-in of the LMS's verify_student app). Options:
``--repeat N`` (default 300), ``--mysql`` (the local MariaDB), ``--out FILE`` (the figures as JSON).
"""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from types import ModuleType

from bench.host import argument_parser, start_django
from bench.platform_mirror import _with_the_platform
from bench.report import Table, at_least, interleaved, median_us, reported

ROUTES = {
    f"org.openedx.learning.idv_attempt.{status}.v1": {
        "learning-idv-attempt": {"event_key_field": "idv_attempt.user.id", "enabled": True}
    }
    for status in ("created", "pending", "approved", "denied")
}


def _parse() -> argparse.Namespace:
    parser = argument_parser("python -m bench.writes", __doc__)
    parser.add_argument("--repeat", type=int, default=300, help="create + update pairs timed each way (300)")
    parser.add_argument("--out", help="also write the figures as JSON to this file")
    return parser.parse_args()


def _configure(settings: ModuleType) -> None:
    _with_the_platform(settings)
    settings.IDV_PLATFORM_MIRROR = False


def main() -> int:
    """Measure, print the table (and write it as JSON with ``--out``)."""
    options = _parse()
    start_django(mysql=options.mysql, configure=_configure)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from idv_core import api
    from idv_core.models import VerificationAttempt

    user, _ = get_user_model().objects.get_or_create(username="bench-writes", email="bench@example.org")

    def through_the_api(_run: int) -> None:
        attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending")
        api.update_verification_attempt(attempt_id, status="approved")

    def bare_orm(_run: int) -> None:
        attempt = VerificationAttempt.objects.create(user=user, name="Ada Lovelace", status="pending")
        attempt.status = "approved"
        attempt.expiration_datetime = timezone.now() + timedelta(days=365)
        attempt.save(update_fields=["status", "expiration_datetime", "modified"])

    def configured(outbox: bool, mirror: bool):
        def call(run: int) -> None:
            settings.IDV_EVENT_BUS_PRODUCER_CONFIG = ROUTES if outbox else {}
            settings.IDV_PLATFORM_MIRROR = "auto" if mirror else False
            try:
                through_the_api(run)
            finally:
                settings.IDV_EVENT_BUS_PRODUCER_CONFIG = {}
                settings.IDV_PLATFORM_MIRROR = False

        return call

    calls = {
        "api": through_the_api,
        "orm": bare_orm,
        "outbox": configured(outbox=True, mirror=False),
        "mirror": configured(outbox=False, mirror=True),
    }
    queries = {}
    for name, call in calls.items():
        with CaptureQueriesContext(connection) as captured:
            call(0)
        queries[name] = len(captured)
    timings = interleaved(calls, options.repeat)
    med = {name: median_us(values) / 1000 for name, values in timings.items()}

    vendor = "MariaDB" if connection.vendor == "mysql" else "SQLite"
    table = Table(vendor)
    table.figures += [
        at_least(
            f"create + update to approved, with events ({queries['api']} queries)",
            med["api"],
            med["orm"],
            "ms",
            f"bare ORM ({queries['orm']} q)",
            0.5,
            note="ratio = our rate / the bare ORM's rate",
        ),
        reported(
            f"  the same with the event-bus outbox on ({queries['outbox']} queries)",
            med["outbox"],
            med["api"],
            "ms",
            "outbox off",
        ),
        reported(
            f"  the same with the platform mirror on ({queries['mirror']} queries)",
            med["mirror"],
            med["api"],
            "ms",
            "mirror off",
        ),
    ]
    table.notes.append(f"writes: {options.repeat} interleaved create + update pairs each way; medians.")
    table.print()
    if options.out:
        table.save(options.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
