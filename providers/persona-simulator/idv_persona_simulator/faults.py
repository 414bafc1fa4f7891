"""Fault injection for the simulator's REST API: the next requests fail, or the whole API is down."""

from __future__ import annotations

import threading
from collections import deque

_lock = threading.Lock()
_next_failures: deque[int] = deque()
_outage_status: int | None = None


def fail_next(status: int, count: int) -> None:
    """Make the next ``count`` API requests (whatever they are) answer ``status`` without doing anything."""
    with _lock:
        _next_failures.extend([status] * count)


def set_outage(status: int | None) -> None:
    """Make every API request answer ``status`` until called with None."""
    global _outage_status
    with _lock:
        _outage_status = status


def take() -> int | None:
    """The status the current API request must fail with, or None to serve it (consumes one queued fault)."""
    with _lock:
        if _outage_status is not None:
            return _outage_status
        return _next_failures.popleft() if _next_failures else None


def clear() -> None:
    """No fault any more."""
    set_outage(None)
    with _lock:
        _next_failures.clear()
