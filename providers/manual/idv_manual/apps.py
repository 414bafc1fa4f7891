"""idv_manual as a Django app and an Open edX plugin app (``lms.djangoapp`` entry point)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdvManualConfig(AppConfig):
    """The manual identity-verification provider's Django app: review records, admin, command, start page."""

    name = "idv_manual"
    label = "idv_manual"
    verbose_name = _("Identity verification: manual")
    default_auto_field = "django.db.models.BigAutoField"

    # A plugin app for its models, admin, templates and command only: its URL (the start page) and its
    # setting are the provider's (idv_manual.provider), mounted and read by the core.
    # (An empty plugin_app still makes it one: edx-django-utils' get_plugin_apps skips an app without it.)
    plugin_app: dict = {}

    def ready(self) -> None:
        """Connect the receivers that keep the review queue current."""
        from openedx_events.learning.signals import (
            IDV_ATTEMPT_APPROVED,
            IDV_ATTEMPT_DENIED,
            IDV_ATTEMPT_PENDING,
        )

        from idv_manual import handlers

        IDV_ATTEMPT_PENDING.connect(handlers.queue_pending_attempt, dispatch_uid="idv_manual.queue")
        for signal in (IDV_ATTEMPT_APPROVED, IDV_ATTEMPT_DENIED):
            signal.connect(
                handlers.unqueue_decided_attempt, dispatch_uid=f"idv_manual.unqueue.{signal.event_type}"
            )
