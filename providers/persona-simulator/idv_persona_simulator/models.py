"""The simulator's records: its inquiries and the events it emitted about them."""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_ID_ALPHABET = string.ascii_letters + string.digits


def _random_id(prefix: str) -> str:
    # Persona's ids look like inq_ + 24 to 28 letters and digits.
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(24))


def new_inquiry_id() -> str:
    """A fresh inquiry id (``inq_...``)."""
    return _random_id("inq_")


def new_event_id() -> str:
    """A fresh event id (``evt_...``)."""
    return _random_id("evt_")


def new_session_token() -> str:
    """A fresh session token (Persona's are JWTs; the simulator's are opaque)."""
    return "sim_session_" + secrets.token_urlsafe(24)


class InquiryStatus(models.TextChoices):
    """Persona's inquiry statuses."""

    CREATED = "created"
    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"
    EXPIRED = "expired"
    NEEDS_REVIEW = "needs_review"
    APPROVED = "approved"
    DECLINED = "declined"


# Statuses the hosted flow can still be used in; resuming is allowed in the last two (Persona: 409 else).
OPEN_STATUSES = frozenset({InquiryStatus.CREATED, InquiryStatus.PENDING})
RESUMABLE_STATUSES = frozenset({InquiryStatus.CREATED, InquiryStatus.PENDING, InquiryStatus.EXPIRED})


class SimulatedInquiry(models.Model):
    """
    An inquiry of the local Persona simulator (development and tests only, never in production).

    .. pii: ``name_first``, ``name_middle``, ``name_last`` and ``fields`` hold the "verified" name typed
       into the simulator's hosted flow or prefilled by the host (test data, in a development database);
       ``reference_id`` is the host's reference for the learner (``openedx-user-<id>``: an id).
    .. pii_types: name, id
    .. pii_retirement: third_party
    """

    id = models.CharField(primary_key=True, max_length=40, default=new_inquiry_id, editable=False)
    inquiry_template_id = models.CharField(max_length=64)
    environment_id = models.CharField(max_length=64, blank=True)
    reference_id = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=20, choices=InquiryStatus.choices, default=InquiryStatus.CREATED)
    # Prefilled fields, as the host sent them ({"name-first": "Ada", ...}).
    fields = models.JSONField(default=dict, blank=True)
    name_first = models.CharField(max_length=255, blank=True)
    name_middle = models.CharField(max_length=255, blank=True)
    name_last = models.CharField(max_length=255, blank=True)
    # Every session token handed out (by the hosted flow or by resume); all stay valid while it is open.
    session_tokens = models.JSONField(default=list, blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    decisioned_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    # Set when the inquiry was redacted (``DELETE /inquiries/{id}``): its PII is gone, for good.
    redacted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = _("simulated inquiry")
        verbose_name_plural = _("simulated inquiries")

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"


class SimulatedEvent(models.Model):
    """
    An event the simulator emitted (``inquiry.approved``...), with the inquiry as it was at that moment.

    .. pii: ``payload`` is the inquiry object at the time of the event, with its name fields (test data);
       redacting the inquiry nulls them.
    .. pii_types: name, id
    .. pii_retirement: third_party
    """

    id = models.CharField(primary_key=True, max_length=40, default=new_event_id, editable=False)
    inquiry = models.ForeignKey(SimulatedInquiry, on_delete=models.CASCADE, related_name="events")
    name = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    # The inquiry object (JSON:API resource) the webhook carries as data.attributes.payload.data.
    payload = models.JSONField()

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.id} {self.name}"


def persona_timestamp(value: datetime | None) -> str | None:
    """An aware datetime as Persona writes it: ISO 8601 in UTC with milliseconds (``...T12:00:00.123Z``)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
