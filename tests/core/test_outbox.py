"""
The transactional outbox and its relay, without Redis: edx-event-bus-redis's real producer, message and
consumer code over an in-memory stand-in of the Redis client (tests/core/redisless_bus.py).
"""

from __future__ import annotations

import json
import os
import signal
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone
from edx_event_bus_redis.internal.consumer import RedisEventConsumer
from edx_event_bus_redis.internal.message import RedisMessage
from openedx_events.data import EventsMetadata
from openedx_events.event_bus.avro.deserializer import deserialize_bytes_to_event_data
from openedx_events.learning.data import VerificationAttemptData
from openedx_events.learning.signals import IDV_ATTEMPT_APPROVED, IDV_ATTEMPT_CREATED
from openedx_events.tooling import OpenEdxPublicSignal
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from idv_core import api, outbox
from idv_core.models import OutboxEvent, OutboxRelayLease
from idv_core.tasks import relay_idv_events
from tests.core import redisless_bus

pytestmark = pytest.mark.django_db

TOPIC = "learning-idv-attempt"
STREAM = f"unit-{TOPIC}"
ALL_IDV = {
    event_type: {TOPIC: {"event_key_field": "idv_attempt.attempt_id", "enabled": True}}
    for event_type in outbox.IDV_EVENT_TYPES
}


@pytest.fixture
def streams(settings):
    """Route every IDV event to the in-memory Redis Streams, prefix "unit"."""
    redisless_bus.CLIENT = redisless_bus.InMemoryStreams()
    settings.EVENT_BUS_PRODUCER = "tests.core.redisless_bus.create_producer"
    settings.EVENT_BUS_REDIS_CONNECTION_URL = "redis://127.0.0.1:1/0"  # never connected to
    settings.EVENT_BUS_TOPIC_PREFIX = "unit"
    settings.IDV_EVENT_BUS_PRODUCER_CONFIG = ALL_IDV
    settings.IDV_EVENT_BUS_RELAY_MAX_BACKOFF_SECONDS = 0.01
    settings.IDV_EVENT_BUS_RELAY_POLL_SECONDS = 0.01
    return redisless_bus.CLIENT


def _consume(client, stream=STREAM):
    """Decode what was written with the library's own consumer code: (metadata, signal, event data)."""
    consumer = RedisEventConsumer.__new__(RedisEventConsumer)  # its decoding needs no connection
    received = []

    def record(sender, signal, **kwargs):
        received.append((kwargs["metadata"], signal, kwargs["idv_attempt"], kwargs["from_event_bus"]))

    signals = [OpenEdxPublicSignal.get_signal_by_type(t) for t in outbox.IDV_EVENT_TYPES]
    for sig in signals:
        sig.connect(record, dispatch_uid="outbox-test-consumer")
    try:
        for entry in client.all(stream):
            consumer.emit_signals_from_message(RedisMessage.parse(entry, stream))
    finally:
        for sig in signals:
            sig.disconnect(dispatch_uid="outbox-test-consumer")
    return received


class _Relay:
    """One relay per test (a relay keeps its lease between batches, as a running relay does)."""

    relay: outbox.OutboxRelay | None = None

    def deliver_batch(self, *args):
        return self.relay.deliver_batch(*args)


RELAY = _Relay()


@pytest.fixture(autouse=True)
def _one_relay_per_test():
    RELAY.relay = outbox.OutboxRelay()


def _approve(user, name="Ada King"):
    attempt_id = api.create_verification_attempt(user, name, "pending", provider="manual")
    api.update_verification_attempt(attempt_id, status="approved")
    return attempt_id


# --- the write side -------------------------------------------------------------------------------


def test_no_route_writes_no_outbox_row(user, settings):
    settings.IDV_EVENT_BUS_PRODUCER_CONFIG = {}
    _approve(user)
    assert not OutboxEvent.objects.exists()


def test_a_disabled_route_writes_no_outbox_row(user, settings):
    settings.IDV_EVENT_BUS_PRODUCER_CONFIG = {
        IDV_ATTEMPT_APPROVED.event_type: {TOPIC: {"event_key_field": "idv_attempt.user.id", "enabled": False}}
    }
    _approve(user)
    assert not OutboxEvent.objects.exists()


