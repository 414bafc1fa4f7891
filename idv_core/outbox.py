"""
The transactional outbox of IDV events and the relay that delivers it to the Open edX event bus.

Write side (:func:`add_to_outbox`): when ``IDV_EVENT_BUS_PRODUCER_CONFIG`` routes an IDV event type to a
topic, the event is stored as an :class:`~idv_core.models.OutboxEvent` row in the transaction that makes
the change, so a committed change always has its event, and a rolled-back change has none. With no route
configured nothing is written (and no query is made).

Read side (:class:`OutboxRelay`): reads undelivered rows in ``id`` order and sends each through a
:class:`RedisStreamsTransport`, which writes the message exactly as edx-event-bus-redis's producer does
(its ``RedisMessage`` headers and openedx-events' Avro bytes) but, unlike the producer's ``send()``, confirms
or raises, and writes under an explicit stream id. A row is marked delivered only once Redis confirmed it;
the relay stops at the first bus failure and is retried with backoff, so an attempt's later event never
overtakes an earlier undelivered one.

Exactly once on the stream: each row's stream id is chosen (above the stream's last id) and committed to
the row before its first send, and every retry sends that same id, so Redis refuses a second copy of a row
whose first send timed out after Redis stored it, or whose relay died before marking it. One relay sends
at a time: a lease, checked (and renewed when needed) before every send, and socket timeouts well below
the lease.

See docs/decisions/0004-transactional-outbox.rst and 0007-exactly-once-on-the-stream.rst.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from openedx_events.data import EventsMetadata
from openedx_events.event_bus import get_producer
from openedx_events.event_bus.avro.deserializer import AvroSignalDeserializer
from openedx_events.event_bus.avro.serializer import AvroSignalSerializer
from openedx_events.learning.signals import (
    IDV_ATTEMPT_APPROVED,
    IDV_ATTEMPT_CREATED,
    IDV_ATTEMPT_DENIED,
    IDV_ATTEMPT_PENDING,
)
from openedx_events.tooling import OpenEdxPublicSignal

from idv_core.conf import idv_setting
from idv_core.models import OutboxEvent, OutboxRelayLease

log = logging.getLogger(__name__)

#: The event types the outbox carries: the IDV signals idv_core sends.
IDV_EVENT_TYPES: frozenset[str] = frozenset(
    signal.event_type
    for signal in (IDV_ATTEMPT_CREATED, IDV_ATTEMPT_PENDING, IDV_ATTEMPT_APPROVED, IDV_ATTEMPT_DENIED)
)
LEASE_NAME = "idv-event-bus"
FIRST_BACKOFF_SECONDS = 0.5


class EventBusNotConfigured(Exception):
    """The relay has no bus: ``EVENT_BUS_PRODUCER`` does not make an edx-event-bus-redis producer."""


@dataclass(frozen=True)
class Route:
    """One (topic, event key field) an event type is sent to."""

    topic: str
    event_key_field: str


def get_routes(event_type: str) -> list[Route]:
    """Return the enabled routes of ``event_type`` in ``IDV_EVENT_BUS_PRODUCER_CONFIG`` (none: no outbox)."""
    config = idv_setting("IDV_EVENT_BUS_PRODUCER_CONFIG") or {}
    topics = config.get(event_type) if isinstance(config, dict) else None
    if not isinstance(topics, dict):
        return []
    return [
        Route(topic=topic, event_key_field=str(options.get("event_key_field", "")))
        for topic, options in topics.items()
        if isinstance(options, dict) and options.get("enabled") is True
    ]


def is_enabled() -> bool:
    """Return whether any IDV event type goes through the outbox."""
    return any(get_routes(event_type) for event_type in IDV_EVENT_TYPES)


@functools.cache
def _serializer(signal: OpenEdxPublicSignal) -> AvroSignalSerializer:
    # Building the Avro schema costs more than serializing one event: once per signal.
    return AvroSignalSerializer(signal)


@functools.cache
def _deserializer(signal: OpenEdxPublicSignal) -> AvroSignalDeserializer:
    return AvroSignalDeserializer(signal)


def metadata_to_json(metadata: EventsMetadata) -> dict[str, Any]:
    """Return ``metadata`` as JSON-compatible data (every field, the minor version too)."""
    data = metadata.to_json_data()
    data["sourcelib"] = list(data["sourcelib"])
    return data


def metadata_from_json(data: dict[str, Any]) -> EventsMetadata:
    """Rebuild the ``EventsMetadata`` :func:`metadata_to_json` stored."""
    return EventsMetadata(
        event_type=data["event_type"],
        id=uuid.UUID(data["id"]),
        minorversion=int(data["minorversion"]),
        source=data["source"],
        sourcehost=data["sourcehost"],
        time=datetime.fromisoformat(data["time"]),
        sourcelib=tuple(data["sourcelib"]),
    )


def add_to_outbox(
    events: Sequence[tuple[OpenEdxPublicSignal, dict[str, Any], EventsMetadata]],
    *,
    attempt_id: int,
    user_id: int,
    first_sequence: int = 0,
) -> int:
    """
    Store the events of one change that are routed to the bus, in the current transaction.

    Args:
        events: (signal, event data as the signal's keyword arguments, metadata), in the order they
            happened; the metadata is the one the in-process signal is sent with.
        attempt_id: The attempt the events are about.
        user_id: Its user.
        first_sequence: The number of the first event among the attempt's events (the next ones follow).

    Returns:
        How many rows were written (0, and no query, when no event type is routed).
    """
    rows = [
        OutboxEvent(
            event_id=metadata.id,
            event_type=signal.event_type,
            topic=route.topic,
            event_key_field=route.event_key_field,
            attempt_id=attempt_id,
            sequence=first_sequence + index if first_sequence else 0,
            user_id=user_id,
            payload=_serializer(signal).to_dict(event_data),
            metadata=metadata_to_json(metadata),
        )
        for index, (signal, event_data, metadata) in enumerate(events)
        for route in get_routes(signal.event_type)
    ]
    if rows:
        OutboxEvent.objects.bulk_create(rows)
    return len(rows)


#: What retirement blanks in an outbox payload's ``idv_attempt``: the verified name, and the learner's
#: full name, username and e-mail (``user.pii``). The user's id stays: consumers retire by it.
_RETIRED_PII_FIELDS = ("name", "username", "email")


def scrub_names(user_id: int) -> int:
    """
    Erase ``user_id``'s personal data from their outbox payloads (retirement): the verified name, and the
    full name, username and e-mail of ``user.pii``.

    Delivered records (kept for ``IDV_EVENT_BUS_OUTBOX_RETENTION_DAYS``) are scrubbed too; undelivered
    ones still go out, blanked. Copies already on the stream cannot be recalled (docs/events.rst).
    Returns the number of rows changed.
    """
    changed = []
    for row in OutboxEvent.objects.filter(user_id=user_id).only("pk", "payload"):
        attempt = row.payload.get("idv_attempt", {})
        pii = attempt.get("user", {}).get("pii", {})
        if attempt.get("name") or any(pii.get(key) for key in _RETIRED_PII_FIELDS):
            attempt["name"] = ""
            pii.update(dict.fromkeys(_RETIRED_PII_FIELDS, ""))
            changed.append(row)
    if changed:
        OutboxEvent.objects.bulk_update(changed, ["payload"])
    return len(changed)


def prune_delivered(now: datetime | None = None) -> int:
    """Delete delivered records older than ``IDV_EVENT_BUS_OUTBOX_RETENTION_DAYS``; return how many."""
    cutoff = (now or timezone.now()) - timedelta(days=idv_setting("IDV_EVENT_BUS_OUTBOX_RETENTION_DAYS"))
    deleted, _ = OutboxEvent.objects.filter(delivered__lt=cutoff).delete()
    if deleted:
        log.info("Pruned %s delivered IDV outbox record(s).", deleted)
    return deleted


# --- the transport: edx-event-bus-redis's wire format, with a confirmation -------------------------


@dataclass(frozen=True)
class EncodedMessage:
    """A message ready for the bus: its stream (the full, prefixed topic) and its fields."""

    stream: str
    fields: dict[bytes, bytes]


class _LeaseLost(Exception):
    """Another relay holds the lease: this one must not send."""


class StreamIdTaken(Exception):
    """The stream already has an entry at or after the id chosen for a record, and it is not the record."""


#: A Redis stream id as numbers: (milliseconds, sequence).
StreamId = tuple[int, int]


def parse_stream_id(value: str | bytes) -> StreamId:
    """Return the (milliseconds, sequence) of a Redis stream id such as ``"1700000000000-3"``."""
    text = value.decode() if isinstance(value, bytes) else value
    milliseconds, _, sequence = text.partition("-")
    return int(milliseconds), int(sequence or 0)


def format_stream_id(stream_id: StreamId) -> str:
    """Return ``stream_id`` as Redis writes it."""
    return f"{stream_id[0]}-{stream_id[1]}"


class Transport(Protocol):
    """What the relay needs from a bus: encode a record, then add it under the id chosen for it, or raise."""

    def encode(
        self, *, signal: OpenEdxPublicSignal, topic: str, event_data: dict[str, Any], metadata: EventsMetadata
    ) -> EncodedMessage:
        """Return the message for the event (raises if the event cannot be encoded)."""

    def last_id(self, stream: str) -> StreamId:
        """Return the last id the stream ever gave an entry ((0, 0) for a stream that does not exist)."""

    def add(self, message: EncodedMessage, stream_id: str) -> bool:
        """
        Write ``message`` under ``stream_id``; return False when it was already there (an earlier try that
        timed out did store it: nothing is added). Raise :class:`StreamIdTaken` when another entry holds
        the id or a later one; raise anything else when the bus did not answer.
        """


def relay_socket_timeout() -> float:
    """``IDV_EVENT_BUS_RELAY_SOCKET_TIMEOUT_SECONDS``, or by default a quarter of the lease, at most 5 s."""
    configured = idv_setting("IDV_EVENT_BUS_RELAY_SOCKET_TIMEOUT_SECONDS")
    if configured is not None:
        return float(configured)
    return min(5.0, float(idv_setting("IDV_EVENT_BUS_RELAY_LEASE_SECONDS")) / 4)


#: Redis's answer to an XADD whose explicit id is not above the stream's last id.
_ID_NOT_ABOVE_TOP = "equal or smaller than the target stream top item"


def _with_timeouts(client: Any, seconds: float) -> Any:
    """
    A client on the same server as the producer's walrus ``client``, whose every call gives up after
    ``seconds`` (connecting, then each reply) and is never retried by redis-py itself.

    redis-py retries a command that timed out (3 times by default): an XADD retried that way is a second
    copy when the first one was stored. The relay retries instead, with the record's id. A client that is
    not redis-py's (a test double) is used as it is.
    """
    pool = getattr(client, "connection_pool", None)
    if pool is None:
        return client
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    kwargs = {
        **pool.connection_kwargs,
        "socket_timeout": seconds,
        "socket_connect_timeout": seconds,
        "retry": Retry(NoBackoff(), 0),
    }
    return type(client)(connection_pool=type(pool)(connection_class=pool.connection_class, **kwargs))


class RedisStreamsTransport:
    """
    Redis Streams exactly as edx-event-bus-redis's ``RedisEventProducer.send`` writes them, but confirmed,
    under an explicit id, and with timeouts.

    ``send()`` catches every error and only logs it, so its caller cannot know whether the message was
    stored, and it always lets Redis choose the id (``*``), so a retry after a timeout can store a second
    copy. This class does the same steps with the library's own pieces: ``get_full_topic`` (the
    ``EVENT_BUS_TOPIC_PREFIX``), openedx-events' ``serialize_event_data_to_bytes``, ``RedisMessage``'s
    ``to_binary_dict`` (the CloudEvents headers), and walrus's ``Stream(...).add(..., id=...,
    maxlen=EVENT_BUS_REDIS_STREAM_MAX_LEN, approximate=True)`` (XADD with an explicit id: Redis refuses an
    id that is not above the stream's last one, so the same record can never be stored twice). Its client
    is the producer's, with ``IDV_EVENT_BUS_RELAY_SOCKET_TIMEOUT_SECONDS`` timeouts and no retries.
    """

    def __init__(self, producer: Any, socket_timeout: float | None = None) -> None:
        """Use (a timed-out copy of) the walrus client of an edx-event-bus-redis ``RedisEventProducer``."""
        self.client = _with_timeouts(producer.client, socket_timeout or relay_socket_timeout())

    def encode(
        self, *, signal: OpenEdxPublicSignal, topic: str, event_data: dict[str, Any], metadata: EventsMetadata
    ) -> EncodedMessage:
        """Return the message edx-event-bus-redis would write for this event."""
        from edx_event_bus_redis.internal.config import get_full_topic
        from edx_event_bus_redis.internal.message import RedisMessage
        from openedx_events.event_bus.avro.serializer import serialize_event_data_to_bytes

        full_topic = get_full_topic(topic)
        event_bytes = serialize_event_data_to_bytes(event_data, signal)
        message = RedisMessage(topic=full_topic, event_data=event_bytes, event_metadata=metadata)
        return EncodedMessage(stream=full_topic, fields=message.to_binary_dict())

    def last_id(self, stream: str) -> StreamId:
        """XINFO STREAM's last-generated-id (trimming and deleting never lower it)."""
        from redis.exceptions import ResponseError

        try:
            info = self.client.Stream(stream).info()
        except ResponseError as error:
            if "no such key" in str(error).lower():
                return (0, 0)
            raise
        return parse_stream_id(info["last-generated-id"])

    def add(self, message: EncodedMessage, stream_id: str) -> bool:
        """XADD the message under ``stream_id`` (trimmed as the library trims); False if already stored."""
        from edx_event_bus_redis.internal.producer import STREAM_MAX_LEN
        from redis.exceptions import ResponseError

        stream = self.client.Stream(message.stream)
        try:
            stream.add(message.fields, id=stream_id, maxlen=STREAM_MAX_LEN, approximate=True)
        except ResponseError as error:
            if _ID_NOT_ABOVE_TOP not in str(error):
                raise
            # Refused: either an earlier try of this record was stored (its CloudEvents id matches), or
            # the stream moved past the id (another writer), and the record must get a new one.
            stored = stream.range(stream_id, stream_id, 1)
            if stored and dict(stored[0][1]).get(b"id") == message.fields.get(b"id"):
                return False
            raise StreamIdTaken(stream_id) from error
        return True


def get_transport() -> Transport:
    """
    Return the transport to the bus ``EVENT_BUS_PRODUCER`` configures.

    Raises:
        EventBusNotConfigured: the configured producer is not edx-event-bus-redis's (or none loads).
    """
    try:
        from edx_event_bus_redis.internal.producer import RedisEventProducer
    except ImportError as error:
        raise EventBusNotConfigured(
            "The IDV event relay sends to Redis Streams: pip install edx-event-bus-redis."
        ) from error
    producer = get_producer()
    if not isinstance(producer, RedisEventProducer):
        raise EventBusNotConfigured(
            f"EVENT_BUS_PRODUCER ({getattr(settings, 'EVENT_BUS_PRODUCER', None)!r}) did not make an "
            "edx-event-bus-redis producer; set it to 'edx_event_bus_redis.create_producer' and set "
            "EVENT_BUS_REDIS_CONNECTION_URL."
        )
    return RedisStreamsTransport(producer)


# --- the relay ------------------------------------------------------------------------------------


@dataclass
class BatchResult:
    """What one :meth:`OutboxRelay.deliver_batch` did."""

    delivered: int = 0
    failed: int = 0
    #: The class name of the bus error that stopped the batch, or "" when the bus answered.
    bus_error: str = ""
    #: Another relay holds the lease: this one sent nothing.
    lease_elsewhere: bool = False
    #: Whether the batch was full (more records are probably waiting).
    full: bool = False
    #: Records Redis already had (an earlier try timed out after storing them): marked, not added again.
    already_stored: int = 0
    stream_ids: list[str] = field(default_factory=list)


def _record_backoff(tries: int) -> timedelta:
    return timedelta(
        seconds=min(FIRST_BACKOFF_SECONDS * 2**tries, idv_setting("IDV_EVENT_BUS_RELAY_MAX_BACKOFF_SECONDS"))
    )


class OutboxRelay:
    """
    Sends outbox records to the bus in order, marking each delivered once the bus confirmed it.

    One relay sends at a time (a lease row, renewed each batch). Within a batch, a record that cannot be
    encoded waits with backoff and holds back the later records of its attempt and topic; a bus error
    stops the batch (every record would fail the same way) and is reported in the result so the caller
    can wait and try again.
    """

    def __init__(
        self,
        transport: Transport | None = None,
        *,
        owner: str | None = None,
        clock: Callable[[], datetime] = timezone.now,
    ) -> None:
        """``transport`` defaults to :func:`get_transport` (built on first use); ``clock`` tells the time."""
        self._transport = transport
        self.clock = clock
        # The last stream id this relay wrote (or found) per stream, so that only the first record of a
        # stream asks Redis for its last id.
        self._last_ids: dict[str, StreamId] = {}
        #: When the lease this relay last took or renewed expires (None: it holds none).
        self._lease_until: datetime | None = None
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    @property
    def transport(self) -> Transport:
        """The transport, built from the settings on first use."""
        if self._transport is None:
            self._transport = get_transport()
        return self._transport

    def hold_lease(self) -> bool:
        """Take or renew the relay lease; return False when another live relay holds it."""
        now = self.clock()
        expires = now + timedelta(seconds=idv_setting("IDV_EVENT_BUS_RELAY_LEASE_SECONDS"))
        self._lease_until = None
        taken = OutboxRelayLease.objects.filter(
            Q(owner=self.owner) | Q(expires__lte=now), name=LEASE_NAME
        ).update(owner=self.owner, expires=expires)
        if not taken:
            try:
                with transaction.atomic():
                    OutboxRelayLease.objects.create(name=LEASE_NAME, owner=self.owner, expires=expires)
            except IntegrityError:
                return False
        self._lease_until = expires
        return True

    def _check_lease_before_send(self) -> None:
        """
        Before each XADD: make sure this relay holds the lease for longer than a send can last (a connect
        and an answer, each bounded by the socket timeout), renewing it when less is left. Without a query
        while enough is left: nobody else may take the lease before the ``expires`` this relay wrote.

        Raises:
            _LeaseLost: another relay took the lease over (this one stalled past it): stop sending.
        """
        send_budget = timedelta(seconds=2 * relay_socket_timeout())
        if self._lease_until is not None and self.clock() + send_budget < self._lease_until:
            return
        if not self.hold_lease():
            raise _LeaseLost

    def release_lease(self) -> None:
        """Give the lease up (on a graceful stop), so that another relay may start at once."""
        OutboxRelayLease.objects.filter(name=LEASE_NAME, owner=self.owner).update(expires=self.clock())

    def deliver_batch(self, should_stop: Callable[[], bool] = lambda: False) -> BatchResult:
        """
        Send up to ``IDV_EVENT_BUS_RELAY_BATCH_SIZE`` pending records, oldest first.

        ``should_stop`` is asked before each record: a graceful shutdown finishes the record in flight and
        sends no more.
        """
        result = BatchResult()
        if not self.hold_lease():
            result.lease_elsewhere = True
            return result
        transport = self.transport
        batch_size = idv_setting("IDV_EVENT_BUS_RELAY_BATCH_SIZE")
        now = self.clock()
        pending = OutboxEvent.objects.filter(delivered__isnull=True)
        # Records waiting after an encoding failure hold back their attempt's later records.
        blocked = set(pending.filter(next_try__gt=now).values_list("attempt_id", "topic"))
        records = list(
            pending.filter(Q(next_try__isnull=True) | Q(next_try__lte=now)).order_by("pk")[:batch_size]
        )
        result.full = len(records) == batch_size
        encoded: list[tuple[OutboxEvent, EncodedMessage]] = []
        for record in records:
            key = (record.attempt_id, record.topic)
            if key in blocked:
                continue
            signal = OpenEdxPublicSignal.get_signal_by_type(record.event_type)
            try:
                message = transport.encode(
                    signal=signal,
                    topic=record.topic,
                    event_data=_deserializer(signal).from_dict(record.payload),
                    metadata=metadata_from_json(record.metadata),
                )
            except Exception as error:  # noqa: BLE001 -- one bad record holds back only its own attempt
                blocked.add(key)
                result.failed += 1
                self._record_failure(record, error, retry_at=self.clock() + _record_backoff(record.tries))
                # The error's type only: an encoder's message may quote the payload (a verified name).
                log.error(
                    "IDV outbox record %s (attempt %s) could not be encoded (%s); its attempt's later events "
                    "wait for it.",
                    record.pk,
                    record.attempt_id,
                    type(error).__name__,
                )
                continue
            encoded.append((record, message))
        self._choose_stream_ids(encoded)
        for record, message in encoded:
            if should_stop():
                break
            try:
                stream_id, stored = self._add_once(record, message)
            except _LeaseLost:
                result.lease_elsewhere = True
                break
            except Exception as error:  # noqa: BLE001 -- the bus is down: stop, the caller backs off
                result.bus_error = type(error).__name__
                self._record_failure(record, error, retry_at=None)
                log.warning(
                    "The event bus did not accept IDV outbox record %s (%s); will retry.",
                    record.pk,
                    type(error).__name__,
                )
                break
            OutboxEvent.objects.filter(pk=record.pk).update(
                delivered=self.clock(), message_id=stream_id, tries=F("tries") + 1, last_error=""
            )
            result.delivered += 1
            result.already_stored += 0 if stored else 1
            result.stream_ids.append(stream_id)
        return result

    def _next_id(self, stream: str, *, ask: bool = False) -> StreamId:
        """
        A stream id above the last one this relay wrote, the clock's milliseconds when they are higher.

        ``ask``: above the last id the stream ever gave (one more call to Redis), when Redis refused the
        id chosen without asking (another writer on the stream, another relay, a clock behind Redis's).
        """
        last = self.transport.last_id(stream) if ask else self._last_ids.get(stream, (0, 0))
        now = int(self.clock().timestamp() * 1000)
        return (now, 0) if now > last[0] else (last[0], last[1] + 1)

    def _choose_stream_ids(self, encoded: list[tuple[OutboxEvent, EncodedMessage]]) -> None:
        """
        Give every record of the batch that has none its stream id, in sending order, and store them all
        (one UPDATE) before the first send: every later try of a record, by this relay or another, sends
        the same id.
        """
        chosen = []
        for record, message in encoded:
            if not record.message_id:
                stream_id = self._next_id(message.stream)
                self._last_ids[message.stream] = stream_id
                record.message_id = format_stream_id(stream_id)
                chosen.append(record)
        if chosen:
            OutboxEvent.objects.bulk_update(chosen, ["message_id"])

    def _add_once(self, record: OutboxEvent, message: EncodedMessage) -> tuple[str, bool]:
        """
        Add ``record``'s message under the stream id chosen for it (:meth:`_choose_stream_ids`); return the
        id and whether this call stored the message (False: an earlier try had). When the stream is past
        that id without the record, a new id is chosen above the stream's last one, stored, and sent.
        """
        for ask in (False, True):
            if not record.message_id:
                record.message_id = format_stream_id(self._next_id(message.stream, ask=ask))
                OutboxEvent.objects.filter(pk=record.pk).update(message_id=record.message_id)
            # The lease, right before the send: a relay that stalled longer than its lease (Redis frozen)
            # finds another relay took over, and stops. A send is bounded by the socket timeouts, which
            # the checks keep well below the lease (idv_core.E006).
            self._check_lease_before_send()
            try:
                stored = self.transport.add(message, record.message_id)
            except StreamIdTaken:
                # The stream is past this id and the record is not there: choose again, above its last id.
                log.info(
                    "The stream %s is past the id chosen for IDV outbox record %s; choosing a new one.",
                    message.stream,
                    record.pk,
                )
                record.message_id = ""
                continue
            self._last_ids[message.stream] = max(
                self._last_ids.get(message.stream, (0, 0)), parse_stream_id(record.message_id)
            )
            return record.message_id, stored
        raise StreamIdTaken(message.stream)

    @staticmethod
    def _record_failure(record: OutboxEvent, error: Exception, retry_at: datetime | None) -> None:
        OutboxEvent.objects.filter(pk=record.pk).update(
            tries=F("tries") + 1, last_error=type(error).__name__[:255], next_try=retry_at
        )

    def deliver_pending(
        self, should_stop: Callable[[], bool] = lambda: False, *, max_seconds: float | None = None
    ) -> RelayRun:
        """
        Send batches until nothing is pending, the bus fails, or ``max_seconds`` passed.

        Used by ``idv_relay_events --once`` and the Celery task: they come back later rather than wait.
        """
        import time

        run = RelayRun()
        started = time.monotonic()
        while not should_stop():
            batch = self.deliver_batch(should_stop)
            run.add(batch)
            if batch.bus_error or batch.lease_elsewhere or not batch.full:
                break
            if max_seconds is not None and time.monotonic() - started >= max_seconds:
                break
        run.pending = pending_count()
        return run


@dataclass
class RelayRun:
    """The sum of several batches."""

    delivered: int = 0
    failed: int = 0
    bus_error: str = ""
    lease_elsewhere: bool = False
    pending: int = 0

    def add(self, batch: BatchResult) -> None:
        """Count ``batch`` in."""
        self.delivered += batch.delivered
        self.failed += batch.failed
        self.bus_error = batch.bus_error or self.bus_error
        self.lease_elsewhere = self.lease_elsewhere or batch.lease_elsewhere


def pending_count() -> int:
    """Return how many records wait for the bus."""
    return OutboxEvent.objects.filter(delivered__isnull=True).count()


@dataclass(frozen=True)
class RelayHeartbeat:
    """The relay's last sign of life, as its lease row tells it (see :func:`relay_heartbeat`)."""

    #: The last time a relay is known to have been alive.
    at: datetime
    #: The relay process that held the lease (host:pid:nonce).
    owner: str
    #: Whether a relay holds the lease now (it renews it before every batch).
    holding: bool


def relay_heartbeat(now: datetime | None = None) -> RelayHeartbeat | None:
    """
    Return when a relay last showed it was alive, read from the lease row; None when no relay ever ran.

    A relay renews the lease (``expires`` = renewal + ``IDV_EVENT_BUS_RELAY_LEASE_SECONDS``) before every
    batch, so while the lease is held the last renewal is exact. Once it is no longer held, ``expires`` is
    either the moment the relay released it (a graceful stop, the end of a Celery run) or the moment a
    relay that died lost it: the later of the two possible times is reported, so a dead relay looks up to
    one lease period younger than it is.
    """
    lease = OutboxRelayLease.objects.filter(name=LEASE_NAME).first()
    if lease is None:
        return None
    now = now or timezone.now()
    if lease.expires > now:
        renewed = lease.expires - timedelta(seconds=idv_setting("IDV_EVENT_BUS_RELAY_LEASE_SECONDS"))
        return RelayHeartbeat(at=min(renewed, now), owner=lease.owner, holding=True)
    return RelayHeartbeat(at=lease.expires, owner=lease.owner, holding=False)


def next_backoff(previous: float) -> float:
    """The wait after a bus failure: doubles from 0.5 s up to ``IDV_EVENT_BUS_RELAY_MAX_BACKOFF_SECONDS``."""
    ceiling = float(idv_setting("IDV_EVENT_BUS_RELAY_MAX_BACKOFF_SECONDS"))
    return min(ceiling, previous * 2 if previous else FIRST_BACKOFF_SECONDS)


def event_types_in(config: Any) -> Iterable[str]:
    """The event types an ``EVENT_BUS_PRODUCER_CONFIG``-shaped dict enables on some topic."""
    if not isinstance(config, dict):
        return []
    return [
        event_type
        for event_type, topics in config.items()
        if isinstance(topics, dict)
        and any(isinstance(options, dict) and options.get("enabled") is True for options in topics.values())
    ]
