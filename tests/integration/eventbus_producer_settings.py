"""
Settings of the producing host of the event-bus integration tests: the demo host (the LMS stand-in) on
MariaDB, with IDV events routed through idv_core's outbox to Redis Streams.

``IDV_IT_BUS_URL`` is the Redis the relay talks to (a cuttable TCP proxy in the outage test);
``IDV_IT_TOPIC_PREFIX`` keeps the test's streams apart from anything else on the shared Redis.
"""

import os

from demo_site.settings import *  # noqa: F403

EVENT_BUS_PRODUCER = "edx_event_bus_redis.create_producer"
EVENT_BUS_REDIS_CONNECTION_URL = os.environ["IDV_IT_BUS_URL"]
EVENT_BUS_TOPIC_PREFIX = os.environ["IDV_IT_TOPIC_PREFIX"]
EVENT_BUS_REDIS_AUDIT_LOGGING_ENABLED = False
IDV_EVENT_BUS_PRODUCER_CONFIG = {
    f"org.openedx.learning.idv_attempt.{status}.v1": {
        "learning-idv-attempt": {"event_key_field": "idv_attempt.user.id", "enabled": True}
    }
    for status in ("created", "pending", "approved", "denied")
}
IDV_EVENT_BUS_RELAY_POLL_SECONDS = 0.2
IDV_EVENT_BUS_RELAY_MAX_BACKOFF_SECONDS = 1.0
IDV_EVENT_BUS_RELAY_LEASE_SECONDS = 3
