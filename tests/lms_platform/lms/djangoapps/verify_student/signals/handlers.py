"""
Stands in for the platform's ``lms/djangoapps/verify_student/signals/handlers.py``, for tests only.

The platform's two retirement receivers:

* ``USER_RETIRE_LMS_MISC``: deletes the user's generic ``VerificationAttempt`` rows (a ``post_delete``
  each);
* ``USER_RETIRE_LMS_CRITICAL``: redacts (keeps) the user's photo verifications, and deletes their manual
  verifications only when the ``REDACT_MANUAL_VERIFICATION_HISTORICAL_PII`` setting toggle is on (off by
  default). SSO verifications are left alone.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from edx_toggles.toggles import SettingToggle
from openedx.core.djangoapps.user_api.accounts.signals import USER_RETIRE_LMS_CRITICAL, USER_RETIRE_LMS_MISC

from lms.djangoapps.verify_student.models import (
    ManualVerification,
    SoftwareSecurePhotoVerification,
    VerificationAttempt,
)

#: The platform's toggle (a setting, default False): delete manual verifications on retirement.
REDACT_MANUAL_VERIFICATION_HISTORICAL_PII = SettingToggle(
    "REDACT_MANUAL_VERIFICATION_HISTORICAL_PII", default=False, module_name=__name__
)


@receiver(USER_RETIRE_LMS_CRITICAL, dispatch_uid="verify_student_retire_lms_critical")
def _listen_for_lms_retire(sender: Any, **kwargs: Any) -> None:
    """Redact the user's photo verifications; delete their manual ones if the toggle is on."""
    user = kwargs["user"]
    SoftwareSecurePhotoVerification.retire_user(user.id)
    if REDACT_MANUAL_VERIFICATION_HISTORICAL_PII.is_enabled():
        ManualVerification.delete_by_user_value(value=user.id, field="user_id")


@receiver(USER_RETIRE_LMS_MISC, dispatch_uid="verify_student_retire_lms_misc")
def _listen_for_lms_retire_verification_attempts(sender: Any, **kwargs: Any) -> None:
    """Delete the user's generic verification attempts."""
    VerificationAttempt.retire_user(kwargs["user"].id)
