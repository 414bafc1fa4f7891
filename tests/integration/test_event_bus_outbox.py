"""
Events that are never lost, with real parts: idv_core's outbox on MariaDB, its relay (``idv_relay_events``)
writing to the real Redis, and a downstream consumer in another process (openedx-events' ``consume_events``
with edx-event-bus-redis's ``RedisEventConsumer``).

* an approval made in the producing process reaches the consumer with its full ``VerificationAttemptData``;
* Redis unreachable (a TCP proxy in front of the shared Redis, cut and restored) while 500 attempts are
  approved: every event arrives, in order per attempt; duplicates are counted;
* the relay SIGKILLed mid-batch and restarted: nothing is lost.

The figures (sent, received, duplicates, drain time) are printed and written to build/eventbus-figures.json.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings

from idv_core.testing.processes import stop_process
from tests.integration import mariadb

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = REPO_ROOT / "demo"
FIGURES = REPO_ROOT / "build" / "eventbus-figures.json"
# Its own database per checkout (IDV_TEST_MYSQL_TEST_DATABASE), so that two checkouts can run it at once.
DATABASE = "_".join(filter(None, ["idv_it_eventbus", os.environ.get("IDV_TEST_MYSQL_TEST_DATABASE", "")]))
REDIS_DB = 13
TOPIC = "learning-idv-attempt"
WAIT_SECONDS = 120

APPROVE = """
import json, sys
from django.contrib.auth import get_user_model
from idv_core import api
User = get_user_model()
start, count, provider = {start}, {count}, "{provider}"
ids = []
for number in range(start, start + count):
    user = User.objects.create(username=f"it{{number}}", email=f"it{{number}}@example.org", first_name="Ada",
                               last_name=f"Lovelace{{number}}")
    name = f"Augusta Ada King {{number}}"
    attempt_id = api.create_verification_attempt(user, name, "pending", provider=provider)
    api.update_verification_attempt(attempt_id, status="approved")
    ids.append(attempt_id)
