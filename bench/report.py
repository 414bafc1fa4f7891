"""
The benchmark's figures: each one our time beside its limit or alternative measured in the same run, the
ratio, the target and PASS/MISS; printed as one table per database and written as JSON under
bench/results/ with the machine, the versions and the date.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Figure:
    """
    One measured figure. ``ratio`` is ``ours / limit`` for times (lower is better) unless ``higher`` (a
    rate, or a speed-up over an alternative); ``passed`` is None for a figure with no target (reported).
    """

    name: str
    ours: float
    limit: float
    unit: str
    limit_label: str
    target: str
    ratio: float
    passed: bool | None
    note: str = ""

    @property
    def result(self) -> str:
        return "-" if self.passed is None else "PASS" if self.passed else "MISS"


def at_most(
    name: str, ours: float, limit: float, unit: str, limit_label: str, bound: float, note: str = ""
) -> Figure:
    """A figure whose ours/limit ratio must be at most ``bound``."""
    ratio = ours / limit if limit else float("inf")
    return Figure(name, ours, limit, unit, limit_label, f"<= {bound:g}x", ratio, ratio <= bound, note)


def at_least(
    name: str, ours: float, limit: float, unit: str, limit_label: str, bound: float, note: str = ""
) -> Figure:
    """A figure whose ratio (``limit / ours`` for times: how many times faster) must be at least ``bound``."""
    ratio = limit / ours if ours else float("inf")
    return Figure(name, ours, limit, unit, limit_label, f">= {bound:g}x", ratio, ratio >= bound, note)


def rate_at_least(
    name: str, ours: float, limit: float, unit: str, limit_label: str, bound: float, note: str = ""
) -> Figure:
    """A rate (higher is better) whose ratio ``ours / limit`` must be at least ``bound``."""
    ratio = ours / limit if limit else float("inf")
    return Figure(name, ours, limit, unit, limit_label, f">= {bound:g}x", ratio, ratio >= bound, note)


def reported(name: str, ours: float, limit: float, unit: str, limit_label: str, note: str = "") -> Figure:
    """A figure reported beside its reference, with no target."""
    ratio = ours / limit if limit else float("nan")
    return Figure(name, ours, limit, unit, limit_label, "reported", ratio, None, note)


@dataclass
class Table:
    """The figures measured on one database."""

    database: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def print(self) -> None:
        print()
        print(f"== {self.database}")
        header = f"{'figure':58} {'ours':>10} {'limit / alternative':>32} {'ratio':>7} {'target':>9} {'':4}"
        print(header)
        print("-" * len(header))
        for figure in self.figures:
            ours = f"{_number(figure.ours)} {figure.unit}"
            limit = f"{figure.limit_label} {_number(figure.limit)}"
            ratio = f"{figure.ratio:6.2f}x"
            print(f"{figure.name:58} {ours:>10} {limit:>32} {ratio} {figure.target:>9} {figure.result:4}")
            if figure.note:
                print("    " + figure.note.replace("\n", "\n    "))
        for note in self.notes:
            print(f"  {note}")

    def markdown(self) -> str:
        """The table in Markdown (for the README)."""
        lines = [
            f"**{self.database}**",
            "",
            "| figure | ours | limit / alternative | ratio | target | |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for figure in self.figures:
            name = figure.name.strip() if not figure.name.startswith("  ") else f"… {figure.name.strip()}"
            ours, limit = (
                f"{_number(figure.ours)} {figure.unit}",
                f"{figure.limit_label} {_number(figure.limit)}",
            )
            lines.append(
                f"| {name} | {ours} | {limit} | {figure.ratio:.2f}x | {figure.target} | {figure.result} |"
            )
        return "\n".join(lines)

    def save(self, path: str) -> None:
        """Write the table as JSON, for the run that collects the tables (bench.suite)."""
        with open(path, "w") as out:
            json.dump(
                {
                    "database": self.database,
                    "figures": [asdict(f) for f in self.figures],
                    "notes": self.notes,
                },
                out,
            )

    @classmethod
    def load(cls, path: str) -> Table:
        """A table written by :meth:`save`."""
        with open(path) as source:
            data = json.load(source)
        return cls(data["database"], [Figure(**figure) for figure in data["figures"]], data["notes"])


def _number(value: float) -> str:
    return f"{value:.0f}" if value >= 100 else f"{value:.3g}"


def median_us(timings_ns: Sequence[int]) -> float:
    """The median of timings in nanoseconds, in microseconds."""
    return statistics.median(timings_ns) / 1000


def interleaved(calls: dict[str, Callable[[int], object]], runs: int) -> dict[str, list[int]]:
    """
    Time each call ``runs`` times, interleaved (one of each in turn, in a fresh random order each time, so
    that each call comes first as often as the others: the first read of a row may find it out of the
    database's cache), so that warm-up, drift and the neighbours' load weigh on all of them alike. The
    garbage collector is off while timing, as timeit does. Returns nanoseconds per call.
    """
    names = list(calls)
    timings: dict[str, list[int]] = {name: [] for name in names}
    for name in names:  # warm up: caches, statements, connections
        calls[name](0)
    clock = time.perf_counter_ns
    gc.collect()
    gc.disable()
    try:
        order = random.Random(runs)
        for run in range(runs):
            for name in order.sample(names, len(names)):
                call = calls[name]
                begin = clock()
                call(run)
                timings[name].append(clock() - begin)
            if run % 100 == 99:
                gc.enable()
                gc.collect(0)
                gc.disable()
    finally:
        gc.enable()
    return timings


def profile_top(call: Callable[[int], object], runs: int, lines: int = 12) -> str:
    """The top entries (own time) of pyinstrument's profile of ``runs`` calls, for a missed target."""
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0001)
    profiler.start()
    for run in range(runs):
        call(run)
    profiler.stop()
    text = profiler.output_text(flat=True, time="percent_of_total").splitlines()
    return "\n".join([line for line in text if "%" in line][:lines])


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    load = os.getloadavg()
    return {
        "node": platform.node(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(value, 2) for value in load],
    }


def versions(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The versions that matter to the figures."""
    found = {
        "python": sys.version.split()[0],
        **{
            name: _version(name)
            for name in ("openedx-idv", "Django", "mysqlclient", "gunicorn", "edx-django-utils")
        },
    }
    return {**found, **(extra or {})}


def write_json(kind: str, mode: str, tables: list[Table], extra: dict[str, object] | None = None) -> Path:
    """Write the figures to bench/results/<kind>-<mode>-<date>.json and <kind>-<mode>-latest.json."""
    RESULTS.mkdir(exist_ok=True)
    now = datetime.now(tz=UTC)
    document = {
        "kind": kind,
        "mode": mode,
        "date": now.isoformat(timespec="seconds"),
        "machine": machine(),
        "versions": versions(),
        **(extra or {}),
        "tables": [
            {
                "database": table.database,
                "notes": table.notes,
                "figures": [{**asdict(figure), "result": figure.result} for figure in table.figures],
            }
            for table in tables
        ],
    }
    path = RESULTS / f"{kind}-{mode}-{now:%Y%m%dT%H%M%SZ}.json"
    text = json.dumps(document, indent=2, default=str)
    path.write_text(text)
    (RESULTS / f"{kind}-{mode}-latest.json").write_text(text)
    return path
