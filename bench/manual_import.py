"""
``python -m bench.manual_import``: how fast ``manage.py idv_manual_verify`` imports a large CSV file.

Creates 10,000 users (``--rows``) on the bench's SQLite file (``--mysql``: the local MariaDB), writes a
CSV file approving each of them (half named by username, half by email; a third each with a blank, a
date and a datetime expiration), times the import, then times an immediate re-run of the same file,
which must skip every row. Prints rows per second, the total seconds and the events the import sent.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

from bench.host import argument_parser, start_django


def _parse() -> argparse.Namespace:
    parser = argument_parser("python -m bench.manual_import", __doc__)
    parser.add_argument("--rows", type=int, default=10_000, help="users and CSV rows (default 10000)")
    return parser.parse_args()


def main() -> int:
    """Set up Django and the users, write the file, run the import twice, print the figures."""
    options = _parse()

    def add_the_manual_provider(settings):
        # Only here: in `python -m bench` its event receivers would add their queries to the core's figures.
        settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "idv_manual"]

    start_django(mysql=options.mysql, configure=add_the_manual_provider)
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from openedx_events.learning.signals import IDV_ATTEMPT_APPROVED, IDV_ATTEMPT_CREATED

    User = get_user_model()
    prefix = "bench-manual-"
    if options.mysql:  # a clean slate in the benchmark's database
        User.objects.filter(username__startswith=prefix).delete()
    started = time.perf_counter()
    User.objects.bulk_create(
        [User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.org") for i in range(options.rows)],
        batch_size=2000,
    )
    reviewer = User.objects.create(username=f"{prefix}reviewer", is_superuser=True, is_staff=True)
    print(f"population: {options.rows} users in {time.perf_counter() - started:.1f} s")
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")

    path = Path(tempfile.mkdtemp(prefix="idv-bench-manual-")) / "approve.csv"
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["user", "name", "expiration_date"])
        for i in range(options.rows):
            user = f"{prefix}{i}" if i % 2 == 0 else f"{prefix}{i}@example.org"
            expiration = ("", "2035-06-30", "2035-06-30T12:00:00+00:00")[i % 3]
            writer.writerow([user, f"Learner Number {i}", expiration])

    events = {"created": 0, "approved": 0}

    def count(signal, **kwargs):
        events[signal.event_type.split(".")[-2]] += 1

    IDV_ATTEMPT_CREATED.connect(count, dispatch_uid="bench-count-created")
    IDV_ATTEMPT_APPROVED.connect(count, dispatch_uid="bench-count-approved")
    arguments = [
        str(path),
        "--status",
        "approved",
        "--reason",
        "bench import",
        "--reviewer",
        reviewer.username,
    ]

    timings = []
    for run in ("first run", "re-run"):
        out = StringIO()
        begin = time.perf_counter()
        call_command("idv_manual_verify", *arguments, stdout=out)
        elapsed = time.perf_counter() - begin
        timings.append(elapsed)
        print(f"{run}: {out.getvalue().strip()}")
        print(f"{run}: {options.rows} rows in {elapsed:.2f} s = {options.rows / elapsed:,.0f} rows/s")
    print(f"events sent: {events['created']} created, {events['approved']} approved")
    return 0


if __name__ == "__main__":
    sys.exit(main())
