"""
Persona's webhooks: the ``Persona-Signature`` check, and turning a verified body into an inquiry update.

The signature is checked over the raw body bytes before anything is parsed, with the core's signed-webhook
helper (``idv_core.webhooks``: ``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``, several
groups during a secret rotation, a tolerance, constant-time comparisons): Persona's scheme exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from idv_core.webhooks import InvalidWebhookSignature, sign_webhook, verify_webhook_signature
from idv_persona.client import parse_timestamp
from idv_persona.inquiries import EVENT_INQUIRY_STATUS, InquiryUpdate
from idv_persona.models import PERSONA_ID_MAX_LENGTH

#: The largest body accepted (413 above it). Persona's inquiry events are a few kilobytes; 1 MiB leaves
#: room for large payloads (many verifications included) and bounds the HMAC and parsing work.
MAX_BODY_BYTES: Final = 1024 * 1024
#: Persona's signature header, checked with the core's signed-webhook helper (idv_core.webhooks).
SIGNATURE_HEADER: Final = "Persona-Signature"

#: The core's error, under the name this module always gave it.
InvalidSignature = InvalidWebhookSignature


class MalformedEvent(ValueError):
    """The (signed) body is not a Persona event of the documented shape."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex ``v1`` signature of ``body`` sent at ``timestamp`` with ``secret`` (Persona's scheme)."""
    return sign_webhook(secret, timestamp, body)


def verify_signature(
    header: str | None, body: bytes, secrets: list[str], *, tolerance: int, now: float | None = None
) -> None:
    """
    Check ``header`` (the ``Persona-Signature`` value) against ``body`` and the configured ``secrets``.

    Raises:
        InvalidSignature: with the reason (no secret configured, no header, malformed, out of tolerance,
            no match).
    """
    verify_webhook_signature(
        header, body, secrets, tolerance=tolerance, now=now, header_name=SIGNATURE_HEADER
    )


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """A parsed Persona event: its id, name, time, and (for inquiry status events) the update it carries."""

    event_id: str
    name: str
    created_at: datetime | None
    update: InquiryUpdate | None


def _identifier(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value or value != value.strip():
        raise MalformedEvent(f"{what} must be a non-blank string without surrounding spaces")
    if len(value) > PERSONA_ID_MAX_LENGTH or "\x00" in value:
        raise MalformedEvent(f"{what} is too long or has a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedEvent(f"{what} is not valid Unicode text") from None
    return value


def _name_part(attributes: dict[str, Any], key: str) -> str:
    value = attributes.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedEvent(f"{key} must be a string or null")
    return value.strip()


def parse_event(body: bytes) -> WebhookEvent:
    """
    Parse a (signature-checked) webhook body.

    Events that report no inquiry status (names not in ``EVENT_INQUIRY_STATUS``) come back with
    ``update=None`` once the envelope is valid; their payload is not inspected.

    Raises:
        MalformedEvent: not JSON, or not the documented event shape or types.
    """
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:
        # ValueError covers bad UTF-8 and JSON; RecursionError a pathologically nested document.
        raise MalformedEvent(f"the body is not JSON ({type(error).__name__})") from None
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict) or data.get("type") != "event":
        raise MalformedEvent('expected {"data": {"type": "event", ...}}')
    event_id = _identifier(data.get("id"), "data.id")
    attributes = data.get("attributes")
    if not isinstance(attributes, dict):
        raise MalformedEvent("data.attributes must be an object")
    name = attributes.get("name")
    if not isinstance(name, str) or not name:
        raise MalformedEvent("data.attributes.name must be a non-blank string")
    created_at_text = attributes.get("created-at")
    created_at = None
    if created_at_text is not None:
        if not isinstance(created_at_text, str):
            raise MalformedEvent("data.attributes.created-at must be an ISO 8601 string")
        try:
            created_at = parse_timestamp(created_at_text)
        except ValueError:
            raise MalformedEvent("data.attributes.created-at must be an ISO 8601 string") from None
    inquiry_status = EVENT_INQUIRY_STATUS.get(name)
    if inquiry_status is None:
        return WebhookEvent(event_id=event_id, name=name, created_at=created_at, update=None)

    payload = attributes.get("payload")
    inquiry = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(inquiry, dict) or inquiry.get("type") != "inquiry":
        raise MalformedEvent('data.attributes.payload.data must be {"type": "inquiry", ...}')
    inquiry_id = _identifier(inquiry.get("id"), "the inquiry id")
    inquiry_attributes = inquiry.get("attributes", {})
    if not isinstance(inquiry_attributes, dict):
        raise MalformedEvent("the inquiry's attributes must be an object")
    name_parts = [_name_part(inquiry_attributes, key) for key in ("name-first", "name-middle", "name-last")]
    update = InquiryUpdate(
        inquiry_id=inquiry_id,
        status=inquiry_status,
        reported_at=created_at,
        verified_name=" ".join(part for part in name_parts if part),
        event_id=event_id,
        event_name=name,
    )
    return WebhookEvent(event_id=event_id, name=name, created_at=created_at, update=update)
