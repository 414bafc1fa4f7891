"""Persona's JSON:API shapes of the simulator's records: the inquiry object, the webhook body, errors."""

from __future__ import annotations

import json
from typing import Any

from idv_persona_simulator.models import SimulatedEvent, SimulatedInquiry, persona_timestamp


def inquiry_object(inquiry: SimulatedInquiry) -> dict[str, Any]:
    """The inquiry as Persona's API returns it in ``data`` (dash-case attribute keys, nulls for blanks)."""
    # A redacted field is stored as None and shown with a null value, as Persona shows it.
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
            "redacted-at": persona_timestamp(inquiry.redacted_at),
        },
        "relationships": {
            "inquiry-template": {"data": {"type": "inquiry-template", "id": inquiry.inquiry_template_id}},
        },
    }


#: The inquiry attributes Persona nulls when it redacts an inquiry (and the same keys inside ``fields``),
#: besides every ``address-*`` one: the identity attributes of Persona's ``inquiry.redacted`` payload.
REDACTED_ATTRIBUTES = frozenset(
    {
        "name-first",
        "name-middle",
        "name-last",
        "birthdate",
        "email-address",
        "phone-number",
        "identification-number",
        "social-security-number",
        "note",
    }
)


def is_redacted_attribute(key: str) -> bool:
    """Whether Persona nulls the attribute (or field) ``key`` when it redacts an inquiry."""
    return key in REDACTED_ATTRIBUTES or key.startswith("address-")


def redacted_object(document: dict[str, Any]) -> dict[str, Any]:
    """
    A copy of an inquiry object with what Persona's redaction removes nulled: the identity attributes,
    the same entries inside ``fields``, ``note``; ``tags`` emptied. Status, times and ids are kept.
    """
    attributes = dict(document.get("attributes") or {})
    for key in attributes:
        if is_redacted_attribute(key):
            attributes[key] = None
    if isinstance(attributes.get("fields"), dict):
        attributes["fields"] = {
            key: {**value, "value": None} if is_redacted_attribute(key) and isinstance(value, dict) else value
            for key, value in attributes["fields"].items()
        }
    if "tags" in attributes:
        attributes["tags"] = []
    return {**document, "attributes": attributes}


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
