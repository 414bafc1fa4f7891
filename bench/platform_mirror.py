"""
``python -m bench.platform_mirror``: what mirroring into the LMS's verify_student table costs a write.

The bench host gets the tests' stand-in of the platform's ``verify_student`` app (tests/lms_platform) and
times, interleaved in one run (one call mirrored, one not, and so on, so that warm-up and drift do not skew
the ratio): ``create_verification_attempt`` (pending) and ``update_verification_attempt`` (pending ->
approved), with ``IDV_PLATFORM_MIRROR`` "auto" and False. Also counts their queries each way.

Options: ``--repeat N`` (default 300), ``--mysql`` (the local MariaDB instead of a SQLite file).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

from bench.host import argument_parser, start_django

STAND_IN = Path(__file__).resolve().parent.parent / "tests" / "lms_platform"


def _parse() -> argparse.Namespace:
    parser = argument_parser("python -m bench.platform_mirror", __doc__)
    parser.add_argument("--repeat", type=int, default=300, help="writes timed each way (default 300)")
    return parser.parse_args()


def _with_the_platform(settings: ModuleType) -> None:
    sys.path.insert(0, str(STAND_IN))
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "lms.djangoapps.verify_student"]
    settings.VERIFY_STUDENT = {"DAYS_GOOD_FOR": 365, "EXPIRING_SOON_WINDOW": 28}


def main() -> int:
    """Measure, print the table."""
    options = _parse()
    start_django(mysql=options.mysql, configure=_with_the_platform)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from idv_core import api
    from idv_core.models import VerificationAttempt

    if options.mysql:  # a clean slate in the benchmark's database
        VerificationAttempt.history.all().delete()
        VerificationAttempt.objects.all().delete()
        get_user_model().objects.filter(username__startswith="bench").delete()
    user = get_user_model().objects.create(username="bench-platform-mirror", email="bench@example.org")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")

    timings: dict[tuple[str, bool], list[float]] = {}
    queries: dict[tuple[str, bool], int] = {}
    for run in range(options.repeat * 2):
        mirrored = run % 2 == 1
        settings.IDV_PLATFORM_MIRROR = "auto" if mirrored else False
        with CaptureQueriesContext(connection) as create_queries:
            begin = time.perf_counter()
            attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending")
            created = time.perf_counter()
        with CaptureQueriesContext(connection) as update_queries:
            api.update_verification_attempt(attempt_id, status="approved")
            updated = time.perf_counter()
        timings.setdefault(("create", mirrored), []).append(created - begin)
        timings.setdefault(("update", mirrored), []).append(updated - created)
        queries[("create", mirrored)] = len(create_queries)
        queries[("update", mirrored)] = len(update_queries)

    print()
    print(f"{'measure':44} {'unmirrored':>11} {'mirrored':>11} {'ratio':>7} {'queries':>9}")
    for operation in ("create", "update"):
        plain = statistics.median(timings[(operation, False)]) * 1000
        mirror = statistics.median(timings[(operation, True)]) * 1000
        label = f"{operation}_verification_attempt (median ms)"
        counts = f"{queries[(operation, False)]} -> {queries[(operation, True)]}"
        print(f"{label:44} {plain:11.3f} {mirror:11.3f} {mirror / plain:7.2f} {counts:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
