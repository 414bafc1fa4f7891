"""Stands in for the platform's ``lms/djangoapps/verify_student/apps.py``, for tests only."""

from django.apps import AppConfig


class VerifyStudentConfig(AppConfig):
    """The stand-in ``verify_student`` app: the platform's identity-verification tables, reads and API."""

    name = "lms.djangoapps.verify_student"
    label = "verify_student"
    verbose_name = "Student Identity Verification (test stand-in)"
    # The platform's tables have AutoField (int) ids, whatever the host's DEFAULT_AUTO_FIELD.
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        """Connect the retirement receivers, as the platform's app does."""
        from lms.djangoapps.verify_student.signals import handlers  # noqa: F401
