"""
The simulator's control API, for tests (and the demo's simulator page): provoke what Persona may do.

- Webhooks: ``deliver(event, duplicate=True)`` sends an event again (twice); ``deliver_out_of_order(events)``
  sends events newest first; ``automatic_delivery_off()`` records new events without sending them, so a
  test can send them itself; ``flush()`` waits until every queued delivery (retries included) is done;
  ``delivery_log()`` lists every attempt and what the receiver answered.
- REST API faults: ``fail_next_api_requests(status=503, count=2)``, ``set_api_outage(503)`` / ``(None)``.
- ``reset()`` puts everything back (no faults, automatic delivery on, empty queue and log).

The state is per process: the test process, or the demo's runserver process.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

from idv_persona_simulator import faults, flow
from idv_persona_simulator.delivery import DeliveryAttempt, dispatcher
from idv_persona_simulator.models import SimulatedEvent
from idv_persona_simulator.representations import event_body

__all__ = [
    "DeliveryAttempt",
    "automatic_delivery_off",
    "deliver",
    "deliver_out_of_order",
    "delivery_log",
    "events",
    "fail_next_api_requests",
    "flush",
    "reset",
    "set_api_outage",
]


def _event(event: SimulatedEvent | str) -> SimulatedEvent:
    return event if isinstance(event, SimulatedEvent) else SimulatedEvent.objects.get(pk=event)


def events(inquiry_id: str | None = None) -> list[SimulatedEvent]:
    """The recorded events (of one inquiry, or all), oldest first."""
    queryset = SimulatedEvent.objects.all()
    if inquiry_id is not None:
        queryset = queryset.filter(inquiry_id=inquiry_id)
    return list(queryset.order_by("created_at", "id"))


def deliver(event: SimulatedEvent | str, *, duplicate: bool = False) -> None:
    """Queue a (re)delivery of a recorded event, same id and body; ``duplicate`` queues it twice."""
    record = _event(event)
    body = event_body(record)
    for _ in range(2 if duplicate else 1):
        dispatcher.enqueue(record.id, record.name, body)


def deliver_out_of_order(events: Iterable[SimulatedEvent | str]) -> list[SimulatedEvent]:
    """Queue deliveries of the events newest first (reverse created-at order); returns them in that order."""
    records = sorted((_event(event) for event in events), key=lambda e: (e.created_at, e.id), reverse=True)
    for record in records:
        dispatcher.enqueue(record.id, record.name, event_body(record))
    return records


@contextlib.contextmanager
def automatic_delivery_off() -> Iterator[None]:
    """Within the block, new events are recorded but not sent (send them with ``deliver...``)."""
    flow.set_automatic_delivery(False)
    try:
        yield
    finally:
        flow.set_automatic_delivery(True)


def flush(timeout: float = 30.0) -> None:
    """Wait until every queued delivery (retries too) succeeded or was given up; DeliveryTimeout else."""
    dispatcher.flush(timeout)


def delivery_log() -> list[DeliveryAttempt]:
    """Every delivery attempt since the last ``reset``, oldest first."""
    return dispatcher.log()


def fail_next_api_requests(status: int = 503, count: int = 1) -> None:
    """The next ``count`` REST API requests answer ``status`` (a JSON:API error) and change nothing."""
    faults.fail_next(status, count)


def set_api_outage(status: int | None = 503) -> None:
    """Every REST API request answers ``status`` until ``set_api_outage(None)``."""
    faults.set_outage(status)


def reset() -> None:
    """No faults, automatic delivery on, no queued delivery, an empty delivery log."""
    faults.clear()
    flow.set_automatic_delivery(True)
    dispatcher.clear()
