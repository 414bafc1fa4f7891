"""
Stands in for the platform's ``lms/djangoapps/verify_student/models.py``, for tests only.

The four tables the platform's ``IDVerificationService`` reads:

* ``VerificationAttempt``: the generic, implementation-agnostic attempt that IDV plugins create through
  ``lms.djangoapps.verify_student.api`` (statuses created / pending / approved / denied);
* the three older ones, ``SoftwareSecurePhotoVerification``, ``SSOVerification`` and ``ManualVerification``
  (statuses created / ready / submitted / must_retry / approved / denied), each with an ``expiration_date``
  that defaults to now + ``VERIFY_STUDENT["DAYS_GOOD_FOR"]`` days.

All are django-model-utils ``StatusModel``s: ``status`` (a ``StatusField``, no database check) and
``status_changed`` (a ``MonitorField``, set when ``status`` changes on ``save()``). Only the fields the
platform's reads, API, retirement and REST views use are here.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils.timezone import now
from model_utils import Choices
from model_utils.models import StatusModel

from lms.djangoapps.verify_student.statuses import VerificationAttemptStatus


def _days_good_for() -> timedelta:
    return timedelta(days=settings.VERIFY_STUDENT["DAYS_GOOD_FOR"])


def default_expiration_date() -> datetime:
    """Now + ``VERIFY_STUDENT["DAYS_GOOD_FOR"]`` days: the default expiration of the older verifications."""
    return now() + _days_good_for()


def generate_receipt_id() -> str:
    """A new random receipt id (a UUID4 string) for a photo verification."""
    return str(uuid.uuid4())


class IDVerificationAttempt(StatusModel):
    """The abstract base of the three older verification tables."""

    STATUS = Choices("created", "ready", "submitted", "must_retry", "approved", "denied")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_index=True, on_delete=models.CASCADE)
    name = models.CharField(blank=True, max_length=255)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    expiration_date = models.DateTimeField(
        null=True, blank=True, db_index=True, default=default_expiration_date
    )

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{type(self).__name__} for {self.name}, status: {self.status}"

    @property
    def expiration_datetime(self) -> datetime:
        """``expiration_date``, or (old rows where it is NULL) ``created_at`` + ``DAYS_GOOD_FOR`` days."""
        if self.expiration_date:
            return self.expiration_date
        return self.created_at + _days_good_for()

    def should_display_status_to_user(self) -> bool:
        """Whether the learner is shown this verification's status."""
        raise NotImplementedError

    def active_at_datetime(self, deadline: datetime) -> bool:
        """Whether the verification was created by ``deadline`` and has not expired yet."""
        return self.created_at <= deadline and self.expiration_datetime > now()


class SoftwareSecurePhotoVerification(IDVerificationAttempt):
    """
    A photo verification (face and photo ID reviewed by Software Secure).

    Only the fields the reads and the retirement use: no image upload, encryption or submission here.
    """

    receipt_id = models.CharField(db_index=True, default=generate_receipt_id, max_length=255)
    face_image_url = models.URLField(blank=True, max_length=255)
    photo_id_image_url = models.URLField(blank=True, max_length=255)
    photo_id_key = models.TextField(blank=True, max_length=1024)
    error_msg = models.TextField(blank=True)
    error_code = models.CharField(blank=True, max_length=50)

    def should_display_status_to_user(self) -> bool:
        """A photo verification's status is shown to the learner (unlike SSO and manual ones)."""
        return True

    def parsed_error_msg(self) -> str:
        """The denial reason, as ``user_status`` reports it (the platform maps Software Secure's codes)."""
        return self.error_msg

    @classmethod
    def retire_user(cls, user_id: int) -> bool:
        """Redact (not delete) the user's photo verifications; return whether there were any."""
        redacted = cls.objects.filter(user_id=user_id).update(
            name="", face_image_url="", photo_id_image_url="", photo_id_key=""
        )
        return redacted > 0


class SSOVerification(IDVerificationAttempt):
    """A verification granted by signing in through a trusted identity provider (third-party auth)."""

    OAUTH2 = "common.djangoapps.third_party_auth.models.OAuth2ProviderConfig"
    SAML = "common.djangoapps.third_party_auth.models.SAMLProviderConfig"
    LTI = "common.djangoapps.third_party_auth.models.LTIProviderConfig"
    IDENTITY_PROVIDER_TYPE_CHOICES = (
        (OAUTH2, "OAuth2 Provider"),
        (SAML, "SAML Provider"),
        (LTI, "LTI Provider"),
    )

    identity_provider_type = models.CharField(
        max_length=100, choices=IDENTITY_PROVIDER_TYPE_CHOICES, default=SAML
    )
    identity_provider_slug = models.SlugField(max_length=30, db_index=True, default="default")

    def should_display_status_to_user(self) -> bool:
        """An SSO verification's status is not shown to the learner."""
        return False


class ManualVerification(IDVerificationAttempt):
    """A verification granted by staff, bypassing every other kind."""

    reason = models.CharField(max_length=255, blank=True)

    def should_display_status_to_user(self) -> bool:
        """A manual verification's status is not shown to the learner."""
        return False

    @classmethod
    def delete_by_user_value(cls, value: object, field: str) -> bool:
        """Clear the name of, then delete, the rows whose ``field`` is ``value``; return whether any were."""
        rows = cls.objects.filter(**{field: value})
        if not rows.exists():
            return False
        rows.update(name="")
        rows.delete()
        return True


class VerificationAttempt(StatusModel):
    """
    The platform's generic IDV attempt, created and updated by IDV plugins through ``verify_student.api``.

    Its id is the ``attempt_id`` of every ``IDV_ATTEMPT_*`` event the platform sends. (In LMS mode the ids
    start at 100001, see migration 0002, so that a test can tell them from openedx-idv's own ids.)
    """

    STATUS = Choices(*(status.value for status in VerificationAttemptStatus))

    user = models.ForeignKey(settings.AUTH_USER_MODEL, db_index=True, on_delete=models.CASCADE)
    name = models.CharField(blank=True, max_length=255)
    expiration_datetime = models.DateTimeField(null=True, blank=True)
    hide_status_from_user = models.BooleanField(default=False, null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    def __str__(self) -> str:
        return f"VerificationAttempt {self.pk} for {self.name}, status: {self.status}"

    def should_display_status_to_user(self) -> bool:
        """Whether the learner is shown this attempt's status (``hide_status_from_user`` not set)."""
        return not self.hide_status_from_user

    def active_at_datetime(self, deadline: datetime) -> bool:
        """Whether the attempt was created by ``deadline`` and has not expired (no expiration: never)."""
        return self.created_at <= deadline and (
            self.expiration_datetime is None or self.expiration_datetime > now()
        )

    @classmethod
    def retire_user(cls, user_id: int) -> None:
        """
        Delete every attempt of the user (retirement).

        A queryset delete: Django still sends ``post_delete`` for each row (edx-name-affirmation listens).
        """
        cls.objects.filter(user_id=user_id).delete()