print(json.dumps(ids))
"""

OUTBOX_STATE = """
import json
from idv_core.models import OutboxEvent
rows = OutboxEvent.objects.order_by("pk")
print(json.dumps({
    "total": rows.count(),
    "delivered": rows.filter(delivered__isnull=False).count(),
    "ids": [str(i) for i in rows.values_list("event_id", flat=True)],
}))
"""


class CuttableProxy:
    """A TCP proxy on 127.0.0.1 in front of the shared Redis; ``cut()`` drops every connection and refuses
    new ones (accepted, then closed at once) until ``restore()``. The shared Redis itself is never touched."""

    def __init__(self, target=("127.0.0.1", 6379)):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.open = True
        self.stopped = False
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stopped:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.open:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    def _pump(self, client, upstream):
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        try:
            while True:
                for key, _ in selector.select(timeout=0.5):
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    key.data.sendall(data)
        except OSError:
            return
        finally:
            selector.close()
            for sock in (client, upstream):
                sock.close()

    def cut(self):
        self.open = False
        with self.lock:
            for client, upstream in self.pairs:
                for sock in (client, upstream):
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
            self.pairs.clear()

    def restore(self):
        self.open = True

    def close(self):
        self.stopped = True
        self.cut()
        self.listener.close()


@pytest.fixture
def bus(tmp_path):
    """A fresh MariaDB database for the producing host, a private topic prefix on Redis db 13."""
    import MySQLdb
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    try:
        client.ping()
    except redis.ConnectionError as error:
        pytest.exit(f"Redis is not reachable at 127.0.0.1:6379 ({error}).", returncode=4)
    prefix = f"idv-it-{uuid.uuid4().hex[:8]}"
    server = MySQLdb.connect(**mariadb.server_kwargs())
    server.cursor().execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    server.cursor().execute(f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    database = settings.DATABASES["default"]
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    base_env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    base_env.update(
        PYTHONPATH=os.pathsep.join([str(DEMO_DIR), str(REPO_ROOT)]),
        IDV_IT_REDIS_DB=str(REDIS_DB),
        IDV_IT_TOPIC_PREFIX=prefix,
        IDV_IT_RECORD_FILE=str(tmp_path / "received.jsonl"),
    )
    producer_env = {
        **base_env,
        "DJANGO_SETTINGS_MODULE": "tests.integration.eventbus_producer_settings",
        "DATABASE_URL": f"mysql://{database['USER']}{password}@{database['HOST']}:{database['PORT']}/{DATABASE}",
        "DEMO_DEBUG": "0",
        "IDV_IT_BUS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
    }
    consumer_env = {**base_env, "DJANGO_SETTINGS_MODULE": "tests.integration.eventbus_consumer_settings"}
    state = {"producer": producer_env, "consumer": consumer_env, "received": tmp_path / "received.jsonl"}
    _manage(producer_env, "migrate", "--noinput", "-v", "0")
    processes: list[subprocess.Popen] = []
    state["processes"] = processes
    yield state
    for process in processes:
        stop_process(process, timeout=20)
    server.cursor().execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    server.close()
    for key in client.scan_iter(f"{prefix}-*"):
        client.delete(key)
    client.close()


def _manage(env, *args):
    result = subprocess.run(
        [sys.executable, "-m", "django", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr[-3000:])
    return result.stdout


def _json_out(output):
    return json.loads([line for line in output.splitlines() if line.startswith(("{", "["))][-1])


def _start(bus, env, *args, log_name="process"):
    log = open(Path(bus["received"]).parent / f"{log_name}.log", "w")  # noqa: SIM115 -- closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "django", *args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO_ROOT,
    )
    bus["processes"].append(process)
    return process


def _start_consumer(bus):
    extra = json.dumps({"consumer_name": "it-consumer-1", "last_read_msg_id": "0-0"})
    return _start(
        bus,
        bus["consumer"],
        "consume_events",
        "-t",
        TOPIC,
        "-g",
        "idv-it-group",
        "--extra",
        extra,
        log_name="consumer",
    )


def _start_relay(bus, env=None, name="relay"):
    return _start(bus, env or bus["producer"], "idv_relay_events", log_name=name)


def _received(bus):
    path = bus["received"]
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _wait_for(bus, count, timeout=WAIT_SECONDS):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        received = _received(bus)
        if len({event["id"] for event in received}) >= count:
            return received
        time.sleep(0.1)
    return _received(bus)


def _log(bus, name):
    path = Path(bus["received"]).parent / f"{name}.log"
    return path.read_text()[-3000:] if path.exists() else ""


def _check_complete_and_ordered(received, attempt_ids, outbox_ids):
    """Every event once at least, each attempt's in the order created, pending, approved."""
    unique = {event["id"] for event in received}
    assert unique == set(outbox_ids), f"missing {len(set(outbox_ids) - unique)} event(s)"
    first_seen: dict[int, list[str]] = defaultdict(list)
    seen = set()
    for event in received:
        if event["id"] in seen:
            continue
        seen.add(event["id"])
        first_seen[event["attempt_id"]].append(event["status"])
    assert set(first_seen) == set(attempt_ids)
    out_of_order = {a: s for a, s in first_seen.items() if s != ["created", "pending", "approved"]}
    assert out_of_order == {}
    return len(received) - len(unique)


def _delivered_count():
    import MySQLdb

    server = MySQLdb.connect(**mariadb.server_kwargs(), database=DATABASE, autocommit=True)
    try:
        cursor = server.cursor()
        cursor.execute("SELECT COUNT(*) FROM idv_core_outboxevent WHERE delivered IS NOT NULL")
        return cursor.fetchone()[0]
    finally:
        server.close()


def _save_figures(name, figures):
    FIGURES.parent.mkdir(exist_ok=True)
    current = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    current[name] = figures
    FIGURES.write_text(json.dumps(current, indent=2))
    print(f"\n{name}: {json.dumps(figures)}")  # noqa: T201 -- the figures the closing note quotes


