"""Stands in for the platform's ``lms/djangoapps/certificates/apps.py``, for tests only."""

from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    """The stand-in certificates app: no models, one receiver."""

    name = "lms.djangoapps.certificates"
    label = "certificates"
    verbose_name = "Certificates (test stand-in)"

    def ready(self) -> None:
        """Connect the receiver on ``IDV_ATTEMPT_APPROVED``, as the platform's app does."""
        from lms.djangoapps.certificates import signals

        signals.connect()