def test_only_routed_event_types_are_written(user, settings, streams):
    settings.IDV_EVENT_BUS_PRODUCER_CONFIG = {
        IDV_ATTEMPT_APPROVED.event_type: {
            TOPIC: {"event_key_field": "idv_attempt.user.id", "enabled": True},
            "second-topic": {"event_key_field": "idv_attempt.attempt_id", "enabled": True},
        }
    }
    attempt_id = _approve(user)
    rows = list(
        OutboxEvent.objects.order_by("pk").values_list("event_type", "topic", "attempt_id", "event_key_field")
    )
    assert rows == [
        (IDV_ATTEMPT_APPROVED.event_type, TOPIC, attempt_id, "idv_attempt.user.id"),
        (IDV_ATTEMPT_APPROVED.event_type, "second-topic", attempt_id, "idv_attempt.attempt_id"),
    ]


def test_each_status_change_writes_its_event_in_order(user, streams):
    attempt_id = api.create_verification_attempt(user, "Ada King", "approved", provider="persona")
    api.update_verification_attempt(attempt_id, status="denied")
    api.update_verification_attempt(attempt_id, name="Ada Lovelace")  # no status change: no event
    rows = OutboxEvent.objects.order_by("pk")
    assert [row.payload["idv_attempt"]["status"] for row in rows] == ["created", "approved", "denied"]
    assert {row.attempt_id for row in rows} == {attempt_id}
    assert {row.user_id for row in rows} == {user.pk}
    assert all(row.delivered is None for row in rows)


def test_outbox_rows_carry_their_events_numbers_in_commit_order(make_user, streams):
    first = api.create_verification_attempt(make_user(), "Ada King", "pending")
    second = api.create_verification_attempt(make_user(), "Ada Lovelace", "approved")
    api.update_verification_attempt(first, status="approved")
    api.update_verification_attempt(first, status="denied")
    rows = OutboxEvent.objects.order_by("pk")
    assert [(row.attempt_id, row.sequence, row.payload["idv_attempt"]["status"]) for row in rows] == [
        (first, 1, "created"),
        (first, 2, "pending"),
        (second, 1, "created"),
        (second, 2, "approved"),
        (first, 3, "approved"),
        (first, 4, "denied"),
    ]


def test_a_rolled_back_change_leaves_no_outbox_row(user, streams, signals):
    written_inside = []

    def change_then_fail():
        with transaction.atomic():
            api.create_verification_attempt(user, "Ada", "approved")
            written_inside.append(OutboxEvent.objects.count())
            raise RuntimeError("roll back")

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert written_inside == [2]  # written inside the transaction...
    assert OutboxEvent.objects.count() == 0  # ...and gone with it
    assert signals.events == []


@pytest.mark.django_db(transaction=True)
def test_create_writes_the_attempt_and_its_outbox_rows_in_one_transaction(make_user, streams, monkeypatch):
    """In autocommit, a failure writing the outbox must not leave an attempt without its events."""
    user = make_user()

    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(OutboxEvent.objects, "bulk_create", fail)
    with pytest.raises(RuntimeError):
        api.create_verification_attempt(user, "Ada", "approved")
    assert api.get_verification_attempts(user) == []


@pytest.mark.django_db(transaction=True)
def test_the_in_process_signal_and_the_outbox_carry_the_same_event_id(make_user, streams, signals):
    user = make_user()
    attempt_id = api.create_verification_attempt(user, "Ada", "pending")
    api.update_verification_attempt(attempt_id, status="approved")
    rows = list(OutboxEvent.objects.order_by("pk"))
    assert [m.id for _t, _d, m in signals.events] == [row.event_id for row in rows]
    assert [m.time for _t, _d, m in signals.events] == [
        outbox.metadata_from_json(row.metadata).time for row in rows
    ]
    assert signals.types == ["created", "pending", "approved"]  # still exactly one signal per status


@pytest.mark.django_db(transaction=True)
def test_the_in_process_signal_is_not_marked_as_coming_from_the_bus(make_user, streams):
    """openedx-events' own EVENT_BUS_PRODUCER_CONFIG handler must still see our signals as local."""
    seen = []

    def receiver(sender, signal, **kwargs):
        seen.append((kwargs["from_event_bus"], kwargs["metadata"].event_type))

    IDV_ATTEMPT_CREATED.connect(receiver, dispatch_uid="from-bus-check")
    try:
        api.create_verification_attempt(make_user(), "Ada", "created")
    finally:
        IDV_ATTEMPT_CREATED.disconnect(dispatch_uid="from-bus-check")
    assert seen == [(False, IDV_ATTEMPT_CREATED.event_type)]


