"""
Signed webhooks, for any vendor provider: check an HMAC-signed callback before trusting a byte of it.

The scheme most identity vendors use (Persona; Stripe-style): a header of ``t=<unix seconds>,v1=<hex
HMAC-SHA256(secret, "<t>.<raw body>")>``; during a secret rotation several ``t=...,v1=...`` groups are sent,
separated by white space. A signature is accepted when any group has a timestamp within the tolerance and a
``v1`` matching any of the configured secrets (so an operator can rotate: configure the new secret beside the
old one, then drop the old one). Comparisons are constant-time; the work per request is bounded.

    from idv_core.webhooks import InvalidWebhookSignature, verify_webhook_signature

    try:
        verify_webhook_signature(request.headers.get("Vendor-Signature"), request.body, secrets, tolerance=60)
    except InvalidWebhookSignature:
        return JsonResponse({"error": "invalid signature"}, status=401)

Check the signature over the raw body, before parsing it. ``now`` is injectable (tests use a fixed clock).

Then, in the transaction that applies the event, :func:`record_webhook_event` remembers its id (a
redelivery changes nothing) and refuses an event older than one already applied to the same attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Final

#: A longer signature header is refused outright (two groups during a rotation are about 170 characters).
MAX_SIGNATURE_HEADER_LENGTH: Final = 2048
#: At most this many ``t=...,v1=...`` groups are considered, bounding the HMACs computed per request.
MAX_SIGNATURE_GROUPS: Final = 8

_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


class InvalidWebhookSignature(Exception):
    """The signature header is missing, malformed, out of tolerance, or matches no configured secret."""


def sign_webhook(secret: str, timestamp: int, body: bytes) -> str:
    """Return the hex ``v1`` signature of ``body`` sent at ``timestamp`` (unix seconds) with ``secret``."""
    message = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, *, timestamp: int) -> str:
    """Return a ``t=<timestamp>,v1=<signature>`` header value (for simulators and tests)."""
    return f"t={timestamp},v1={sign_webhook(secret, timestamp, body)}"


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


def verify_webhook_signature(
    header: str | None,
    body: bytes,
    secrets: Sequence[str],
    *,
    tolerance: int,
    now: float | Callable[[], float] | None = None,
    header_name: str = "signature",
) -> None:
    """
    Check the signature ``header`` of ``body`` against the configured ``secrets``.

    Args:
        header: The signature header's value, or None when the request had none.
        body: The raw request body, as received.
        secrets: Every secret currently accepted (blank ones are ignored).
        tolerance: How many seconds the signature's timestamp may differ from now (replay window).
        now: The current unix time, or a function returning it; defaults to ``time.time()``.
        header_name: How error messages name the header (e.g. "Persona-Signature").

    Raises:
        InvalidWebhookSignature: with the reason (no secret configured, no header, too long, malformed,
            out of tolerance, no match). The reason never quotes the body.
    """
    usable_secrets = [secret for secret in secrets if isinstance(secret, str) and secret]
    if not usable_secrets:
        raise InvalidWebhookSignature("no webhook secret is configured")
    if not header:
        raise InvalidWebhookSignature(f"no {header_name} header")
    if len(header) > MAX_SIGNATURE_HEADER_LENGTH:
        raise InvalidWebhookSignature(f"the {header_name} header is too long")
    if callable(now):
        current = now()
    elif now is None:
        current = time.time()
    else:
        current = now
    reason = f"malformed {header_name} header"
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
            expected = sign_webhook(secret, int(timestamp), body).encode("ascii")
            # Check every candidate (no early exit on the comparison itself), each in constant time.
            if any(hmac.compare_digest(expected, candidate.encode("ascii")) for candidate in candidates):
                return
    raise InvalidWebhookSignature(reason)


class WebhookEventOutcome(StrEnum):
    """What :func:`record_webhook_event` decided about one vendor event."""

    #: First time seen, and no newer event of the attempt was applied: apply it.
    NEW = "new"
    #: Seen before (a redelivery): change nothing, answer 200 so the vendor stops.
    DUPLICATE = "duplicate"
    #: Older than an event of the same attempt already applied (it arrived late): change nothing.
    STALE = "stale"


def record_webhook_event(
    provider: str,
    event_id: str,
    *,
    attempt_id: int | None = None,
    occurred_at: datetime | None = None,
) -> WebhookEventOutcome:
    """
    Remember that ``provider`` received the vendor's event ``event_id``, and say whether to apply it.

    Call it inside the transaction that applies the event (``transaction.atomic()``; the LMS's
    ``ATOMIC_REQUESTS`` is one), before applying it. With ``attempt_id`` the attempt's row is locked first,
    so that two events of one attempt are decided one after the other (and in the lock order of every
    write: the attempt, then the rest). With ``occurred_at`` (the vendor's time of the event, timezone-aware)
    an event older than one already applied to the attempt is :attr:`~WebhookEventOutcome.STALE`. A
    duplicate or stale event is still remembered only once and changes nothing.

    Raises:
        VerificationAttemptInvalidField: ``event_id`` is blank or too long, ``occurred_at`` is naive, or the
            call is not inside a transaction.
        VerificationAttemptNotFound: ``attempt_id`` names no attempt.
    """
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from idv_core.exceptions import VerificationAttemptInvalidField, VerificationAttemptNotFound
    from idv_core.models import WEBHOOK_EVENT_ID_MAX_LENGTH, ProcessedWebhookEvent, VerificationAttempt

    if not isinstance(event_id, str) or not event_id or len(event_id) > WEBHOOK_EVENT_ID_MAX_LENGTH:
        raise VerificationAttemptInvalidField(
            f"event_id must be a string of 1 to {WEBHOOK_EVENT_ID_MAX_LENGTH} characters."
        )
    if occurred_at is not None and timezone.is_naive(occurred_at):
        raise VerificationAttemptInvalidField("occurred_at must be timezone-aware.")
    if not transaction.get_connection().in_atomic_block:
        raise VerificationAttemptInvalidField(
            "record_webhook_event must run inside the transaction that applies the event "
            "(wrap it and the change in transaction.atomic())."
        )
    if (
        attempt_id is not None
        and not VerificationAttempt.objects.select_for_update().filter(pk=attempt_id).exists()
    ):
        raise VerificationAttemptNotFound(attempt_id=attempt_id)
    try:
        with transaction.atomic():  # a savepoint: a duplicate leaves the caller's transaction usable
            ProcessedWebhookEvent.objects.create(
                provider=provider, event_id=event_id, attempt_id=attempt_id, occurred_at=occurred_at
            )
    except IntegrityError:
        return WebhookEventOutcome.DUPLICATE
    if attempt_id is not None and occurred_at is not None:
        newer = ProcessedWebhookEvent.objects.filter(
            provider=provider, attempt_id=attempt_id, occurred_at__gt=occurred_at
        )
        if newer.exists():
            return WebhookEventOutcome.STALE
    return WebhookEventOutcome.NEW
