"""
A Redis-less seam for the outbox unit tests: edx-event-bus-redis's real ``RedisEventProducer`` over an
in-memory stand-in of its walrus client: ``Stream(name).add(...)``, which is all the producer uses (an
explicit id not above the stream's last one is refused, as Redis refuses it), and ``info()`` and
``range()``, which the relay uses.

``EVENT_BUS_PRODUCER = "tests.core.redisless_bus.create_producer"`` makes openedx-events (and so the relay)
use it; ``CLIENT`` is what was written. The integration suite uses the real Redis instead.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from edx_event_bus_redis.internal.producer import RedisEventProducer
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError


@dataclass
class InMemoryStreams:
    """Streams as lists of (stream id, fields); ``down`` makes every add fail as Redis does when away."""

    entries: dict[str, list[tuple[bytes, dict[bytes, bytes]]]] = field(default_factory=dict)
    down: bool = False
    adds: list[dict] = field(default_factory=list)
    before_add: Callable[[], None] | None = None
    #: Called once the entry is stored (e.g. to raise a timeout the caller sees although Redis stored it).
    after_add: Callable[[], None] | None = None
    last_ids: dict[str, tuple[int, int]] = field(default_factory=dict)
    _sequence: itertools.count = field(default_factory=lambda: itertools.count(1))

    def Stream(self, name: str) -> _Stream:
        return _Stream(self, name)

    def all(self, name: str) -> list[tuple[bytes, dict[bytes, bytes]]]:
        return self.entries.get(name, [])


@dataclass
class _Stream:
    client: InMemoryStreams
    name: str

    def add(
        self, data: dict[bytes, bytes], id: str = "*", maxlen: int | None = None, approximate: bool = True
    ):
        self.client.adds.append({"stream": self.name, "maxlen": maxlen, "approximate": approximate, "id": id})
        if self.client.before_add is not None:
            self.client.before_add()
        if self.client.down:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        last = self.client.last_ids.get(self.name, (0, 0))
        if id == "*":
            new = (1700000000000, next(self.client._sequence))
        else:
            milliseconds, _, sequence = id.partition("-")
            new = (int(milliseconds), int(sequence))
            if new <= last:  # as Redis answers
                raise ResponseError(
                    "The ID specified in XADD is equal or smaller than the target stream top item"
                )
        self.client.last_ids[self.name] = new
        stream_id = f"{new[0]}-{new[1]}".encode()
        self.client.entries.setdefault(self.name, []).append((stream_id, dict(data)))
        if self.client.after_add is not None:
            self.client.after_add()
        return stream_id

    def info(self) -> dict:
        if self.client.down:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        if self.name not in self.client.last_ids:
            raise ResponseError("no such key")
        milliseconds, sequence = self.client.last_ids[self.name]
        return {"last-generated-id": f"{milliseconds}-{sequence}".encode()}

    def range(self, start: str = "-", stop: str = "+", count: int | None = None) -> list:
        if self.client.down:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        found = [entry for entry in self.client.all(self.name) if start <= entry[0].decode() <= stop]
        return found[:count] if count else found


CLIENT = InMemoryStreams()


def create_producer() -> RedisEventProducer:
    """The library's producer class, over ``CLIENT``."""
    return RedisEventProducer(CLIENT)