def test_metadata_survives_the_json_round_trip():
    metadata = EventsMetadata(event_type=IDV_ATTEMPT_APPROVED.event_type, minorversion=3)
    assert outbox.metadata_from_json(outbox.metadata_to_json(metadata)) == metadata


def test_retirement_scrubs_the_names_of_outbox_payloads(make_user, streams):
    ada, bob = make_user(), make_user()
    _approve(ada, "Augusta Ada King")
    _approve(bob, "Robert Roe")
    RELAY.deliver_batch()  # some delivered...
    api.create_verification_attempt(ada, "Augusta Ada King", "created")  # ...and one still pending
    api.retire_user_verification_names(ada)
    for row in OutboxEvent.objects.filter(user_id=ada.pk):
        assert row.payload["idv_attempt"]["name"] == ""
        assert row.payload["idv_attempt"]["user"]["pii"]["name"] == ""
        assert row.payload["idv_attempt"]["user"]["id"] == ada.pk
    assert {row.payload["idv_attempt"]["name"] for row in OutboxEvent.objects.filter(user_id=bob.pk)} == {
        "Robert Roe"
    }
    # The pending one still goes out, scrubbed.
    result = RELAY.deliver_batch()
    assert result.delivered == 1
    *_, last = _consume(streams)
    assert not last[2].name  # blank ("" or None after Avro)
    assert not last[2].user.pii.name


def test_after_retirement_no_outbox_payload_holds_the_learners_name_email_or_username(make_user, streams):
    ada = make_user(username="ada_l", email="ada@example.org", first_name="Augusta", last_name="Ada King")
    bob = make_user(username="bob_r", email="bob@example.org")
    _approve(ada, "Augusta Ada King")
    _approve(bob, "Robert Roe")
    RELAY.deliver_batch()  # delivered...
    api.create_verification_attempt(ada, "Augusta Ada King", "created")  # ...and pending
    api.retire_user_verification_names(ada)
    ada_rows = list(OutboxEvent.objects.filter(user_id=ada.pk))
    assert len(ada_rows) == 4
    for row in ada_rows:
        text = json.dumps(row.payload)
        for personal in ("Augusta", "Ada King", "ada_l", "ada@example.org"):
            assert personal not in text
        assert row.payload["idv_attempt"]["user"]["id"] == ada.pk
    bob_pii = {
        json.dumps(row.payload["idv_attempt"]["user"]["pii"])
        for row in OutboxEvent.objects.filter(user_id=bob.pk)
    }
    assert all("bob_r" in pii and "bob@example.org" in pii for pii in bob_pii)
    assert RELAY.deliver_batch().delivered == 1  # the pending one still goes out, blanked
    *_, last = _consume(streams)
    assert (last[2].user.id, last[2].user.pii.username, last[2].user.pii.email) == (ada.pk, "", "")


def test_retirement_without_outbox_rows_changes_nothing_there(user):
    api.create_verification_attempt(user, "Ada", "approved")
    assert outbox.scrub_names(user.pk) == 0


# --- the relay ------------------------------------------------------------------------------------


def test_the_relay_delivers_in_order_in_the_librarys_wire_format(make_user, streams):
    ada, bob = make_user(), make_user()
    first = _approve(ada)
    second = api.create_verification_attempt(bob, "Robert Roe", "pending")
    api.update_verification_attempt(second, status="denied")

    result = RELAY.deliver_batch()

    assert result.delivered == 6
    assert not result.bus_error
    received = _consume(streams)
    assert [(data.attempt_id, data.status) for _m, _s, data, _b in received] == [
        (first, "created"),
        (first, "pending"),
        (first, "approved"),
        (second, "created"),
        (second, "pending"),
        (second, "denied"),
    ]
    _metadata, sig, data, from_bus = received[2]
    assert sig is IDV_ATTEMPT_APPROVED
    assert from_bus is True
    assert isinstance(data, VerificationAttemptData)
    assert data.name == "Ada King"
    assert (data.user.id, data.user.pii.username, data.user.pii.email) == (ada.pk, ada.username, ada.email)
    assert data.expiration_date == api.get_verification_attempt(first).expiration_datetime
    rows = list(OutboxEvent.objects.order_by("pk"))
    assert [m.id for m, *_ in received] == [row.event_id for row in rows]
    assert all(row.delivered is not None and row.tries == 1 for row in rows)
    assert [row.message_id for row in rows] == [entry[0].decode() for entry in streams.all(STREAM)]
    # Trimmed as the library trims its streams.
    assert {(add["maxlen"], add["approximate"]) for add in streams.adds} == {(10_000, True)}


