"""The manual provider's class, registered under ``openedx.idv_provider`` as ``manual``."""

from __future__ import annotations

from django.core.checks import CheckMessage, Error
from django.urls import reverse

from idv_core.providers import IDVProvider
from idv_manual.conf import manual_setting
from idv_manual.reviews import retire_learner_reviews


class ManualProvider(IDVProvider):
    """
    Identity checked by a person: support staff approve or deny, in the Django admin or from a CSV file.

    Learners ask for a review on the start page (a ``pending`` attempt); staff with the permission
    ``idv_manual.review_verification`` decide pending attempts of any provider, or record a verification
    they made outside the site.
    """

    name = "Manual review"
    description = "A member of our support team checks your identity document by hand."
    django_app = "idv_manual"

    def get_start_url(self) -> str:
        """The page explaining manual verification, where the learner asks for a review."""
        return reverse("idv_manual:start")

    def retire_user(self, user_id: int) -> None:
        """Erase the reasons of the learner's reviews (they may name the learner); the decisions stay."""
        retire_learner_reviews(user_id)

    def check(self) -> list[CheckMessage]:
        """Report a malformed ``IDV_MANUAL_INSTRUCTIONS`` (manual.E001)."""
        instructions = manual_setting("IDV_MANUAL_INSTRUCTIONS")
        if not isinstance(instructions, str) or not instructions.strip():
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
