"""
Celery tasks of idv_core, for sites that run Celery beat instead of ``manage.py idv_relay_events``.

Schedule :func:`relay_idv_events` every few seconds, e.g. in the LMS's ``CELERY_BEAT_SCHEDULE``::

    "idv-relay-events": {"task": "idv_core.tasks.relay_idv_events", "schedule": 5.0}

Runs that overlap are harmless: one relay holds the lease, the others return at once.
"""

from __future__ import annotations

from celery import shared_task

from idv_core import outbox

#: A run stops starting new batches after this many seconds, so that runs do not pile up.
MAX_RUN_SECONDS = 50.0


@shared_task(name="idv_core.tasks.relay_idv_events", ignore_result=True)
def relay_idv_events() -> dict[str, int | str | bool]:
    """Deliver the pending outbox records to the event bus and prune the old delivered ones."""
    relay = outbox.OutboxRelay()
    try:
        run = relay.deliver_pending(max_seconds=MAX_RUN_SECONDS)
    finally:
        relay.release_lease()
    pruned = outbox.prune_delivered()
    return {
        "delivered": run.delivered,
        "failed": run.failed,
        "pending": run.pending,
        "bus_error": run.bus_error,
        "lease_elsewhere": run.lease_elsewhere,
        "pruned": pruned,
    }