def test_the_relay_writes_exactly_what_the_librarys_producer_writes(user, streams):
    """Pins the wire format: our message must equal RedisEventProducer.send()'s for the same event."""
    _approve(user)
    row = OutboxEvent.objects.order_by("pk").last()
    RELAY.deliver_batch()
    ours = streams.all(STREAM)[-1][1]

    redisless_bus.create_producer().send(
        signal=IDV_ATTEMPT_APPROVED,
        topic=TOPIC,
        event_key_field=row.event_key_field,
        event_data=outbox._deserializer(IDV_ATTEMPT_APPROVED).from_dict(row.payload),
        event_metadata=outbox.metadata_from_json(row.metadata),
    )
    theirs = streams.all(STREAM)[-1][1]
    assert ours == theirs
    assert set(ours) == {
        b"type",
        b"id",
        b"source",
        b"time",
        b"minorversion",
        b"sourcehost",
        b"sourcelib",
        b"event_data",
    }
    decoded = deserialize_bytes_to_event_data(ours[b"event_data"], IDV_ATTEMPT_APPROVED)
    assert decoded["idv_attempt"].status == "approved"


def test_nothing_is_marked_delivered_while_the_bus_is_down(user, streams):
    _approve(user)
    streams.down = True
    result = RELAY.deliver_batch()
    assert result.delivered == 0
    assert result.bus_error == "ConnectionError"
    assert OutboxEvent.objects.filter(delivered__isnull=False).count() == 0
    head = OutboxEvent.objects.order_by("pk").first()
    assert (head.tries, head.last_error, head.next_try) == (1, "ConnectionError", None)
    assert len(streams.adds) == 1  # stopped at the first failure, did not try the later records

    streams.down = False
    assert RELAY.deliver_batch().delivered == 3
    assert [data.status for _m, _s, data, _b in _consume(streams)] == ["created", "pending", "approved"]


def test_the_library_producers_send_swallows_the_error_the_relay_needs(user, streams, caplog):
    """Why the relay does not call send(): with Redis down it returns None, as if it had worked."""
    _approve(user)
    row = OutboxEvent.objects.order_by("pk").last()
    streams.down = True
    returned = redisless_bus.create_producer().send(
        signal=IDV_ATTEMPT_APPROVED,
        topic=TOPIC,
        event_key_field="idv_attempt.user.id",
        event_data=outbox._deserializer(IDV_ATTEMPT_APPROVED).from_dict(row.payload),
        event_metadata=outbox.metadata_from_json(row.metadata),
    )
    assert returned is None
    assert "Error delivering message to Redis event bus" in caplog.text


def test_an_unencodable_record_waits_and_holds_back_only_its_own_attempt(make_user, streams, caplog):
    # The relay's clock stands still: the backoff is "still in the future" however slow the machine is.
    moment = timezone.now()
    RELAY.relay = outbox.OutboxRelay(clock=lambda: moment)
    ada, bob = make_user(), make_user()
    broken = _approve(ada)
    fine = _approve(bob)
    first = OutboxEvent.objects.filter(attempt_id=broken).order_by("pk").first()
    good_payload = dict(first.payload)
    # An encoder's error message may quote the payload: here the verified name.
    OutboxEvent.objects.filter(pk=first.pk).update(
        payload={"idv_attempt": {**good_payload["idv_attempt"], "attempt_id": "Augusta Ada King"}}
    )

    result = RELAY.deliver_batch()

    assert f"IDV outbox record {first.pk} (attempt {broken}) could not be encoded" in caplog.text
    assert "Augusta Ada King" not in caplog.text

    assert (result.delivered, result.failed) == (3, 1)
    assert [data.attempt_id for _m, _s, data, _b in _consume(streams)] == [fine] * 3
    first.refresh_from_db()
    assert first.delivered is None
    assert first.tries == 1
    assert first.next_try > moment
    assert first.last_error
    # Still waiting: its attempt's later records are held back, even in a new batch.
    assert RELAY.deliver_batch().delivered == 0
    # Repaired and due again: the three go out, in order.
    OutboxEvent.objects.filter(pk=first.pk).update(payload=good_payload, next_try=moment)
    assert RELAY.deliver_batch().delivered == 3
    assert [(d.attempt_id, d.status) for _m, _s, d, _b in _consume(streams)][3:] == [
        (broken, "created"),
        (broken, "pending"),
        (broken, "approved"),
    ]


