"""
What the Persona provider keeps of its own: the inquiries it knows and the webhook events it processed.

The verification result itself lives only in idv_core's attempt (written through ``idv_core.api``); these
tables hold Persona's ids, statuses and times, so that duplicate and out-of-order webhooks change nothing
and the sync command knows which inquiries may be stuck. The attempt is referred to by its id (a plain
integer, not a foreign key: providers never touch the core's models).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

#: Persona's ids (``inq_...``, ``evt_...``) are short; 255 matches the core's external_id column.
PERSONA_ID_MAX_LENGTH = 255


class PersonaInquiry(models.Model):
    """
    One Persona inquiry and the verification attempt it verifies.

    Created when the start view creates the inquiry, or on first sight of the inquiry (a webhook, the sync
    command) when the attempt was written through idv_core's API alone (a site migrating its records).
    ``status`` and ``last_event_at`` are the newest inquiry status applied and when Persona reported it:
    a webhook created before ``last_event_at`` is stale and changes nothing.

    .. no_pii: Persona's inquiry id, its status and times, and the attempt's id. The verified name stays in
       the core's attempt.
    """

    inquiry_id = models.CharField(max_length=PERSONA_ID_MAX_LENGTH, unique=True)
    attempt_id = models.BigIntegerField(unique=True, help_text=_("The idv_core verification attempt's id."))
    status = models.CharField(
        max_length=32, blank=True, default="", help_text=_("The newest Persona inquiry status applied.")
    )
    last_event_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When Persona reported that status (event created-at, or sync time)."),
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Persona inquiry")
        verbose_name_plural = _("Persona inquiries")
        indexes = [models.Index(fields=["status", "modified"], name="idv_persona_inq_status_mod")]

    def __str__(self) -> str:
        return f"{self.inquiry_id} (attempt {self.attempt_id})"


class PersonaWebhookEvent(models.Model):
    """
    One Persona webhook event processed, keyed by Persona's event id: a redelivery changes nothing.

    The unique event id is what makes two deliveries of the same event, even at the same moment, apply
    once. ``outcome`` says what the event did (applied, unchanged, stale).

    .. no_pii: Persona's event and inquiry ids, the event's name, time and outcome; no name or payload.
    """

    class Outcome(models.TextChoices):
        """What processing the event did."""

        APPLIED = "applied", "Applied"
        UNCHANGED = "unchanged", "Nothing to change"
        STALE = "stale", "Stale (older than what was applied, or a transition not allowed)"

    event_id = models.CharField(max_length=PERSONA_ID_MAX_LENGTH, unique=True)
    inquiry_id = models.CharField(max_length=PERSONA_ID_MAX_LENGTH, db_index=True)
    name = models.CharField(max_length=64, help_text=_("The event's name, e.g. inquiry.approved."))
    event_created_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.APPLIED)
    received = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Persona webhook event")

    def __str__(self) -> str:
        return f"{self.event_id} {self.name} ({self.outcome})"


class PersonaRedaction(models.Model):
    """
    One inquiry Persona must redact because its learner was retired (Persona's "Redact an Inquiry").

    Recorded by the retirement, in its transaction; redacted with Persona's API after it commits (a Celery
    task, retried while Persona is unavailable, and ``manage.py idv_persona_sync`` for what is still
    pending), so a retirement never waits on Persona and nothing is lost while Persona is down.
    ``redacted_at`` is None while the redaction is pending. ``last_error`` says why the last try failed
    (Persona's status code or the kind of error, never a name).

    .. no_pii: Persona's inquiry id, times, a try counter and an error kind; no name, no user.
    """

    inquiry_id = models.CharField(max_length=PERSONA_ID_MAX_LENGTH, unique=True)
    requested = models.DateTimeField(auto_now_add=True)
    redacted_at = models.DateTimeField(
        null=True, blank=True, help_text="When Persona confirmed the redaction (empty: still pending)."
    )
    tries = models.PositiveIntegerField(default=0, help_text="Redaction requests sent to Persona.")
    last_error = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        verbose_name = "Persona redaction"
        indexes = [models.Index(fields=["redacted_at", "requested"], name="idv_persona_redaction_todo")]

    def __str__(self) -> str:
        state = "redacted" if self.redacted_at else "pending"
        return f"{self.inquiry_id} ({state})"


class PersonaWebhookFailures(models.Model):
    """
    How many webhook deliveries this site refused in one minute, by HTTP status: a count, not a log.

    Refused deliveries (400 malformed, 401 bad signature, 404 unknown inquiry, 413 too large) have no event
    id to trust, and anyone can send them: one row per minute and status, counted up, keeps a flood of
    forged requests from growing the table. Rows older than a day are deleted as new failures are counted.
    Read by the provider's health figure (failures in the last hour).

    .. no_pii: A minute, an HTTP status code and a count.
    """

    minute = models.DateTimeField(help_text="The start of the minute (UTC) the deliveries were refused in.")
    status_code = models.PositiveSmallIntegerField(help_text="The HTTP status the webhook answered.")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "Persona webhook failures (per minute)"
        verbose_name_plural = "Persona webhook failures (per minute)"
        constraints = [
            models.UniqueConstraint(fields=["minute", "status_code"], name="idv_persona_failures_minute"),
        ]

    def __str__(self) -> str:
        return f"{self.count} x {self.status_code} at {self.minute:%Y-%m-%d %H:%M}"
