"""
A Redis-less seam for the outbox unit tests: edx-event-bus-redis's real ``RedisEventProducer`` over an
in-memory stand-in of its walrus client (only ``Stream(name).add(...)``, which is all the producer uses).

``EVENT_BUS_PRODUCER = "tests.core.redisless_bus.create_producer"`` makes openedx-events (and so the relay)
use it; ``CLIENT`` is what was written. The integration suite uses the real Redis instead.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from edx_event_bus_redis.internal.producer import RedisEventProducer
from redis.exceptions import ConnectionError as RedisConnectionError


@dataclass
class InMemoryStreams:
    """Streams as lists of (stream id, fields); ``down`` makes every add fail as Redis does when away."""

    entries: dict[str, list[tuple[bytes, dict[bytes, bytes]]]] = field(default_factory=dict)
    down: bool = False
    adds: list[dict] = field(default_factory=list)
    before_add: Callable[[], None] | None = None
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
        self.client.adds.append({"stream": self.name, "maxlen": maxlen, "approximate": approximate})
        if self.client.before_add is not None:
            self.client.before_add()
        if self.client.down:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        stream_id = f"1700000000000-{next(self.client._sequence)}".encode()
        self.client.entries.setdefault(self.name, []).append((stream_id, dict(data)))
        return stream_id


CLIENT = InMemoryStreams()


def create_producer() -> RedisEventProducer:
    """The library's producer class, over ``CLIENT``."""
    return RedisEventProducer(CLIENT)
