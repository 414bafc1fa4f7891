"""
Webhook deliveries: a queue and one background thread that sends each event, signed, and retries failures.

Why a thread: the hosted flow must answer the browser at once, and the receiver is usually the same
(threaded, possibly SQLite) server, which must not wait on the simulator's open transaction. Events are
queued only after the simulator's transaction commits (``transaction.on_commit``, in ``flow.py``), and the
thread never touches the database: a job carries the exact bytes to send. One thread sends one delivery at
a time, in queue order, so tests decide the order (duplicates, out of order) by what they enqueue.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests

from idv_persona_simulator.conf import LOCAL_HOSTS, SUCCESS_STATUSES, simulator_setting
from idv_persona_simulator.signing import signature_header

log = logging.getLogger(__name__)


class WebhookURLRefused(ValueError):
    """The webhook URL is not a local http(s) URL: the simulator sends only to 127.0.0.1/localhost/::1."""


class DeliveryTimeout(TimeoutError):
    """``flush`` waited longer than its timeout for the queued deliveries to finish."""


def require_local_url(url: str) -> str:
    """Return ``url`` if it is an http(s) URL on 127.0.0.1, localhost or ::1; raise WebhookURLRefused else."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or parts.hostname not in LOCAL_HOSTS:
        raise WebhookURLRefused(
            "The Persona simulator sends webhooks only to http(s)://127.0.0.1, localhost or [::1], "
            f"not to {url!r}."
        )
    return url


@dataclass(frozen=True, slots=True)
class DeliveryAttempt:
    """One attempt to deliver one event: what the receiver answered (``status_code``) or what failed."""

    event_id: str
    event_name: str
    attempt: int
    status_code: int | None
    error: str
    succeeded: bool
    final: bool  # no further attempt of this delivery follows (it succeeded or was given up)


@dataclass(order=True)
class _Job:
    not_before: float
    sequence: int
    event_id: str = field(compare=False)
    event_name: str = field(compare=False)
    body: bytes = field(compare=False)
    url: str = field(compare=False)
    secrets: tuple[str, ...] = field(compare=False)
    timeout: float = field(compare=False)
    max_attempts: int = field(compare=False)
    backoff: float = field(compare=False)
    attempt: int = field(compare=False, default=1)


class WebhookDispatcher:
    """The delivery queue and its worker thread (started on the first delivery; a daemon)."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._jobs: list[_Job] = []
        self._in_flight = 0
        self._current: _Job | None = None
        self._sequence = itertools.count()
        self._log: list[DeliveryAttempt] = []
        self._thread: threading.Thread | None = None
        self._session = requests.Session()
        # Only 127.0.0.1 is ever contacted, directly: no proxy from the environment.
        self._session.trust_env = False

    def enqueue(self, event_id: str, event_name: str, body: bytes, *, delay: float = 0.0) -> None:
        """Queue one delivery of ``body`` to the configured URL (read now); WebhookURLRefused if not local."""
        url = require_local_url(simulator_setting("WEBHOOK_URL"))
        secrets = simulator_setting("WEBHOOK_SECRET")
        job = _Job(
            not_before=time.monotonic() + delay,
            sequence=next(self._sequence),
            event_id=event_id,
            event_name=event_name,
            body=body,
            url=url,
            secrets=(secrets,) if isinstance(secrets, str) else tuple(secrets),
            timeout=float(simulator_setting("WEBHOOK_TIMEOUT_SECONDS")),
            max_attempts=max(1, int(simulator_setting("WEBHOOK_MAX_ATTEMPTS"))),
            backoff=float(simulator_setting("WEBHOOK_RETRY_BACKOFF_SECONDS")),
        )
        with self._condition:
            heapq.heappush(self._jobs, job)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="persona-simulator-webhooks", daemon=True
                )
                self._thread.start()
            self._condition.notify_all()

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until every queued delivery (retries included) succeeded or was given up."""
        with self._condition:
            if not self._condition.wait_for(lambda: not self._jobs and not self._in_flight, timeout):
                raise DeliveryTimeout(f"{len(self._jobs) + self._in_flight} deliveries still under way")

    def wait_for_first_attempts(self, event_ids: set[str], timeout: float) -> bool:
        """
        Wait (at most ``timeout`` s) until each of these events that is queued was attempted once.

        Events not queued (not sent, or already attempted) are not waited for. True if none is left.
        """

        def first_attempts_left() -> bool:
            pending = [*self._jobs, self._current] if self._current else self._jobs
            return any(job.event_id in event_ids and job.attempt == 1 for job in pending)

        with self._condition:
            return self._condition.wait_for(lambda: not first_attempts_left(), timeout)

    def log(self) -> list[DeliveryAttempt]:
        """Every delivery attempt since the last ``clear``, oldest first."""
        with self._condition:
            return list(self._log)

    def clear(self) -> None:
        """Drop the queued deliveries (a delivery being sent finishes) and the attempt log."""
        with self._condition:
            self._jobs.clear()
            self._log.clear()
            self._condition.notify_all()

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._jobs or self._jobs[0].not_before > time.monotonic():
                    wait = self._jobs[0].not_before - time.monotonic() if self._jobs else None
                    self._condition.wait(wait)
                job = heapq.heappop(self._jobs)
                self._in_flight += 1
                self._current = job
            try:
                attempt = self._send(job)
            except Exception as exc:
                log.exception("Persona simulator: delivery of %s failed unexpectedly.", job.event_id)
                attempt = DeliveryAttempt(
                    job.event_id, job.event_name, job.attempt, None, type(exc).__name__, False, True
                )
            with self._condition:
                self._in_flight -= 1
                self._current = None
                if not attempt.final:
                    job.attempt += 1
                    # Exponential backoff: backoff, 2 x backoff, 4 x backoff...
                    job.not_before = time.monotonic() + job.backoff * 2 ** (job.attempt - 2)
                    job.sequence = next(self._sequence)
                    heapq.heappush(self._jobs, job)
                self._log.append(attempt)
                self._condition.notify_all()

    def _send(self, job: _Job) -> DeliveryAttempt:
        status_code: int | None = None
        error = ""
        try:
            response = self._session.post(
                job.url,
                data=job.body,
                headers={
                    "Content-Type": "application/json",
                    "Persona-Signature": signature_header(job.secrets, job.body),
                    "User-Agent": "Persona-Simulator",
                },
                timeout=job.timeout,
                allow_redirects=False,
            )
            status_code = response.status_code
            response.close()
        except requests.RequestException as exc:
            error = type(exc).__name__
        succeeded = status_code in SUCCESS_STATUSES
        final = succeeded or job.attempt >= job.max_attempts
        if not succeeded:
            log.warning(
                "Persona simulator: delivery %s of %s (%s) failed (%s)%s.",
                job.attempt,
                job.event_id,
                job.event_name,
                status_code or error,
                ", giving up" if final else ", will retry",
            )
        return DeliveryAttempt(
            job.event_id, job.event_name, job.attempt, status_code, error, succeeded, final
        )


# The process's one dispatcher (the demo's runserver and the test process each have theirs).
dispatcher = WebhookDispatcher()