def test_batches_are_limited_and_report_whether_full(user, streams, settings):
    settings.IDV_EVENT_BUS_RELAY_BATCH_SIZE = 2
    _approve(user)
    relay = outbox.OutboxRelay()
    assert (relay.deliver_batch().delivered, OutboxEvent.objects.filter(delivered__isnull=True).count()) == (
        2,
        1,
    )
    run = relay.deliver_pending()
    assert (run.delivered, run.pending) == (1, 0)


def test_a_stop_request_ends_the_batch_after_the_record_in_flight(user, streams):
    _approve(user)
    stops = iter([False, True])
    result = outbox.OutboxRelay().deliver_batch(lambda: next(stops))
    assert result.delivered == 1
    assert OutboxEvent.objects.filter(delivered__isnull=True).count() == 2


def test_one_relay_at_a_time(user, streams):
    _approve(user)
    first, second = outbox.OutboxRelay(owner="a"), outbox.OutboxRelay(owner="b")
    assert first.hold_lease()
    assert second.deliver_batch().lease_elsewhere
    assert len(streams.adds) == 0
    first.release_lease()
    assert second.deliver_batch().delivered == 3
    assert OutboxRelayLease.objects.get().owner == "b"


# --- exactly once on the stream, one relay at a time (issue 13, points 7 and 11) ------------------


def _event_ids_on(streams, stream=STREAM):
    return [fields[b"id"].decode() for _stream_id, fields in streams.all(stream)]


def test_a_send_that_timed_out_after_redis_stored_it_is_not_stored_again(user, streams):
    """Redis stores the entry but the answer never comes (a frozen Redis, a socket timeout): retry."""
    _approve(user)
    timeouts = iter([True])

    def answer_lost():
        if next(timeouts, False):
            raise RedisTimeoutError("Timeout reading from 127.0.0.1:6379")

    streams.after_add = answer_lost
    first = RELAY.deliver_batch()
    assert (first.delivered, first.bus_error) == (0, "TimeoutError")
    head = OutboxEvent.objects.order_by("pk").first()
    assert head.delivered is None
    assert head.message_id  # chosen before the send, kept for the retry

    second = RELAY.deliver_batch()
    assert (second.delivered, second.already_stored) == (3, 1)
    assert [add["id"] for add in streams.adds[:2]] == [head.message_id, head.message_id]
    rows = list(OutboxEvent.objects.order_by("pk"))
    assert _event_ids_on(streams) == [str(row.event_id) for row in rows]  # each once, in order
    assert [row.message_id for row in rows] == [entry[0].decode() for entry in streams.all(STREAM)]


def test_a_relay_killed_after_the_send_does_not_store_the_record_twice(user, streams):
    """The record's stream id is committed before the send: a new relay retries with it."""
    _approve(user)

    def killed():
        streams.after_add = None
        raise KeyboardInterrupt  # the process dies between Redis's answer and the marking

    streams.after_add = killed
    with pytest.raises(KeyboardInterrupt):
        outbox.OutboxRelay(owner="dead").deliver_batch()
    OutboxRelayLease.objects.all().delete()
    assert outbox.OutboxRelay(owner="new").deliver_batch().delivered == 3
    assert _event_ids_on(streams) == [
        str(i) for i in OutboxEvent.objects.order_by("pk").values_list("event_id", flat=True)
    ]


def test_stream_ids_go_above_another_writers_later_ids(user, streams):
    """A stream id from the relay's clock that Redis refuses (another writer is ahead) is chosen again."""
    future = redisless_bus.create_producer().client.Stream(STREAM)
    future.add({b"id": b"someone-else", b"event_data": b""}, id="9999999999999-5")
    _approve(user)
    result = RELAY.deliver_batch()
    assert result.delivered == 3
    ids = [entry[0].decode() for entry in streams.all(STREAM)]
    assert ids == ["9999999999999-5", "9999999999999-6", "9999999999999-7", "9999999999999-8"]
    assert list(OutboxEvent.objects.order_by("pk").values_list("message_id", flat=True)) == ids[1:]