def test_a_consumer_process_receives_the_approval_with_its_full_data(bus):
    consumer = _start_consumer(bus)
    [attempt_id] = _json_out(
        _manage(bus["producer"], "shell", "-c", APPROVE.format(start=1, count=1, provider="manual"))
    )
    out = _manage(bus["producer"], "idv_relay_events", "--once")
    assert "Delivered 3 IDV event(s); 0 pending." in out
    received = _wait_for(bus, 3, timeout=30)
    assert consumer.poll() is None, _log(bus, "consumer")
    approved = [
        event for event in received if event["type"] == "org.openedx.learning.idv_attempt.approved.v1"
    ]
    assert len(approved) == 1, _log(bus, "consumer")
    [event] = approved
    assert event["from_event_bus"] is True
    assert event["attempt_id"] == attempt_id
    assert event["status"] == "approved"
    assert event["name"] == "Augusta Ada King 1"
    assert event["expiration_date"]  # IDV_DAYS_GOOD_FOR from the approval
    assert event["user"] == {
        "id": event["user"]["id"],
        "is_active": True,
        "username": "it1",
        "email": "it1@example.org",
        "name": "Ada Lovelace1",
    }
    # The bus carries the event id the in-process signal had: the outbox row's.
    outbox_state = _json_out(_manage(bus["producer"], "shell", "-c", OUTBOX_STATE))
    assert [e["id"] for e in received] == outbox_state["ids"]
    assert outbox_state["delivered"] == 3


def test_nothing_is_lost_while_redis_is_unreachable(bus):
    proxy = CuttableProxy()
    try:
        relay_env = {**bus["producer"], "IDV_IT_BUS_URL": f"redis://127.0.0.1:{proxy.port}/{REDIS_DB}"}
        _start_consumer(bus)
        relay = _start_relay(bus, relay_env)
        first = _json_out(
            _manage(bus["producer"], "shell", "-c", APPROVE.format(start=1, count=100, provider="persona"))
        )
        proxy.cut()  # while the relay is still sending the first 300 events
        delivered_at_cut = _delivered_count()
        rest = _json_out(
            _manage(bus["producer"], "shell", "-c", APPROVE.format(start=101, count=400, provider="manual"))
        )
        time.sleep(3)  # the relay keeps failing and backing off
        stuck = _json_out(_manage(bus["producer"], "shell", "-c", OUTBOX_STATE))
        assert stuck["delivered"] < stuck["total"] == 1500
        restored = time.monotonic()
        proxy.restore()
        received = _wait_for(bus, 1500)
        drain_seconds = time.monotonic() - restored
        assert relay.poll() is None, _log(bus, "relay")
        outbox_state = _json_out(_manage(bus["producer"], "shell", "-c", OUTBOX_STATE))
        duplicates = _check_complete_and_ordered(received, first + rest, outbox_state["ids"])
        assert outbox_state["delivered"] == 1500
        relay.send_signal(signal.SIGTERM)
        assert relay.wait(timeout=30) == 0, _log(bus, "relay")
    finally:
        proxy.close()
    _save_figures(
        "outage",
        {
            "attempts_approved": 500,
            "events_sent": 1500,
            "delivered_at_cut": delivered_at_cut,
            "pending_during_outage": stuck["total"] - stuck["delivered"],
            "events_received": len(received),
            "unique_received": len(received) - duplicates,
            "duplicates": duplicates,
            "drain_seconds_after_restore": round(drain_seconds, 2),
        },
    )


def _stable_delivered_count():
    """The count once it stopped moving (an UPDATE the frozen relay sent may still be running)."""
    previous, current = -1, _delivered_count()
    while current != previous:
        time.sleep(0.1)
        previous, current = current, _delivered_count()
    return current


