"""Persona's JSON:API shapes of the simulator's records: the inquiry object, the webhook body, errors."""

from __future__ import annotations

import json
from typing import Any

from idv_persona_simulator.models import SimulatedEvent, SimulatedInquiry, persona_timestamp


def inquiry_object(inquiry: SimulatedInquiry) -> dict[str, Any]:
    """The inquiry as Persona's API returns it in ``data`` (dash-case attribute keys, nulls for blanks)."""
    fields = {key: {"type": "string", "value": value} for key, value in sorted(inquiry.fields.items())}
    return {
        "type": "inquiry",
        "id": inquiry.id,
        "attributes": {
            "status": inquiry.status,
            "reference-id": inquiry.reference_id or None,
            "note": None,
            "tags": [],
            "name-first": inquiry.name_first or None,
            "name-middle": inquiry.name_middle or None,
            "name-last": inquiry.name_last or None,
            "fields": fields,
            "created-at": persona_timestamp(inquiry.created_at),
            "started-at": persona_timestamp(inquiry.started_at),
            "completed-at": persona_timestamp(inquiry.completed_at),
            "failed-at": persona_timestamp(inquiry.failed_at),
            "decisioned-at": persona_timestamp(inquiry.decisioned_at),
            "expired-at": persona_timestamp(inquiry.expired_at),
            "redacted-at": None,
        },
        "relationships": {
            "inquiry-template": {"data": {"type": "inquiry-template", "id": inquiry.inquiry_template_id}},
        },
    }


def event_document(event: SimulatedEvent) -> dict[str, Any]:
    """The webhook body of an event: ``data`` is the event, ``data.attributes.payload.data`` the inquiry."""
    return {
        "data": {
            "type": "event",
            "id": event.id,
            "attributes": {
                "name": event.name,
                "payload": {"data": event.payload, "included": []},
                "created-at": persona_timestamp(event.created_at),
            },
        }
    }


def event_body(event: SimulatedEvent) -> bytes:
    """The exact bytes the simulator sends (and signs) for an event; the same bytes at every delivery."""
    return json.dumps(event_document(event), separators=(",", ":"), sort_keys=True).encode()


def error_document(title: str, details: str = "") -> dict[str, Any]:
    """A JSON:API error body as Persona's API answers (``{"errors": [{"title": ..., "details": ...}]}``)."""
    error: dict[str, Any] = {"title": title}
    if details:
        error["details"] = details
    return {"errors": [error]}
