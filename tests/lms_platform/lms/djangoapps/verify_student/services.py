"""
Stands in for the platform's ``lms/djangoapps/verify_student/services.py``, for tests only.

``IDVerificationService`` is what every part of the LMS asks about a learner's identity verification; it reads
only the platform's four tables (``verify_student.models``), never openedx-idv's. Its quirks are kept:

* ``user_is_verified``: the approved row with the greatest ``updated_at`` across the four tables decides, and
  it must have an ``expiration_datetime`` that is not past (a generic approval without one is NOT verified; a
  newer approval with a past expiry hides an older valid one);
* ``get_verified_user_ids``: approved rows created less than ``DAYS_GOOD_FOR`` days ago, expiration ignored;
* ``user_status``: a generic ``pending`` or ``created`` row reads as ``none``; ``denied`` as
  ``must_reverify``; the unexpired approval with the latest expiration wins over newer rows; an expired
  approval whose status is hidden from the user reads as ``none``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta
from itertools import chain
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.timezone import now
from django.utils.translation import gettext as _
from openedx_filters.learning.filters import IDVPageURLRequested

from lms.djangoapps.verify_student.models import (
    ManualVerification,
    SoftwareSecurePhotoVerification,
    SSOVerification,
    VerificationAttempt,
)
from lms.djangoapps.verify_student.utils import is_verification_expiring_soon, most_recent_verification

#: The platform's ``CourseMode.VERIFIED_MODES``: enrollment modes whose learners must be ID-verified.
VERIFIED_MODES = (
    "verified",
    "professional",
    "masters",
    "executive-education",
    "paid-executive-education",
    "paid-bootcamp",
)

#: The platform's default ``PLATFORM_NAME`` (used in the "expired" error message).
DEFAULT_PLATFORM_NAME = "Your Platform Name Here"


def _all_tables() -> tuple[type, ...]:
    # The order of the platform's reads: generic attempts first, then photo, SSO, manual.
    return (VerificationAttempt, SoftwareSecurePhotoVerification, SSOVerification, ManualVerification)


class XBlockVerificationService:
    """The XBlock runtime's ``verification`` service."""

    def get_status(self, user_id: int) -> dict[str, Any]:
        """``IDVerificationService.user_status`` of the user with this id (``User.DoesNotExist`` if none)."""
        user = get_user_model().objects.get(id=user_id)
        return IDVerificationService.user_status(user)

    def reverify_url(self) -> str | None:
        """Where a learner goes to verify: ``IDVerificationService.get_verify_location()``."""
        return IDVerificationService.get_verify_location()