def _freeze_mid_batch(process, after):
    """
    SIGSTOP the relay once it delivered ``after`` records or more, at a count that is not a batch boundary
    (batches of 100): where it stops does not depend on how fast the machine is.
    """
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        while _delivered_count() < after:
            assert time.monotonic() < deadline, "the relay did not get that far"
            time.sleep(0.005)
        process.send_signal(signal.SIGSTOP)
        count = _stable_delivered_count()
        if count % 100 != 0:
            return count
        after = count + 1  # stopped between two batches: let it go on a little
        process.send_signal(signal.SIGCONT)


def test_nothing_is_lost_when_the_relay_is_killed_mid_batch(bus):
    attempt_ids = _json_out(
        _manage(bus["producer"], "shell", "-c", APPROVE.format(start=1, count=500, provider="manual"))
    )
    _start_consumer(bus)
    relay = _start_relay(bus, name="relay-1")
    _freeze_mid_batch(relay, after=250)  # mid-way through the third batch
    relay.send_signal(signal.SIGKILL)
    relay.wait(timeout=10)
    at_kill = _delivered_count()
    assert at_kill % 100 != 0, "the relay was not killed mid-batch (batches of 100)"
    assert at_kill < 1500
    restarted = time.monotonic()
    _start_relay(bus, name="relay-2")  # waits for the dead relay's lease to expire (3 s here)
    received = _wait_for(bus, 1500)
    drain_seconds = time.monotonic() - restarted
    outbox_state = _json_out(_manage(bus["producer"], "shell", "-c", OUTBOX_STATE))
    duplicates = _check_complete_and_ordered(received, attempt_ids, outbox_state["ids"])
    assert outbox_state["delivered"] == 1500
    _save_figures(
        "kill",
        {
            "events_sent": 1500,
            "delivered_before_kill": at_kill,
            "events_received": len(received),
            "duplicates": duplicates,
            "seconds_to_finish_after_restart": round(drain_seconds, 2),
        },
    )


PROVIDER_DECISIONS = """
import json
from django.contrib.auth import get_user_model
from django.db import transaction
from idv_core import api
from edx_name_affirmation.models import VerifiedName
User = get_user_model()
with transaction.atomic():
    mia = User.objects.create(username="mia", email="mia@example.org")
    manual = api.create_verification_attempt(mia, "Mia Manual", "pending", provider="manual")
    api.update_verification_attempt(manual, status="approved", reason="Passport checked")
with transaction.atomic():
    pia = User.objects.create(username="pia", email="pia@example.org")
    persona = api.create_verification_attempt(pia, "Pia Persona", "created", provider="persona",
                                              external_id="inq_it_1")
    api.update_verification_attempt(persona, status="pending")
    api.update_verification_attempt(persona, status="approved")
with transaction.atomic():
    den = User.objects.create(username="den", email="den@example.org")
    denied = api.create_verification_attempt(den, "Den Denied", "pending", provider="manual")
    api.update_verification_attempt(denied, status="denied", reason="Document unreadable")
print(json.dumps({
    "ids": {"manual": manual, "persona": persona, "denied": denied},
    "names": sorted(
        [n.user.username, n.verified_name, n.status, n.platform_verification_attempt_id]
        for n in VerifiedName.objects.select_related("user")
    ),
}))
"""


def test_name_affirmation_follows_manual_and_persona_decisions_with_the_outbox_on(bus):
    """edx-name-affirmation's own receivers and (eager) Celery tasks, in the producing host, outbox on."""
    result = _json_out(_manage(bus["producer"], "shell", "-c", PROVIDER_DECISIONS))
    ids = result["ids"]
    assert result["names"] == [
        ["den", "Den Denied", "denied", ids["denied"]],
        ["mia", "Mia Manual", "approved", ids["manual"]],
        ["pia", "Pia Persona", "approved", ids["persona"]],
    ]
    # The same events wait in the outbox for the bus: created, pending, approved / created, pending,
    # approved / created, pending, denied.
    assert _json_out(_manage(bus["producer"], "shell", "-c", OUTBOX_STATE))["total"] == 9
