"""
``python -m bench.suite`` (``make bench``; ``--quick``: ``make bench-quick``): every figure of the read
path, the writes and the Persona webhooks beside its limit or alternative measured in the same run, as
one table per database (SQLite, MariaDB), also written as JSON to bench/results/ with the machine, the
versions and the date.

Each part runs in a process of its own (its own Django settings): ``bench.reads`` and ``bench.writes`` on
SQLite and on the local MariaDB (database ``idv_bench``), ``bench.webhook_server`` on MariaDB (database
``idv_bench_web``). A part that fails is reported and the others still run; the exit status says so.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.report import Table, write_json

FULL = {
    "reads": ["--sizes", "10000,100000,1000000", "--runs", "3000", "--bulk-runs", "7"],
    "writes": ["--repeat", "300"],
    "webhook_server": ["--inquiries", "600", "--rounds", "3", "--noop", "1500"],
}
QUICK = {
    "reads": ["--sizes", "10000", "--runs", "400", "--bulk-runs", "2"],
    "writes": ["--repeat", "60"],
    "webhook_server": ["--inquiries", "150", "--noop", "300", "--profile", "0"],
}


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.suite", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small tables and few runs (under 2 minutes)")
    return parser.parse_args()


def main() -> int:
    """Run every part, print one table per database, write the JSON."""
    options = _parse()
    plan = QUICK if options.quick else FULL
    mode = "quick" if options.quick else "full"
    parts = [
        ("SQLite", "reads", []),
        ("SQLite", "writes", []),
        ("MariaDB", "reads", ["--mysql"]),
        ("MariaDB", "writes", ["--mysql"]),
        ("MariaDB", "webhook_server", []),
    ]
    if not options.quick:  # what our own code costs, apart from the host's receivers of the events
        parts.append(("MariaDB", "webhook_server", ["--no-receivers"]))
    tables: dict[str, Table] = {}
    failed: list[str] = []
    started = time.monotonic()
    load_at_start = [round(value, 2) for value in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="idv-bench-") as scratch:
        for number, (database, module, flags) in enumerate(parts):
            out = Path(scratch) / f"{number}.json"
            command = [sys.executable, "-m", f"bench.{module}", *flags, *plan[module], "--out", str(out)]
            print(
                f"[{time.monotonic() - started:5.0f} s] {database}: bench.{module}",
                file=sys.stderr,
                flush=True,
            )
            # The parts print their own table: only the collected tables are shown at the end.
            finished = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)  # noqa: S603
            if finished.returncode != 0 or not out.exists():
                failed.append(f"bench.{module} {' '.join(flags)} exited {finished.returncode}")
                print(finished.stdout[-3000:], file=sys.stderr)
                if not out.exists():
                    continue
            part = Table.load(str(out))
            table = tables.setdefault(database, Table(part.database))
            if part.database.startswith(f"{database} "):  # the full name, with the server's version
                table.database = part.database
            table.figures += part.figures
            table.notes += part.notes
    elapsed = time.monotonic() - started
    for table in tables.values():
        table.print()
    missed = [
        f"{table.database}: {figure.name.strip()}"
        for table in tables.values()
        for figure in table.figures
        if figure.passed is False
    ]
    path = write_json(
        "bench",
        mode,
        list(tables.values()),
        {"seconds": round(elapsed), "load_average_at_start": load_at_start, "failed": failed},
    )
    # The same tables in Markdown, for the README's "Performance" section.
    path.with_suffix(".md").write_text("\n\n".join(table.markdown() for table in tables.values()) + "\n")
    print()
    print(f"{mode} run in {elapsed:.0f} s; {len(missed)} target(s) missed; figures written to {path}")
    for line in failed:
        print(f"FAILED: {line}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
