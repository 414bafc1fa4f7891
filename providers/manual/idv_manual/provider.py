"""The manual provider's class, registered under ``openedx.idv_provider`` as ``manual``."""

from __future__ import annotations

from datetime import datetime

from django.core.checks import CheckMessage, Error
from django.db.models import Count, Min
from django.urls import re_path
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from idv_core.data import HealthFigure
from idv_core.providers import IDVProvider
from idv_manual import views
from idv_manual.models import PendingAttempt
from idv_manual.reviews import retire_learner_reviews


class ManualProvider(IDVProvider):
    """
    Identity checked by a person: support staff approve or deny, in the Django admin or from a CSV file.

    Learners ask for a review on the start page (a ``pending`` attempt); staff with the permission
    ``idv_manual.review_verification`` decide pending attempts of any provider, or record a verification
    they made outside the site.
    """

    name = _("Manual review")
    description = _("A member of our support team checks your identity document by hand.")
    django_app = "idv_manual"
    # /idv/manual/start (the core mounts it under the provider's id; the trailing slash is optional).
    urlpatterns = [re_path(r"^start/?$", views.start, name="start")]
    settings_defaults = {
        # .. setting_name: IDV_MANUAL_INSTRUCTIONS
        # .. setting_default: "A member of our support team checks your identity by hand. ..." (see below)
        # .. setting_description: The text the manual provider's start page (``/idv/manual/start``) shows
        #   learners: how manual verification works at this site (which document to send, where, how long a
        #   review takes). Plain text; blank lines separate paragraphs. It must be a non-blank string
        #   (``manage.py check`` reports manual.E001 otherwise).
        # The default is translated (the learner's language); an operator's own text is shown as it is.
        "IDV_MANUAL_INSTRUCTIONS": _(
            "A member of our support team checks your identity by hand.\n\n"
            "Ask for a review below, then contact support with a photo of an official identity document "
            "that shows the name you want verified. You will see the decision on your verification status "
            "page, usually within a few working days."
        ),
    }

    def retire_user(self, user_id: int) -> None:
        """Erase the reasons of the learner's reviews (they may name the learner); the decisions stay."""
        retire_learner_reviews(user_id)

    def health(self, now: datetime) -> list[HealthFigure]:
        """
        The learners waiting for a reviewer: how many of this provider's attempts are pending in the review
        queue, and since when the oldest (one query). Pending attempts of other providers (a vendor still
        deciding) are in the queue too but are not counted: they wait for the vendor, not for staff.
        """
        queue = PendingAttempt.objects.filter(provider=self.id).aggregate(
            count=Count("pk"), oldest=Min("pending_since")
        )
        return [
            HealthFigure(
                f"idv.{self.id}.pending_reviews", "Manual reviews pending", queue["count"], "attempts"
            ),
            HealthFigure.age(
                f"idv.{self.id}.oldest_pending_age_seconds",
                "Oldest pending manual review",
                queue["oldest"],
                now,
            ),
        ]

    def check(self) -> list[CheckMessage]:
        """Report a malformed ``IDV_MANUAL_INSTRUCTIONS`` (manual.E001)."""
        instructions = self.setting("IDV_MANUAL_INSTRUCTIONS")
        if not isinstance(instructions, str | Promise) or not instructions.strip():
            return [
                Error(
                    "IDV_MANUAL_INSTRUCTIONS must be a non-blank string (the text learners see on the "
                    f"manual verification page), not {type(instructions).__name__} {instructions!r:.40}.",
                    hint="Set it to how manual verification works at your site, or remove it to use the "
                    "default text.",
                    id="manual.E001",
                )
            ]
        return []
