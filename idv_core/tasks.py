"""
Celery tasks of idv_core, for sites that run Celery beat instead of ``manage.py idv_relay_events``.

Schedule :func:`relay_idv_events` every few seconds, e.g. in the LMS's ``CELERY_BEAT_SCHEDULE``::

    "idv-relay-events": {"task": "idv_core.tasks.relay_idv_events", "schedule": 5.0}

Runs that overlap are harmless: one relay holds the lease, the others return at once.

Schedule :func:`report_idv_health` (every minute, say) to send the health figures (outbox backlog, relay
heartbeat, pending manual reviews, refused webhooks...) as monitoring custom attributes::

    "idv-report-health": {"task": "idv_core.tasks.report_idv_health", "schedule": 60.0}
"""

from __future__ import annotations

from celery import shared_task

from idv_core import health, outbox

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


@shared_task(name="idv_core.tasks.report_idv_health", ignore_result=True)
def report_idv_health() -> dict[str, int | float | None]:
    """
    Compute the health figures and send them as monitoring custom attributes of this task's transaction.

    Returns the figures by attribute name (None: nothing to measure).
    """
    state = health.collect_and_report()
    return {figure.name: figure.value for figure in state.figures}
