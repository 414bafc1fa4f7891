"""
The platform's four verification tables (``lms/djangoapps/verify_student/models.py``), with their columns
and their indexes: the user (a foreign key), ``created_at``, ``updated_at`` and ``expiration_date`` indexed,
no index on the status. Not migrations: the benchmark creates them with ``migrate --run-syncdb``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

STATUSES = ["created", "ready", "submitted", "must_retry", "approved", "denied"]
GENERIC_STATUSES = ["created", "pending", "approved", "denied"]


class IDVerificationAttempt(models.Model):
    """The abstract base of the three older tables (a django-model-utils StatusModel on the platform)."""

    status = models.CharField(
        max_length=100, choices=[(status, status) for status in STATUSES], default="created"
    )
    status_changed = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_index=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(blank=True, max_length=255)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    expiration_date = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.pk} ({self.status})"

    @property
    def expiration_datetime(self) -> datetime | None:
        return self.expiration_date


class SoftwareSecurePhotoVerification(IDVerificationAttempt):
    """The photo verification (its images' keys and the vendor's answer)."""

    receipt_id = models.CharField(db_index=True, max_length=255, default="")
    face_image_url = models.URLField(blank=True, max_length=255)
    photo_id_image_url = models.URLField(blank=True, max_length=255)
    photo_id_key = models.TextField(blank=True, max_length=1024)
    submitted_at = models.DateTimeField(null=True, db_index=True)
    reviewing_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        db_index=True,
        default=None,
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    reviewing_service = models.CharField(blank=True, max_length=255)
    error_msg = models.TextField(blank=True)
    error_code = models.CharField(blank=True, max_length=50)
    copy_id_photo_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE)

    class Meta(IDVerificationAttempt.Meta):
        app_label = "baseline"


class SSOVerification(IDVerificationAttempt):
    """A verification by a trusted single sign-on provider."""

    identity_provider_type = models.CharField(max_length=100, blank=True, default="")
    identity_provider_slug = models.SlugField(max_length=30, db_index=True, default="default")

    class Meta(IDVerificationAttempt.Meta):
        app_label = "baseline"


class ManualVerification(IDVerificationAttempt):
    """A verification recorded by staff."""

    reason = models.CharField(max_length=255, blank=True)

    class Meta(IDVerificationAttempt.Meta):
        app_label = "baseline"


class VerificationAttempt(models.Model):
    """The generic table (the one openedx-idv mirrors into inside the LMS)."""

    status = models.CharField(
        max_length=100, choices=[(status, status) for status in GENERIC_STATUSES], default="created"
    )
    status_changed = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, db_index=True, on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(blank=True, max_length=255)
    expiration_datetime = models.DateTimeField(null=True, blank=True)
    hide_status_from_user = models.BooleanField(default=False, null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        app_label = "baseline"

    def __str__(self) -> str:
        return f"VerificationAttempt {self.pk} ({self.status})"


TABLES: tuple[type[models.Model], ...] = (
    SoftwareSecurePhotoVerification,
    SSOVerification,
    ManualVerification,
    VerificationAttempt,
)


def user_is_verified(user: Any) -> bool:
    """The platform's answer: the approval updated last, in any table, has an expiration not yet past."""
    latest = None
    for table in TABLES:  # one ORM query each, every matching row loaded, as the platform does
        for verification in table.objects.filter(user=user, status__in=["approved"]):
            if latest is None or verification.updated_at > latest.updated_at:
                latest = verification
    expiration = latest and latest.expiration_datetime
    return bool(expiration) and expiration >= timezone.now()