def test_the_last_id_of_a_stream_that_does_not_exist_is_zero(streams):
    assert outbox.get_transport().last_id("unit-nothing-here") == (0, 0)


def test_a_stream_that_another_writer_keeps_ahead_of_is_a_bus_error(user, streams):
    """Refused twice (the second id chosen above the stream's last one): the batch stops, nothing marked."""
    _approve(user)
    other = redisless_bus.create_producer().client.Stream(STREAM)
    ahead = iter(range(1, 100))

    def another_writer_first():
        streams.before_add = None
        other.add({b"id": b"someone-else", b"event_data": b""}, id=f"9999999999999-{next(ahead)}")
        streams.before_add = another_writer_first

    streams.before_add = another_writer_first
    result = RELAY.deliver_batch()
    assert (result.delivered, result.bus_error) == (0, "StreamIdTaken")
    assert OutboxEvent.objects.filter(delivered__isnull=False).count() == 0
    assert _event_ids_on(streams) == ["someone-else"] * 2


def test_another_redis_error_is_a_bus_error(user, streams):
    _approve(user)

    def wrong_type():
        raise ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value")

    streams.before_add = wrong_type
    assert RELAY.deliver_batch().bus_error == "ResponseError"


def test_a_relay_that_stalled_longer_than_its_lease_stops_sending(user, streams, settings):
    """
    Relay A's send hangs on a frozen Redis past its lease; relay B takes over and delivers everything; then
    A's send returns. A re-checks the lease before its next send and stops: nothing is sent twice.
    """
    settings.IDV_EVENT_BUS_RELAY_LEASE_SECONDS = 60
    _approve(user)
    now = [timezone.now()]
    first = outbox.OutboxRelay(owner="a", clock=lambda: now[0])
    second = outbox.OutboxRelay(owner="b", clock=lambda: now[0])
    taken_over = []

    def redis_frozen_while_the_lease_runs_out():
        if not taken_over:
            taken_over.append(True)
            now[0] += timedelta(seconds=61)
            taken_over.append(second.deliver_batch())

    streams.before_add = redis_frozen_while_the_lease_runs_out
    stalled = first.deliver_batch()

    assert taken_over[1].delivered == 3
    assert stalled.lease_elsewhere
    assert (stalled.delivered, stalled.already_stored) == (1, 1)  # its one send, already stored by B
    assert len(streams.adds) == 4  # B's three, A's one (refused by Redis as a duplicate)
    assert _event_ids_on(streams) == [
        str(i) for i in OutboxEvent.objects.order_by("pk").values_list("event_id", flat=True)
    ]
    assert OutboxRelayLease.objects.get().owner == "b"


def test_the_relays_redis_client_times_out_and_never_retries_by_itself(settings):
    settings.EVENT_BUS_PRODUCER = "edx_event_bus_redis.create_producer"
    settings.EVENT_BUS_REDIS_CONNECTION_URL = "redis://127.0.0.1:1/0"
    settings.IDV_EVENT_BUS_RELAY_SOCKET_TIMEOUT_SECONDS = 2.5
    transport = outbox.get_transport()
    kwargs = transport.client.connection_pool.connection_kwargs
    assert (kwargs["socket_timeout"], kwargs["socket_connect_timeout"]) == (2.5, 2.5)
    assert kwargs["retry"].get_retries() == 0
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("127.0.0.1", 1, 0)


def test_a_socket_timeout_not_well_below_the_lease_is_an_error(settings):
    settings.IDV_EVENT_BUS_RELAY_LEASE_SECONDS = 10
    settings.IDV_EVENT_BUS_RELAY_SOCKET_TIMEOUT_SECONDS = 5
    assert [check_id for check_id, _ in _check_ids()] == ["idv_core.E006"]
    settings.IDV_EVENT_BUS_RELAY_SOCKET_TIMEOUT_SECONDS = 4.9
    assert _check_ids() == []


@pytest.mark.parametrize("value", [0, -1, "5", True])
def test_a_socket_timeout_must_be_a_positive_number(settings, value):
    settings.IDV_EVENT_BUS_RELAY_SOCKET_TIMEOUT_SECONDS = value
    assert [check_id for check_id, _ in _check_ids()] == ["idv_core.E006"]


