"""
Persona's webhooks: the ``Persona-Signature`` check, and turning a verified body into an inquiry update.

The signature is checked over the raw body bytes before anything is parsed. The header is
``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``; during a secret rotation Persona
sends several ``t=...,v1=...`` groups separated by white space. A signature is accepted when any group has
a timestamp within the tolerance and a ``v1`` matching any configured secret (compared in constant time).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from idv_persona.client import parse_timestamp
from idv_persona.inquiries import EVENT_INQUIRY_STATUS, InquiryUpdate
from idv_persona.models import PERSONA_ID_MAX_LENGTH

#: The largest body accepted (413 above it). Persona's inquiry events are a few kilobytes; 1 MiB leaves
#: room for large payloads (many verifications included) and bounds the HMAC and parsing work.
MAX_BODY_BYTES: Final = 1024 * 1024
#: A longer header is not Persona's (two groups during a rotation are about 170 characters).
MAX_SIGNATURE_HEADER_LENGTH: Final = 2048
#: At most this many ``t=...,v1=...`` groups are considered, bounding the HMACs computed per request.
MAX_SIGNATURE_GROUPS: Final = 8

_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class InvalidSignature(Exception):
    """The ``Persona-Signature`` header is missing, malformed, out of tolerance or matches no secret."""


class MalformedEvent(ValueError):
    """The (signed) body is not a Persona event of the documented shape."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex ``v1`` signature of ``body`` sent at ``timestamp`` with ``secret``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def _signature_groups(header: str) -> list[tuple[str, list[str]]]:
    groups = []
    for group in header.split()[:MAX_SIGNATURE_GROUPS]:
        timestamp = ""
        signatures = []
        for pair in group.split(","):
            key, _, value = pair.partition("=")
            if key == "t":
                timestamp = value
            elif key == "v1":
                signatures.append(value)
        groups.append((timestamp, signatures))
    return groups


def verify_signature(
    header: str | None, body: bytes, secrets: list[str], *, tolerance: int, now: float | None = None
) -> None:
    """
    Check ``header`` (the ``Persona-Signature`` value) against ``body`` and the configured ``secrets``.

    Raises:
        InvalidSignature: with the reason (no secret configured, no header, malformed, out of tolerance,
            no match).
    """
    usable_secrets = [secret for secret in secrets if isinstance(secret, str) and secret]
    if not usable_secrets:
        raise InvalidSignature("no webhook secret is configured")
    if not header:
        raise InvalidSignature("no Persona-Signature header")
    if len(header) > MAX_SIGNATURE_HEADER_LENGTH:
        raise InvalidSignature("the Persona-Signature header is too long")
    current = time.time() if now is None else now
    reason = "malformed Persona-Signature header"
    for timestamp, signatures in _signature_groups(header):
        if not _TIMESTAMP.fullmatch(timestamp):
            continue
        if abs(current - int(timestamp)) > tolerance:
            reason = "the signature's timestamp is outside the tolerance"
            continue
        candidates = [value.lower() for value in signatures if _HEX_SHA256.fullmatch(value)]
        if not candidates:
            continue
        reason = "the signature matches no configured secret"
        for secret in usable_secrets:
            expected = sign(secret, int(timestamp), body).encode("ascii")
            # Check every candidate (no early exit on the comparison itself), each in constant time.
            if any(hmac.compare_digest(expected, candidate.encode("ascii")) for candidate in candidates):
                return
    raise InvalidSignature(reason)


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
