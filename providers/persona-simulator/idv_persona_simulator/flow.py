"""
What happens to a simulated inquiry, and the events it emits, as Persona documents its lifecycle.

created --(hosted flow opened: inquiry.started)--> pending --(the person's choice)-->
  approve:      completed (inquiry.completed) then approved (inquiry.approved)
  decline:      completed (inquiry.completed) then declined (inquiry.declined)
  needs review: completed (inquiry.completed) then needs_review (inquiry.marked-for-review)
  fail:         failed (inquiry.failed)
  abandon:      expired (inquiry.expired)
Resuming an expired inquiry makes it pending again (no event). Redacting (``DELETE /inquiries/{id}``) nulls
the inquiry's PII, in it and in every event recorded about it, keeps its status and times, and emits
``inquiry.redacted``; a redacted inquiry cannot be started, finished or resumed. Every change is saved
with its event in the caller's transaction; the events are queued for delivery once that transaction
commits.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from idv_persona_simulator.conf import simulator_setting
from idv_persona_simulator.delivery import WebhookURLRefused, dispatcher
from idv_persona_simulator.models import InquiryStatus, SimulatedEvent, SimulatedInquiry, new_session_token
from idv_persona_simulator.representations import (
    event_body,
    inquiry_object,
    is_redacted_attribute,
    redacted_object,
)

log = logging.getLogger(__name__)


class Choice(enum.StrEnum):
    """What the person does in the simulator's hosted flow."""

    APPROVE = "approve"
    DECLINE = "decline"
    NEEDS_REVIEW = "needs_review"
    FAIL = "fail"
    ABANDON = "abandon"


class InquiryNotOpen(ValueError):
    """The inquiry is not created or pending any more: its flow cannot be started or finished again."""


# Whether events are queued for delivery when they happen (tests switch it off to deliver them by hand).
_automatic = threading.Event()
_automatic.set()


def set_automatic_delivery(enabled: bool) -> None:
    """Switch the automatic delivery of new events on or off (they are recorded either way)."""
    if enabled:
        _automatic.set()
    else:
        _automatic.clear()


def queue_delivery(events: Iterable[SimulatedEvent]) -> None:
    """Queue each event for delivery, in the given order, unless no webhook URL is configured."""
    if not simulator_setting("WEBHOOK_URL"):
        return
    for event in events:
        try:
            dispatcher.enqueue(event.id, event.name, event_body(event))
        except WebhookURLRefused:
            # Runs after the commit, in the person's request: say why nothing is sent, do not fail the page.
            log.error("Persona simulator: event %s not sent: WEBHOOK_URL is not a local URL.", event.id)


def _emit(inquiry: SimulatedInquiry, name: str, at: datetime) -> SimulatedEvent:
    event = SimulatedEvent.objects.create(
        inquiry=inquiry, name=name, created_at=at, payload=inquiry_object(inquiry)
    )
    enabled = simulator_setting("ENABLED_EVENTS")
    if _automatic.is_set() and (enabled is None or name in enabled):
        transaction.on_commit(lambda: queue_delivery([event]))
    return event


def _moment(inquiry: SimulatedInquiry) -> datetime:
    # Event times of one inquiry strictly increase (at Persona's millisecond precision), so ordering
    # by created-at, as receivers must, is never ambiguous.
    now = timezone.now()
    last = inquiry.events.order_by("-created_at").values_list("created_at", flat=True).first()
    if last is not None and now < last + timedelta(milliseconds=1):
        now = last + timedelta(milliseconds=1)
    return now


def create(
    *,
    inquiry_template_id: str,
    reference_id: str = "",
    environment_id: str = "",
    fields: dict[str, str] | None = None,
    idempotency_key: str = "",
) -> tuple[SimulatedInquiry, bool]:
    """Create an inquiry (event inquiry.created); with a known idempotency key, return that one instead."""
    with transaction.atomic():
        if idempotency_key:
            existing = SimulatedInquiry.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing, False
        inquiry = SimulatedInquiry.objects.create(
            inquiry_template_id=inquiry_template_id,
            reference_id=reference_id,
            environment_id=environment_id,
            fields=fields or {},
            idempotency_key=idempotency_key,
        )
        _emit(inquiry, "inquiry.created", inquiry.created_at)
    return inquiry, True


