"""Connects the recorder to the four IDV signals when the consumer's Django starts."""

from __future__ import annotations

import json
import os
from typing import Any

from django.apps import AppConfig


def record(sender: Any, signal: Any, **kwargs: Any) -> None:
    """Append what the consumer emitted, one JSON line, flushed at once (the test reads it live)."""
    data = kwargs["idv_attempt"]
    metadata = kwargs["metadata"]
    line = {
        "id": str(metadata.id),
        "type": metadata.event_type,
        "time": metadata.time.isoformat(),
        "from_event_bus": kwargs.get("from_event_bus"),
        "attempt_id": data.attempt_id,
        "status": data.status,
        "name": data.name,
        "expiration_date": data.expiration_date.isoformat() if data.expiration_date else None,
        "user": {
            "id": data.user.id,
            "is_active": data.user.is_active,
            "username": data.user.pii.username,
            "email": data.user.pii.email,
            "name": data.user.pii.name,
        },
    }
    with open(os.environ["IDV_IT_RECORD_FILE"], "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


class EventbusRecorderConfig(AppConfig):
    """The recorder app."""

    name = "tests.integration.eventbus_recorder"
    label = "idv_it_eventbus_recorder"

    def ready(self) -> None:
        """Connect to the IDV signals."""
        from openedx_events.learning.signals import (
            IDV_ATTEMPT_APPROVED,
            IDV_ATTEMPT_CREATED,
            IDV_ATTEMPT_DENIED,
            IDV_ATTEMPT_PENDING,
        )

        for signal in (IDV_ATTEMPT_CREATED, IDV_ATTEMPT_PENDING, IDV_ATTEMPT_APPROVED, IDV_ATTEMPT_DENIED):
            signal.connect(record, dispatch_uid=f"idv-it-recorder-{signal.event_type}")
