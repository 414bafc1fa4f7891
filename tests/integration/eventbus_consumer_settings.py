"""
Settings of the downstream consumer process of the event-bus integration tests (a separate service).

It runs openedx-events' ``consume_events`` command with edx-event-bus-redis's ``RedisEventConsumer``, straight
on the shared Redis (db ``IDV_IT_REDIS_DB``), and records what it receives (``eventbus_recorder``).
"""

import os

SECRET_KEY = "integration-consumer-only"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "openedx_events",
    "tests.integration.eventbus_recorder",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
EVENT_BUS_CONSUMER = "edx_event_bus_redis.RedisEventConsumer"
EVENT_BUS_REDIS_CONNECTION_URL = f"redis://127.0.0.1:6379/{os.environ['IDV_IT_REDIS_DB']}"
EVENT_BUS_TOPIC_PREFIX = os.environ["IDV_IT_TOPIC_PREFIX"]
EVENT_BUS_REDIS_CONSUMER_POLL_TIMEOUT = 1
EVENT_BUS_REDIS_AUDIT_LOGGING_ENABLED = False
OPENEDX_TELEMETRY: list[str] = []
LOGGING = {"version": 1, "root": {"level": "WARNING"}}
