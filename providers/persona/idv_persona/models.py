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