class IDVerificationService:
    """The platform's read service for ID verification (all classmethods)."""

    @classmethod
    def user_is_verified(cls, user: Any) -> bool:
        """Whether the most recently updated approval (any table) has an expiration that is not past."""
        expiration_datetime = cls.get_expiration_datetime(user, ["approved"])
        if expiration_datetime:
            return expiration_datetime >= now()
        return False

    @classmethod
    def verifications_for_user(cls, user: Any) -> list[Any]:
        """Every verification of the user: generic, photo, SSO, manual; each newest ``created_at`` first."""
        return list(
            chain.from_iterable(
                table.objects.filter(user=user).order_by("-created_at") for table in _all_tables()
            )
        )

    @classmethod
    def get_verified_user_ids(cls, users: Iterable[Any]) -> Iterator[int]:
        """
        The ids of those of ``users`` (users or ids) with an approval created within ``DAYS_GOOD_FOR`` days.

        An iterator over the four tables in turn, so an id may come more than once; expirations are ignored.
        """
        if not isinstance(users, QuerySet):
            users = list(users)  # read four times below
        created_after = now() - timedelta(days=settings.VERIFY_STUDENT["DAYS_GOOD_FOR"])
        return chain.from_iterable(
            table.objects.filter(user__in=users, status="approved", created_at__gt=created_after).values_list(
                "user_id", flat=True
            )
            for table in _all_tables()
        )

    @classmethod
    def get_expiration_datetime(cls, user: Any, statuses: Iterable[str]) -> Any:
        """The ``expiration_datetime`` of the user's latest updated verification in one of ``statuses``."""
        statuses = list(statuses)
        # The platform's order here: photo, SSO, manual, then generic (it only matters on an updated_at tie).
        querysets = (
            table.objects.filter(user=user, status__in=statuses)
            for table in (
                SoftwareSecurePhotoVerification,
                SSOVerification,
                ManualVerification,
                VerificationAttempt,
            )
        )
        attempt = most_recent_verification(querysets)
        return attempt and attempt.expiration_datetime

    @classmethod
    def user_has_valid_or_pending(cls, user: Any) -> bool:
        """Whether the user's latest submitted / approved / must_retry verification has not expired."""
        expiration_datetime = cls.get_expiration_datetime(user, ["submitted", "approved", "must_retry"])
        if expiration_datetime:
            return expiration_datetime >= now()
        return False

    @classmethod
    def _verification_for_status(cls, verifications: list[Any]) -> Any | None:
        """
        The verification ``user_status`` describes.

        The first of ``verifications_for_user`` (the newest generic attempt if any), unless an approval that
        has not expired (or has no expiration) beats it: any such approval beats a chosen row that is not
        approved, and one expiring later beats a chosen approval that has an expiration.
        """
        if not verifications:
            return None
        chosen = verifications[0]
        current_time = now()
        for verification in verifications:
            expires = verification.expiration_datetime
            if verification.status != "approved" or (expires and expires <= current_time):
                continue
            chosen_expires = chosen.expiration_datetime
            if chosen.status != "approved" or (chosen_expires and expires and chosen_expires < expires):
                chosen = verification
        return chosen

    @classmethod
    def user_status(cls, user: Any) -> dict[str, Any]:
        """
        The learner's verification state, as the dashboard, the XBlock service and the REST views show it.

        A dict: ``status`` (``none`` / ``approved`` / ``expired`` / ``must_reverify`` / ``pending``),
        ``error``, ``should_display``, ``status_date`` (the approval's ``status_changed``, else ``""``) and
        ``verification_expiry`` (``MM/DD/YYYY`` when the approval expires within ``EXPIRING_SOON_WINDOW``
        days, else ``""``).
        """
        result: dict[str, Any] = {
            "status": "none",
            "error": "",
            "should_display": True,
            "status_date": "",
            "verification_expiry": "",
        }
        attempt = cls._verification_for_status(cls.verifications_for_user(user))
        if attempt is None:
            return result

        result["should_display"] = attempt.should_display_status_to_user()
        expires = attempt.expiration_datetime

        if attempt.status == "approved" and expires and expires < now():
            if not result["should_display"]:
                # An expired approval the learner was never shown reads as no verification at all (the
                # dict keeps should_display False, as the platform's does).
                return result
            result["status"] = "expired"
            platform_name = getattr(settings, "PLATFORM_NAME", DEFAULT_PLATFORM_NAME)
            result["error"] = _("Your {platform_name} verification has expired.").format(
                platform_name=platform_name
            )
        elif attempt.status == "denied":
            result["status"] = "must_reverify"
            if getattr(attempt, "error_msg", ""):
                result["error"] = attempt.parsed_error_msg()
        elif attempt.status == "approved":
            result["status"] = "approved"
            if is_verification_expiring_soon(cls.get_expiration_datetime(user, ["approved"])):
                # As in the platform, the date is the chosen attempt's (AttributeError if it has none).
                result["verification_expiry"] = attempt.expiration_datetime.date().strftime("%m/%d/%Y")
            result["status_date"] = attempt.status_changed
        elif attempt.status in ("submitted", "must_retry"):
            # The older tables' in-review statuses; a generic "pending" (or "created") reads as "none".
            result["status"] = "pending"
        return result

    @classmethod
    def verification_status_for_user(
        cls, user: Any, user_enrollment_mode: str, user_is_verified: bool | None = None
    ) -> str:
        """The grade reports' column: 'N/A' outside the verified modes, else (Not) 'ID Verified'."""
        if user_enrollment_mode not in VERIFIED_MODES:
            return "N/A"
        if user_is_verified is None:
            user_is_verified = cls.user_is_verified(user)
        return "ID Verified" if user_is_verified else "Not ID Verified"

    @classmethod
    def get_verify_location(cls, course_id: Any = None) -> str | None:
        """
        Where every "verify your identity" link of the LMS goes.

        ``{ACCOUNT_MICROFRONTEND_URL}/id-verification``, plus ``?course_id=<quoted course key>`` when given,
        run through the ``IDVPageURLRequested`` filter (the URL its only argument); whatever the filter
        returns is returned, no fallback, and an ``OpenEdxFilterException`` propagates.
        """
        account_base_url = (settings.ACCOUNT_MICROFRONTEND_URL or "").rstrip("/")
        location = f"{account_base_url}/id-verification"
        if course_id:
            location += f"?course_id={quote(str(course_id))}"
        return IDVPageURLRequested.run_filter(location)