def issue_session_token(inquiry: SimulatedInquiry) -> str:
    """Hand out a new session token for the inquiry (saved)."""
    token = new_session_token()
    inquiry.session_tokens = [*inquiry.session_tokens, token]
    inquiry.save(update_fields=["session_tokens"])
    return token


def resume(inquiry: SimulatedInquiry) -> str:
    """Resume: an expired inquiry becomes pending again; returns a new session token."""
    if inquiry.status == InquiryStatus.EXPIRED:
        inquiry.status = InquiryStatus.PENDING
        inquiry.expired_at = None
        inquiry.save(update_fields=["status", "expired_at"])
    return issue_session_token(inquiry)


def start(inquiry: SimulatedInquiry) -> None:
    """The person opened the hosted flow of a created inquiry: it becomes pending (inquiry.started)."""
    if inquiry.status != InquiryStatus.CREATED or inquiry.redacted_at is not None:
        raise InquiryNotOpen(f"Only a created inquiry can be started, not a {inquiry.status} one.")
    inquiry.started_at = at = _moment(inquiry)
    inquiry.status = InquiryStatus.PENDING
    inquiry.save(update_fields=["status", "started_at"])
    _emit(inquiry, "inquiry.started", at)


def finish(
    inquiry: SimulatedInquiry, choice: Choice, *, name_first: str = "", name_last: str = ""
) -> list[SimulatedEvent]:
    """Apply the person's choice to a pending inquiry, with Persona's events in Persona's order (returned)."""
    if inquiry.status != InquiryStatus.PENDING or inquiry.redacted_at is not None:
        raise InquiryNotOpen(f"Only a pending inquiry can be finished, not a {inquiry.status} one.")
    if choice == Choice.ABANDON:
        inquiry.status, inquiry.expired_at = InquiryStatus.EXPIRED, _moment(inquiry)
        inquiry.save()
        return [_emit(inquiry, "inquiry.expired", inquiry.expired_at)]
    inquiry.name_first, inquiry.name_last = name_first.strip(), name_last.strip()
    if choice == Choice.FAIL:
        inquiry.status, inquiry.failed_at = InquiryStatus.FAILED, _moment(inquiry)
        inquiry.save()
        return [_emit(inquiry, "inquiry.failed", inquiry.failed_at)]
    inquiry.status, inquiry.completed_at = InquiryStatus.COMPLETED, _moment(inquiry)
    inquiry.save()
    completed = _emit(inquiry, "inquiry.completed", inquiry.completed_at)
    decision = {
        Choice.APPROVE: (InquiryStatus.APPROVED, "inquiry.approved"),
        Choice.DECLINE: (InquiryStatus.DECLINED, "inquiry.declined"),
        Choice.NEEDS_REVIEW: (InquiryStatus.NEEDS_REVIEW, "inquiry.marked-for-review"),
    }
    inquiry.status, event_name = decision[choice]
    at = _moment(inquiry)
    if choice != Choice.NEEDS_REVIEW:  # marking for review is not a decision
        inquiry.decisioned_at = at
    inquiry.save()
    return [completed, _emit(inquiry, event_name, at)]


def redact(inquiry: SimulatedInquiry) -> SimulatedEvent | None:
    """
    Redact the (locked) inquiry as Persona does: null its name and the other PII fields, in the inquiry and
    in the payload of every event recorded about it; keep its status, times and ``reference-id`` (a direct
    redaction keeps the account's reference); set ``redacted-at`` and emit ``inquiry.redacted``, whose
    payload is the redacted inquiry. An inquiry already redacted changes nothing (None).
    """
    if inquiry.redacted_at is not None:
        return None
    inquiry.name_first = inquiry.name_middle = inquiry.name_last = ""
    inquiry.fields = {
        key: None if is_redacted_attribute(key) else value for key, value in inquiry.fields.items()
    }
    inquiry.redacted_at = _moment(inquiry)
    inquiry.save(update_fields=["name_first", "name_middle", "name_last", "fields", "redacted_at"])
    for event in inquiry.events.all():
        event.payload = redacted_object(event.payload)
        event.save(update_fields=["payload"])
    return _emit(inquiry, "inquiry.redacted", inquiry.redacted_at)
