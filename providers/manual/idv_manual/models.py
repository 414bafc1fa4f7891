"""
The manual provider's own tables: who decided what about which attempt, and the review queue.

The attempts themselves live in idv_core and are reached only through ``idv_core.api``: a provider never
imports the core's models, so these tables refer to an attempt by its id (a plain indexed integer, not a
foreign key).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from idv_core.statuses import VerificationAttemptStatus

#: The permission that lets a staff user see and use the manual provider's admin and command.
REVIEW_PERMISSION = "idv_manual.review_verification"
#: At most this many characters of reason: idv_core keeps the reason in its audit trail, which holds 100.
REASON_MAX_LENGTH = 100


class Decision(models.TextChoices):
    """What a reviewer decided: the two final statuses of ``idv_core.statuses``."""

    APPROVED = VerificationAttemptStatus.APPROVED.value, _("Approved")
    DENIED = VerificationAttemptStatus.DENIED.value, _("Denied")


class ManualReview(models.Model):
    """
    One decision a reviewer made about one verification attempt: the audit record of manual work.

    Written in the same transaction as the attempt's change, for each of: a verification created in the
    admin, a pending attempt (of any provider) approved or denied in the admin, a row of the
    ``idv_manual_verify`` command. Never edited or deleted through the admin.

    .. no_pii: The learner and the reviewer are referenced by id and the attempt by its id; the verified
       name stays in idv_core's table. The reason is a short staff note about the decision (the forms say
       not to put names in it).
    """

    attempt_id = models.PositiveBigIntegerField(
        db_index=True,
        help_text=_("The id of the verification attempt in idv_core (read it with idv_core.api)."),
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="idv_manual_reviews",
        help_text=_("The user whose identity was checked."),
    )
    # SET_NULL: deleting a staff account must not erase the decisions it made.
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="idv_manual_decisions",
        help_text=_("The staff user who decided."),
    )
    decision = models.CharField(max_length=16, choices=Decision.choices)
    reason = models.CharField(
        max_length=REASON_MAX_LENGTH, blank=True, help_text=_("Why. Required for denials. No names, please.")
    )
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("manual review")
        ordering = ("-id",)
        # One permission gates everything: is_staff alone shows nothing of this app.
        default_permissions = ()
        permissions = [("review_verification", "Can approve or deny identity verifications by hand")]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} attempt {self.attempt_id}"


class PendingAttempt(models.Model):
    """
    A verification attempt, of any provider, that is ``pending``: the queue reviewers work from.

    Fed by the openedx-events signals (``IDV_ATTEMPT_PENDING`` adds an attempt; ``_APPROVED`` and
    ``_DENIED`` remove it), because idv_core's public API has no "list pending attempts" call and a
    provider must not read the core's table. Searching the queue for a user in the admin also adds that
    user's pending attempts that the queue missed (attempts made before this app was installed).

    .. no_pii: Ids, the provider id and a date only; the name is read through idv_core.api when shown.
    """

    attempt_id = models.PositiveBigIntegerField(unique=True, help_text=_("The attempt's id in idv_core."))
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idv_manual_pending"
    )
    provider = models.CharField(max_length=64, blank=True, help_text=_("The id of the attempt's provider."))
    pending_since = models.DateTimeField(help_text=_("When the attempt became pending (when it was queued)."))

    class Meta:
        verbose_name = _("pending attempt")
        ordering = ("pending_since", "attempt_id")
        # The queue's admin list reads a page in this order: with the index, MySQL reads the page's rows
        # in index order instead of sorting the whole queue (a filesort) for every page.
        indexes = [models.Index(fields=["pending_since", "attempt_id"], name="idv_manual_queue_order")]
        default_permissions = ()

    def __str__(self) -> str:
        return f"Pending attempt {self.attempt_id}"
