"""
``python -m bench.webhook_server``: Persona webhooks on a real server, against a no-op view on it.

The demo host (its full URLconf, middleware and plugin wiring: bench.server_settings) on the local MariaDB
is served by gunicorn, ``--workers`` sync workers (default 2) on 127.0.0.1 and a free port. This process,
another one, is the load generator: ``--concurrency`` connections at a time (non-blocking sockets), each
request on its own connection as gunicorn's sync workers answer. It posts ``--noop`` requests to the no-op
view (the ceiling: gunicorn and Django's request handling without work), then for ``--inquiries`` Persona
attempts (created beforehand as the start view leaves them) the three signed events Persona sends, one
phase each: ``inquiry.started`` (-> pending), ``inquiry.completed``, ``inquiry.approved`` (-> approved).
Every webhook checks the signature, records the event, updates the attempt in a transaction and sends the
events (edx-name-affirmation receives them, as in the LMS: its receiver sends a Celery task to the broker,
the local Redis). Each worker first serves a few warm-up inquiries' webhooks (not measured: a long-running
server imported what the webhook path imports lazily long ago). Reports requests per second, latency
percentiles and the CPU each webhook costs by process (web workers, MariaDB, Redis, the load generator: on
a machine they share, their sum bounds the rate); then starts a Celery worker, as the LMS runs beside its
web servers, and checks that it files every learner's verified name as approved (reported with the time
the worker took; not part of the webhooks' figures). When the target is missed, profiles the webhook
in-process (pyinstrument) and prints its top entries.
"""

from __future__ import annotations

