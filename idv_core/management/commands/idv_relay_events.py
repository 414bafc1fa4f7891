"""
``manage.py idv_relay_events``: deliver idv_core's event-bus outbox to the Open edX event bus (Redis Streams).

Runs until SIGTERM or SIGINT (Ctrl-C): then it finishes the record in flight, releases its lease and exits
with status 0. While the bus is unreachable it retries with a growing wait (up to
``IDV_EVENT_BUS_RELAY_MAX_BACKOFF_SECONDS``). ``--once`` delivers what is pending and exits (status 1 when
the bus could not be reached, so that a cron job notices). Delivered records older than
``IDV_EVENT_BUS_OUTBOX_RETENTION_DAYS`` are deleted at start and then every hour.
"""

from __future__ import annotations

import signal
import threading
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from idv_core import outbox
from idv_core.conf import idv_setting

PRUNE_EVERY_SECONDS = 3600.0


class Command(BaseCommand):
    """Relay the IDV outbox to the event bus."""

    help = __doc__

    def add_arguments(self, parser: Any) -> None:
        """``--once``: deliver what is pending, then exit."""
        parser.add_argument("--once", action="store_true", help="deliver what is pending and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the relay once or until stopped."""
        try:
            relay = outbox.OutboxRelay(outbox.get_transport())
        except outbox.EventBusNotConfigured as error:
            raise CommandError(str(error)) from error
        outbox.prune_delivered()
        if options["once"]:
            self._once(relay)
        else:
            self._forever(relay)

    def _once(self, relay: outbox.OutboxRelay) -> None:
        run = relay.deliver_pending()
        relay.release_lease()
        self.stdout.write(f"Delivered {run.delivered} IDV event(s); {run.pending} pending.")
        if run.lease_elsewhere:
            self.stdout.write("Another relay holds the lease: it delivers the pending events.")
        if run.bus_error:
            raise CommandError(
                f"The event bus could not be reached ({run.bus_error}); {run.pending} pending."
            )

    def _forever(self, relay: outbox.OutboxRelay) -> None:
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            # Only a flag: the record in flight is finished (sent and marked) before the loop exits.
            stop.set()

        previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        self.stdout.write("Relaying IDV events to the event bus (stop with SIGTERM or Ctrl-C).")
        backoff = 0.0
        delivered = 0
        last_prune = time.monotonic()
        try:
            while not stop.is_set():
                close_old_connections()  # as a request would: drop a connection the database closed
                batch = relay.deliver_batch(stop.is_set)
                delivered += batch.delivered
                if batch.bus_error:
                    backoff = outbox.next_backoff(backoff)
                    stop.wait(backoff)
                    continue
                backoff = 0.0
                if time.monotonic() - last_prune >= PRUNE_EVERY_SECONDS:
                    outbox.prune_delivered()
                    last_prune = time.monotonic()
                if not batch.full:
                    stop.wait(float(idv_setting("IDV_EVENT_BUS_RELAY_POLL_SECONDS")))
        finally:
            relay.release_lease()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write(f"Stopped after delivering {delivered} IDV event(s).")