@pytest.mark.parametrize(("lease", "expected"), [(60, 5.0), (3, 0.75)])
def test_the_default_socket_timeout_is_a_quarter_of_the_lease_at_most_five_seconds(settings, lease, expected):
    settings.IDV_EVENT_BUS_RELAY_LEASE_SECONDS = lease
    assert outbox.relay_socket_timeout() == expected
    assert _check_ids() == []


def test_a_dead_relays_lease_expires(settings):
    settings.IDV_EVENT_BUS_RELAY_LEASE_SECONDS = 60
    OutboxRelayLease.objects.create(
        name=outbox.LEASE_NAME, owner="dead", expires=timezone.now() - timedelta(seconds=1)
    )
    assert outbox.OutboxRelay(owner="new").hold_lease()
    assert OutboxRelayLease.objects.get().owner == "new"


def test_delivered_records_are_pruned_after_the_retention(user, streams, settings):
    settings.IDV_EVENT_BUS_OUTBOX_RETENTION_DAYS = 7
    _approve(user)
    RELAY.deliver_batch()
    api.create_verification_attempt(user, "Ada", "created")  # pending: never pruned
    old = timezone.now() - timedelta(days=8)
    first_pk = OutboxEvent.objects.order_by("pk").first().pk
    OutboxEvent.objects.filter(pk=first_pk).update(delivered=old)
    OutboxEvent.objects.filter(delivered__isnull=True).update(created=old)

    assert outbox.prune_delivered() == 1
    assert not OutboxEvent.objects.filter(pk=first_pk).exists()
    assert OutboxEvent.objects.count() == 3


def test_next_backoff_doubles_up_to_the_ceiling(settings):
    settings.IDV_EVENT_BUS_RELAY_MAX_BACKOFF_SECONDS = 3
    waits = [0.0]
    for _ in range(5):
        waits.append(outbox.next_backoff(waits[-1]))
    assert waits[1:] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_get_transport_needs_the_redis_producer(settings):
    settings.EVENT_BUS_PRODUCER = None
    with pytest.raises(outbox.EventBusNotConfigured, match=r"edx_event_bus_redis\.create_producer"):
        outbox.get_transport()


def test_the_real_create_producer_gives_a_redis_transport_without_connecting(settings):
    settings.EVENT_BUS_PRODUCER = "edx_event_bus_redis.create_producer"
    settings.EVENT_BUS_REDIS_CONNECTION_URL = "redis://127.0.0.1:1/0"
    transport = outbox.get_transport()
    assert isinstance(transport, outbox.RedisStreamsTransport)


# --- the command and the task ---------------------------------------------------------------------


def test_relay_once_delivers_what_is_pending(user, streams, capsys):
    _approve(user)
    call_command("idv_relay_events", "--once")
    assert "Delivered 3 IDV event(s); 0 pending." in capsys.readouterr().out
    assert len(_consume(streams)) == 3


def test_relay_once_fails_while_the_bus_is_down(user, streams):
    _approve(user)
    streams.down = True
    with pytest.raises(CommandError, match=r"could not be reached \(ConnectionError\); 3 pending"):
        call_command("idv_relay_events", "--once")


def test_relay_once_says_when_another_relay_holds_the_lease(user, streams, capsys):
    _approve(user)
    outbox.OutboxRelay(owner="other").hold_lease()
    call_command("idv_relay_events", "--once")
    assert "Another relay holds the lease" in capsys.readouterr().out
    assert streams.adds == []


def test_the_relay_command_needs_a_redis_bus(settings):
    settings.EVENT_BUS_PRODUCER = None
    with pytest.raises(CommandError, match="EVENT_BUS_PRODUCER"):
        call_command("idv_relay_events", "--once")


