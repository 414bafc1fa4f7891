"""
Where a load's CPU goes, by process, read from Linux's /proc: the web server's workers, the database, Redis
and the load generator (this process). On a 2-core machine they all share the same cores, so their sum per
request says the rate the machine can reach at most, whatever the concurrency.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` (0 when it is gone)."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return 0.0
    # The command name (field 2) may hold spaces: the fields after it start after its closing parenthesis.
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _children(pid: int) -> list[int]:
    try:
        children = (PROC / str(pid) / "task" / str(pid) / "children").read_text()
        return [int(child) for child in children.split()]
    except OSError:
        return []


def pids_named(*names: str) -> list[int]:
    """The processes whose command name is one of ``names`` (e.g. ``mariadbd``, ``redis-server``)."""
    found = []
    for entry in PROC.glob("[0-9]*"):
        try:
            if (entry / "comm").read_text().strip() in names:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@dataclass
class CpuMeter:
    """CPU seconds used between :meth:`start` and :meth:`stop` by groups of processes."""

    groups: dict[str, list[int]]
    used: dict[str, float] | None = None
    _begin: dict[str, float] | None = None

    @classmethod
    def for_server(cls, server_pid: int) -> CpuMeter:
        """The server's workers (its children), MariaDB, Redis and this process."""
        return cls(
            {
                "web workers": _children(server_pid),
                "MariaDB": pids_named("mariadbd", "mysqld"),
                "Redis": pids_named("redis-server"),
            }
        )

    @property
    def available(self) -> bool:
        return PROC.is_dir() and bool(self.groups["web workers"])

    def _read(self) -> dict[str, float]:
        seconds = {name: sum(_cpu_seconds(pid) for pid in pids) for name, pids in self.groups.items()}
        seconds["load generator"] = time.process_time()
        return seconds

    def start(self) -> None:
        self._begin = self._read()

    def stop(self) -> None:
        end = self._read()
        assert self._begin is not None, "start() first"
        used = {name: end[name] - self._begin[name] for name in end}
        self.used = {name: (self.used or {}).get(name, 0.0) + value for name, value in used.items()}

    def per_request_ms(self, requests: int) -> dict[str, float]:
        """Milliseconds of CPU per request, by group (after one or more start/stop rounds)."""
        return {name: seconds * 1000 / requests for name, seconds in (self.used or {}).items()}
