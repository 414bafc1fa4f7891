"""
The one generic table every identity-verification provider writes to.

Only ``idv_core.api`` writes it: saving a model instance directly skips the status rules and the events.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from idv_core.statuses import VerificationAttemptStatus

NAME_MAX_LENGTH = 255
PROVIDER_MAX_LENGTH = 64
EXTERNAL_ID_MAX_LENGTH = 255


class VerificationAttempt(models.Model):
    """
    One attempt of one user to verify their identity, with whichever provider.

    "No external id" is stored as NULL, so the plain unique constraint on (provider, external_id) holds
    on every database (MySQL/MariaDB ignore conditional unique constraints) and leaves attempts without
    an external id unconstrained. Every change is kept, with who made it and why, in the history table.

    .. pii: ``name`` is the name being ID-verified (a legal name); the history table keeps every past
       value. The user's username and email reach events through the user, not through this table.
    .. pii_types: name
    .. pii_retirement: local_api
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idv_attempts")
    name = models.CharField(max_length=NAME_MAX_LENGTH, help_text="The name being ID-verified.")
    status = models.CharField(
        max_length=32,
        choices=[(status.value, status.value.capitalize()) for status in VerificationAttemptStatus],
        default=VerificationAttemptStatus.CREATED.value,
    )
    expiration_datetime = models.DateTimeField(
        null=True, blank=True, help_text="When an approval stops counting. Empty on an approval: never."
    )
    hide_status_from_user = models.BooleanField(
        default=False, help_text="Leave this attempt out of what the learner is shown about their status."
    )
    provider = models.CharField(
        max_length=PROVIDER_MAX_LENGTH, blank=True, default="", help_text="Id of the provider that owns it."
    )
    # NULL, not "", means "no external id" so that the unique constraint leaves those rows alone.
    # On MySQL/MariaDB this column and ``provider`` compare exactly (binary collation, migration 0002).
    external_id = models.CharField(  # noqa: DJ001
        max_length=EXTERNAL_ID_MAX_LENGTH,
        null=True,
        blank=True,
        help_text="The provider's own reference (e.g. a Persona inquiry id). Unique per provider.",
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "verification attempt"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "external_id"], name="idv_attempt_provider_external_id"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=VerificationAttemptStatus.values()),
                name="idv_attempt_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(external_id=""), name="idv_attempt_external_id_null_not_blank"
            ),
        ]
        indexes = [
            # is_user_verified / get_verified_user_ids: user and status equality, expiration range.
            models.Index(
                fields=["user", "status", "expiration_datetime"], name="idv_attempt_user_status_exp"
            ),
            # Providers' housekeeping (e.g. reconciling attempts stuck in created/pending).
            models.Index(fields=["provider", "status", "modified"], name="idv_attempt_provider_status"),
        ]

    def __str__(self) -> str:
        # Never include the name: this string reaches logs and admin messages.
        return f"VerificationAttempt {self.pk} of user {self.user_id} ({self.status})"