# Transactional: like any long-running process, the command calls close_old_connections(), which closes a
# connection inside a test's transaction on MariaDB (SQLite in memory never closes).
@pytest.mark.django_db(transaction=True)
def test_the_long_running_relay_retries_while_the_bus_is_down_and_stops_gracefully(user, streams, capsys):
    """SIGTERM arrives while a record is in flight: that record is finished, then the command returns."""
    _approve(user)
    calls = []

    def bus_flaps_then_sigterm():
        calls.append(len(calls))
        streams.down = len(calls) <= 3  # three failures, then the bus is back
        if len(calls) == 5:  # the second record in flight
            os.kill(os.getpid(), signal.SIGTERM)

    streams.before_add = bus_flaps_then_sigterm
    previous = signal.getsignal(signal.SIGTERM)
    call_command("idv_relay_events")

    assert signal.getsignal(signal.SIGTERM) is previous
    out = capsys.readouterr().out
    assert "Stopped after delivering 2 IDV event(s)." in out
    assert [d.status for _m, _s, d, _b in _consume(streams)] == ["created", "pending"]
    assert OutboxEvent.objects.filter(delivered__isnull=True).count() == 1
    assert OutboxRelayLease.objects.get().expires <= timezone.now()  # released for the next relay


def test_the_celery_task_relays_and_prunes(user, streams):
    _approve(user)
    result = relay_idv_events.apply().get()
    assert result == {
        "delivered": 3,
        "failed": 0,
        "pending": 0,
        "bus_error": "",
        "lease_elsewhere": False,
        "pruned": 0,
    }
    assert len(_consume(streams)) == 3


def test_the_admin_never_shows_the_payload(admin_client, user, streams):
    _approve(user, "Augusta Ada King")
    row = OutboxEvent.objects.first()
    response = admin_client.get(f"/admin/idv_core/outboxevent/{row.pk}/change/")
    assert response.status_code == 200
    assert b"Augusta Ada King" not in response.content
    assert str(row.event_id).encode() in response.content
    assert admin_client.get("/admin/idv_core/outboxevent/").status_code == 200


# --- the system checks ----------------------------------------------------------------------------


def _check_ids():
    from idv_core.checks import _check_event_bus

    return [(message.id, message.msg) for message in _check_event_bus()]


def test_no_bus_configuration_is_fine(settings):
    settings.IDV_EVENT_BUS_PRODUCER_CONFIG = {}
    assert _check_ids() == []


def test_a_complete_redis_configuration_is_fine(streams, settings):
    settings.EVENT_BUS_PRODUCER = "edx_event_bus_redis.create_producer"
    assert _check_ids() == []


def test_an_event_type_produced_by_both_paths_is_an_error(streams, settings):
    settings.EVENT_BUS_PRODUCER = "edx_event_bus_redis.create_producer"
    settings.EVENT_BUS_PRODUCER_CONFIG = {
        IDV_ATTEMPT_APPROVED.event_type: {TOPIC: {"event_key_field": "idv_attempt.user.id", "enabled": True}},
        IDV_ATTEMPT_CREATED.event_type: {TOPIC: {"event_key_field": "idv_attempt.user.id", "enabled": False}},
    }
    [(check_id, message)] = _check_ids()
    assert check_id == "idv_core.E007"
    assert IDV_ATTEMPT_APPROVED.event_type in message


def test_routes_without_a_redis_bus_are_an_error(settings):
    settings.IDV_EVENT_BUS_PRODUCER_CONFIG = ALL_IDV
    settings.EVENT_BUS_PRODUCER = "edx_event_bus_kafka.create_producer"
    settings.EVENT_BUS_REDIS_CONNECTION_URL = None
    assert [check_id for check_id, _ in _check_ids()] == ["idv_core.E008"]


@pytest.mark.parametrize(
    "config",
    [
        ["not", "a", "dict"],
        {
            "org.openedx.learning.course.enrollment.created.v1": {
                TOPIC: {"event_key_field": "x", "enabled": True}
            }
        },
        {IDV_ATTEMPT_APPROVED.event_type: [TOPIC]},
        {IDV_ATTEMPT_APPROVED.event_type: {TOPIC: {"enabled": True}}},
        {IDV_ATTEMPT_APPROVED.event_type: {TOPIC: {"event_key_field": "x", "enabled": "yes"}}},
    ],
)
def test_a_malformed_relay_configuration_is_an_error(settings, config):
    settings.IDV_EVENT_BUS_PRODUCER_CONFIG = config
    assert [check_id for check_id, _ in _check_ids()] == ["idv_core.E006"]


@pytest.mark.parametrize("value", [0, -1, "5", True, None])
def test_relay_numbers_must_be_positive(settings, value):
    settings.IDV_EVENT_BUS_RELAY_BATCH_SIZE = value
    assert [check_id for check_id, _ in _check_ids()] == ["idv_core.E006"]