import argparse
import logging
import os
import selectors
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.cpu import CpuMeter
from bench.host import create_mysql_database
from bench.persona_webhook import signature, webhook_body
from bench.report import Table, at_most, rate_at_least, reported
from idv_core.testing.processes import celery_worker_command, stop_process

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "demo"
LOGS = ROOT / "build" / "bench"
STEPS = [
    ("inquiry.started", "pending", "2026-01-01T10:00:00.000Z"),
    ("inquiry.completed", "completed", "2026-01-01T10:05:00.000Z"),
    ("inquiry.approved", "approved", "2026-01-01T10:06:00.000Z"),
]
TARGET_RATE = 300.0
# Inquiries whose webhooks warm the server's workers up before the measured ones.
WARM_UP_INQUIRIES = 12
TARGET_P99_MS = 100.0


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.webhook_server", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--inquiries", type=int, default=1000, help="Persona attempts (3 webhooks each; 1000)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="rounds of --inquiries each (1); the rate is their median (this machine's varies run to run)",
    )
    parser.add_argument("--noop", type=int, default=2000, help="requests to the no-op view (2000)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (1: sync workers)")
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight (4)")
    parser.add_argument("--profile", type=int, default=150, help="inquiries profiled on a miss (150)")
    parser.add_argument(
        "--no-receivers",
        action="store_true",
        help="disconnect the IDV events' receivers (edx-name-affirmation, the manual queue): our code only",
    )
    parser.add_argument("--out", help="also write the figures as JSON to this file")
    return parser.parse_args()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _request(port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"Content-Length: {len(body)}", "Content-Type: application/json"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def _send_all(
    port: int, requests: list[bytes], concurrency: int
) -> tuple[list[float], dict[int, int], float]:
    """
    Send ``requests`` (raw HTTP, one connection each, as gunicorn's sync workers answer them),
    ``concurrency`` at a time; returns each one's latency, the count of each status and the time in all.

    Non-blocking sockets on one selector: the load generator shares the machine's cores with the server and
    the database, so it spends as little CPU per request as it can (0.19 ms a webhook here; asyncio's
    streams took 0.45).
    """
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    pending = iter(requests)
    selector = selectors.DefaultSelector()

    def start() -> int:
        payload = next(pending, None)
        if payload is None:
            return 0
        connection = socket.socket()
        connection.setblocking(False)
        connection.connect_ex(("127.0.0.1", port))
        # What is left to send, what was received, when it started.
        selector.register(
            connection, selectors.EVENT_WRITE, [memoryview(payload), bytearray(), time.perf_counter()]
        )
        return 1

    def finish(connection: socket.socket, answer: bytes, started: float) -> None:
        selector.unregister(connection)
        connection.close()
        latencies.append(time.perf_counter() - started)
        status = int(answer[9:12]) if answer[:5] == b"HTTP/" else 0
        statuses[status] = statuses.get(status, 0) + 1

    begin = time.perf_counter()
    active = sum(start() for _ in range(concurrency))
    while active:
        for key, events in selector.select():
            connection, state = key.fileobj, key.data
            try:
                if events & selectors.EVENT_WRITE:
                    state[0] = state[0][connection.send(state[0]) :]
                    if not state[0]:
                        selector.modify(connection, selectors.EVENT_READ, state)
                    continue
                chunk = connection.recv(65536)
            except OSError:  # refused or reset: counted as status 0
                chunk, state[1] = b"", bytearray()
            if chunk:
                state[1] += chunk
                continue
            finish(connection, bytes(state[1]), state[2])  # the server closed it: the answer is whole
            active += start() - 1
    selector.close()
    return latencies, statuses, time.perf_counter() - begin


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def _prepare(inquiries: int, prefix: str) -> list[str]:
    """
    Persona attempts in ``created``, one user each, as Persona's start view leaves them: the attempt through
    the core API, its inquiry linked (status ``created``). Returns their inquiry ids.
    """
    from django.contrib.auth import get_user_model

    from idv_core import api
    from idv_persona.inquiries import link_inquiry

    User = get_user_model()
    users = User.objects.bulk_create(
        [User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.org") for i in range(inquiries)],
        batch_size=2000,
    )
    inquiry_ids = [f"inq_{prefix}{i:08d}" for i in range(inquiries)]
    for user, inquiry_id in zip(users, inquiry_ids, strict=True):
        attempt_id = api.create_verification_attempt(
            user, "Ada Lovelace", "created", provider="persona", external_id=inquiry_id
        )
        link_inquiry(inquiry_id, attempt_id, status="created")
    return inquiry_ids


def _phase_bodies(inquiry_ids: list[str], step: int, prefix: str) -> list[bytes]:
    name, status, created_at = STEPS[step]
    return [
        webhook_body(name, f"evt_{prefix}{step}_{i:08d}", inquiry_id, status, created_at)
        for i, inquiry_id in enumerate(inquiry_ids)
    ]


def _broker():
    """The benchmark's Redis database (the server's CELERY_BROKER_URL), emptied."""
    import redis
    from django.conf import settings

    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    try:
        broker.ping()
    except redis.ConnectionError as error:
        raise SystemExit(f"Redis is not reachable ({error}): see shared/design/services.md.") from None
    broker.flushdb()
    return broker


def _drain(broker, usernames: list[str], deadline_seconds: float = 600) -> tuple[int, float]:
    """
    Run a Celery worker (solo pool) until every ``usernames``' verified name is approved, or it gives up.

    Returns how many of them are approved and the seconds the worker took to get there.
    """
    from edx_name_affirmation.models import VerifiedName

    LOGS.mkdir(parents=True, exist_ok=True)
    log = (LOGS / "celery.log").open("w")
    worker = subprocess.Popen(  # noqa: S603 -- our own interpreter and arguments
        celery_worker_command("demo_site"),
        cwd=DEMO,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.server_settings"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    begin = time.monotonic()
    approved = 0
    try:
        while time.monotonic() - begin < deadline_seconds and worker.poll() is None:
            names = VerifiedName.objects.filter(user__username__in=usernames, status="approved")
            approved = names.values("user").distinct().count()
            if approved == len(usernames) and broker.llen("celery") == 0:
                break
            time.sleep(0.5)
    finally:
        stop_process(worker)
        log.close()
    return approved, time.monotonic() - begin


def _profile(inquiries: int, secret: str) -> str:
    """The webhook's profile in this process (Django's test client, the same host and database)."""
    from django.test import Client
    from pyinstrument import Profiler

    warm_up, *inquiry_ids = _prepare(inquiries + 1, "benchprof")
    client = Client()

    def post_all(ids: list[str], prefix: str) -> None:
        for step in range(len(STEPS)):
            for body in _phase_bodies(ids, step, prefix):
                client.post(
                    "/idv/persona/webhook",
                    data=body,
                    content_type="application/json",
                    HTTP_PERSONA_SIGNATURE=signature(body, secret),
                    HTTP_HOST="127.0.0.1",
                )

    post_all([warm_up], "profwarm")  # the first request's imports are not the webhook's cost
    profiler = Profiler(interval=0.0005)
    profiler.start()
    post_all(inquiry_ids, "prof")
    profiler.stop()
    # Where the time goes, by part (time including what each calls), then the functions' own time.
    parts = (
        "webhook  ",
        "run_and_clear_commit_hooks",
        "handle_idv_event",
        "queue_pending_attempt",
        "unqueue_decided_attempt",
        "update_verification_attempt",
        "record_webhook_event",
        "Connection.query",
        "Connection.commit",
    )
    total = profiler.output_text(flat=True, flat_time="total", time="percent_of_total").splitlines()
    own = [
        line for line in profiler.output_text(flat=True, time="percent_of_total").splitlines() if "%" in line
    ]
    by_part = [line for line in total if "%" in line and any(part in line for part in parts)]
    return "\n".join(["  by part (total):", *by_part, "  top own time:", *own[:15]])


def main() -> int:
    """Prepare the database, serve it with gunicorn, send the load, print the table."""
    options = _parse()
    sys.path[:0] = [str(DEMO), str(ROOT)]
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.server_settings"
    os.environ["IDV_BENCH_NO_RECEIVERS"] = "1" if options.no_receivers else "0"
    create_mysql_database(os.environ.get("IDV_BENCH_WEB_DATABASE", "idv_bench_web"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from idv_core.models import VerificationAttempt

    # The demo logs every attempt at INFO: not while preparing (the server's own log is build/bench/).
    logging.getLogger("idv_core").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    broker = _broker()
    rounds = [_prepare(options.inquiries, f"benchweb{number}_") for number in range(options.rounds)]
    inquiry_ids = [inquiry_id for ids in rounds for inquiry_id in ids]
    warm_up_ids = _prepare(WARM_UP_INQUIRIES, "benchwarm")
    connections.close_all()
    secret = settings.IDV_PERSONA["WEBHOOK_SECRETS"][0]

    LOGS.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    log = (LOGS / "gunicorn.log").open("w")
    server = subprocess.Popen(  # noqa: S603 -- our own interpreter and arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(options.workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--pythonpath",
            f"{DEMO},{ROOT}",
            "demo_site.wsgi:application",
        ],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.server_settings"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                noop = urllib.request.Request(
                    f"http://127.0.0.1:{port}/bench/noop", data=b"{}", method="POST"
                )
                with urllib.request.urlopen(noop, timeout=5) as answer:  # noqa: S310 -- 127.0.0.1 only
                    if answer.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    print(f"gunicorn did not start; see {LOGS / 'gunicorn.log'}", file=sys.stderr)
                    return 1
                time.sleep(0.3)
        noop_requests = [_request(port, "/bench/noop", b"{}", {}) for _ in range(options.noop)]
        noop_latencies, noop_statuses, noop_elapsed = _send_all(port, noop_requests, options.concurrency)

        def webhooks(ids: list[str], step: int, prefix: str) -> list[bytes]:
            return [
                _request(port, "/idv/persona/webhook", body, {"Persona-Signature": signature(body, secret)})
                for body in _phase_bodies(ids, step, prefix)
            ]

        # A long-running server has made its first webhooks long ago: each worker's first ones import
        # what the webhook path imports lazily (Celery's broker transport...), not measured.
        for step in range(len(STEPS)):
            _send_all(port, webhooks(warm_up_ids, step, "warm"), options.concurrency)
        meter = CpuMeter.for_server(server.pid)
        latencies: list[float] = []
        statuses: dict[int, int] = {}
        round_rates: list[float] = []
        for number, ids in enumerate(rounds):
            round_requests, elapsed = 0, 0.0
            for step in range(len(STEPS)):
                requests = webhooks(ids, step, f"web{number}_")
                meter.start()
                phase_latencies, phase_statuses, phase_elapsed = _send_all(
                    port, requests, options.concurrency
                )
                meter.stop()
                latencies += phase_latencies
                round_requests += len(phase_latencies)
                elapsed += phase_elapsed
                for status, count in phase_statuses.items():
                    statuses[status] = statuses.get(status, 0) + count
            round_rates.append(round_requests / elapsed)
    finally:
        stop_process(server)
        log.close()

    approved = VerificationAttempt.objects.filter(external_id__in=inquiry_ids, status="approved").count()
    queued = broker.llen("celery")
    names_approved, drain_seconds = (
        (0, 0.0)
        if options.no_receivers  # nobody queues a task
        else _drain(
            broker, [f"benchweb{r}_{i}" for r in range(options.rounds) for i in range(options.inquiries)]
        )
    )
    rate = statistics.median(round_rates)
    noop_rate = len(noop_latencies) / noop_elapsed
    p50, p99 = statistics.median(latencies) * 1000, _percentile(latencies, 0.99) * 1000
    ok = statuses == {200: len(latencies)} and noop_statuses == {200: len(noop_latencies)}
    ok = ok and approved == len(inquiry_ids)
    names_ok = options.no_receivers or names_approved == len(inquiry_ids)
    table = Table("MariaDB")
    server = (
        f"gunicorn {options.workers} workers x {options.threads} threads, {options.concurrency} in flight"
    )
    if options.no_receivers:
        table.figures += [
            reported(
                "Persona webhooks/s, no event receivers (our code only)", rate, TARGET_RATE, "req/s", "target"
            ),
            reported("  their p99 latency", p99, TARGET_P99_MS, "ms", "target", note=f"median {p50:.1f} ms"),
        ]
    else:
        table.figures += [
            rate_at_least(f"Persona webhooks/s ({server})", rate, TARGET_RATE, "req/s", "target", 1),
            at_most(
                "  their p99 latency", p99, TARGET_P99_MS, "ms", "target", 1, note=f"median {p50:.1f} ms"
            ),
            reported(
                "  their rate against the no-op view's (the ceiling)", rate, noop_rate, "req/s", "no-op view"
            ),
        ]
    table.notes.append(
        f"webhooks{' (no receivers)' * options.no_receivers}: {len(latencies)} requests "
        f"({len(inquiry_ids)} inquiries x 3 events, every one 200: "
        f"{ok}; {approved} attempts approved); no-op: {len(noop_latencies)} requests, p99 "
        f"{_percentile(noop_latencies, 0.99) * 1000:.1f} ms."
    )
    if len(round_rates) > 1:
        table.notes.append(
            f"{len(round_rates)} rounds of {options.inquiries} inquiries: "
            + ", ".join(f"{round_rate:.0f}" for round_rate in round_rates)
            + " req/s; the figure is their median, the latencies are all rounds'."
        )
    if meter.available:
        cpu = meter.per_request_ms(len(latencies))
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        total = sum(cpu.values())
        table.notes.append(
            "CPU per webhook: "
            + ", ".join(f"{name} {ms:.2f} ms" for name, ms in cpu.items())
            + f"; {total:.2f} ms in all: {cores} cores carry at most {cores * 1000 / total:.0f} webhooks/s."
        )
    if not options.no_receivers:
        table.notes.append(
            f"edx-name-affirmation's Celery tasks: {queued} waiting in Redis after the load; a worker (solo "
            f"pool) then filed {names_approved} of {len(inquiry_ids)} verified names as approved in "
            f"{drain_seconds:.1f} s."
        )
    missed = [figure for figure in table.figures if figure.passed is False]
    if missed and options.profile and not options.no_receivers:
        print("webhook target missed: profiling it in-process", file=sys.stderr, flush=True)
        table.notes.append(
            "Profile of the webhook (pyinstrument, in-process, self time):\n"
            + _profile(options.profile, secret)
        )
    table.print()
    if options.out:
        table.save(options.out)
    if not names_ok:
        print(
            f"The Celery worker filed {names_approved} of {len(inquiry_ids)} verified names as approved; "
            f"see {LOGS / 'celery.log'}",
            file=sys.stderr,
        )
    return 0 if ok and names_ok else 1


if __name__ == "__main__":
    sys.exit(main())
