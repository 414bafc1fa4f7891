"""
The manual provider's Django admin, shown only to users with ``idv_manual.review_verification``.

* **Manual reviews**: every decision, with the attempt's current data read through ``idv_core.api``;
  "Add" records a verification a reviewer made (a new ``manual`` attempt, approved or denied).
* **Pending attempts**: the review queue, pending attempts of *any* provider, with the bulk actions
  "Approve" and "Deny". The queue is this app's own table, fed by the IDV events, because a provider
  never reads idv_core's table (see ``idv_manual.models.PendingAttempt``).

Every change goes through :mod:`idv_manual.reviews`, hence through the core API: status rules, audit
trail (who and why) and events after commit.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from idv_core import api, names
from idv_core.data import VerificationAttemptRecord
from idv_core.exceptions import VerificationAttemptInvalidTransition, VerificationAttemptNotFound
from idv_manual import reviews
from idv_manual.forms import DecisionForm, ManualVerificationForm
from idv_manual.models import REVIEW_PERMISSION, Decision, ManualReview, PendingAttempt


def _may_review(request: HttpRequest) -> bool:
    return request.user.is_active and request.user.has_perm(REVIEW_PERMISSION)


def _attempt(attempt_id: int) -> VerificationAttemptRecord | None:
    try:
        return api.get_verification_attempt(attempt_id)
    except VerificationAttemptNotFound:
        return None


class ReviewPermissionMixin:
    """Everything requires the review permission: ``is_staff`` alone shows nothing of this app."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        """Show the app on the admin index only to reviewers."""
        return _may_review(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Reviewers may look."""
        return _may_review(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Records are never edited: a decision is corrected by a new decision."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """The audit trail is kept."""
        return False


@admin.register(ManualReview)
class ManualReviewAdmin(ReviewPermissionMixin, admin.ModelAdmin):
    """The decisions reviewers made; "Add" records a new manual verification."""

    list_display = ("id", "attempt_id", "learner", "decision", "reviewer", "reason", "created")
    list_filter = ("decision",)
    search_fields = ("learner__username", "learner__email", "=attempt_id")
    list_select_related = ("learner", "reviewer")
    ordering = ("-id",)
    add_form = ManualVerificationForm
    add_fields = ("user", "name", "decision", "reason", "expiration_datetime")
    view_fields = (
        "attempt_id",
        "learner",
        "reviewer",
        "decision",
        "reason",
        "created",
        "attempt_status",
        "attempt_provider",
        "attempt_name",
        "attempt_expiration",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Reviewers may record a verification they made."""
        return _may_review(request)

    def get_fields(self, request: HttpRequest, obj: ManualReview | None = None) -> tuple[str, ...]:
        """The add form's fields, or the record and its attempt's data."""
        return self.add_fields if obj is None else self.view_fields

    def get_readonly_fields(self, request: HttpRequest, obj: ManualReview | None = None) -> tuple[str, ...]:
        """All of a saved record is read-only."""
        return () if obj is None else self.view_fields

    def get_form(
        self, request: HttpRequest, obj: ManualReview | None = None, **kwargs: Any
    ) -> type[ModelForm]:
        """Use the verification form to add; the default form (all read-only) to view."""
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def save_model(self, request: HttpRequest, obj: ManualReview, form: Any, change: bool) -> None:
        """Create the attempt and its review through :func:`idv_manual.reviews.create_verification`."""
        data = form.cleaned_data
        saved = reviews.create_verification(
            learner=data["user"],
            name=data["name"],
            status=data["decision"],
            reviewer=request.user,
            reason=data.get("reason", ""),
            expiration_datetime=data.get("expiration_datetime"),
        )
        # The admin logs and redirects with ``obj``: make it the saved record.
        for field in ManualReview._meta.concrete_fields:
            setattr(obj, field.attname, getattr(saved, field.attname))
        obj._state.adding = False

    @admin.display(description=_("attempt status now"))
    def attempt_status(self, obj: ManualReview) -> str:
        """The attempt's current status, read through the core API."""
        record = _attempt(obj.attempt_id)
        return record.status.value if record else gettext("(attempt deleted)")

    @admin.display(description=_("attempt provider"))
    def attempt_provider(self, obj: ManualReview) -> str:
        """The provider that made the attempt."""
        record = _attempt(obj.attempt_id)
        return (record.provider or gettext("(none)")) if record else "-"

    @admin.display(description=_("verified name"))
    def attempt_name(self, obj: ManualReview) -> str:
        """The name being verified (PII: shown to reviewers, never logged)."""
        record = _attempt(obj.attempt_id)
        return names.for_display(record.name) if record else "-"

    @admin.display(description=_("attempt expires"))
    def attempt_expiration(self, obj: ManualReview) -> Any:
        """When the attempt's approval stops counting."""
        record = _attempt(obj.attempt_id)
        return record.expiration_datetime if record and record.expiration_datetime else "-"


class QueueChangeList(ChangeList):
    """The queue's list page: the attempts of the page's entries are read at once, not one per row."""

    def get_results(self, request: HttpRequest) -> None:
        """Read the page, then its attempts through the core API (one query for the whole page)."""
        super().get_results(request)
        # Iterating fills the page's result cache, which the list template then iterates again.
        records = api.get_verification_attempts_by_id(entry.attempt_id for entry in self.result_list)
        for entry in self.result_list:
            entry.attempt_record = records.get(entry.attempt_id)


@admin.register(PendingAttempt)
class PendingAttemptAdmin(ReviewPermissionMixin, admin.ModelAdmin):
    """The review queue: pending attempts of any provider, approved or denied in bulk."""

    list_display = ("attempt_id", "learner", "provider", "verified_name", "pending_since")
    list_filter = ("provider",)
    search_fields = ("learner__username", "learner__email", "=attempt_id")
    list_select_related = ("learner",)
    list_per_page = 50
    readonly_fields = ("attempt_id", "learner", "provider", "pending_since", "verified_name")
    fields = readonly_fields
    actions = ("approve_selected", "deny_selected")
    decide_template = "admin/idv_manual/pendingattempt/decide.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Attempts enter the queue by becoming pending, never by hand."""
        return False

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        """The list page reads its attempts in one query (:class:`QueueChangeList`)."""
        return QueueChangeList

    def has_review_permission(self, request: HttpRequest) -> bool:
        """Who may run the approve and deny actions."""
        return _may_review(request)

    @admin.display(description=_("verified name"))
    def verified_name(self, obj: PendingAttempt) -> str:
        """The name to check against the document (PII: shown to reviewers, never logged)."""
        # On the list page the attempt was read with the page's others; on an entry's page it is read here.
        record = obj.attempt_record if hasattr(obj, "attempt_record") else _attempt(obj.attempt_id)
        return names.for_display(record.name) if record else gettext("(attempt deleted)")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[PendingAttempt], search_term: str
    ) -> tuple[QuerySet[PendingAttempt], bool]:
        """
        Searching for a username or email first brings that user's queue up to date.

        So a pending attempt the queue never heard of (made before this app was installed) can still be
        found and decided.
        """
        term = search_term.strip()
        if term:
            matches = get_user_model().objects.filter(Q(username=term) | Q(email__iexact=term))[:5]
            for learner in matches:
                reviews.sync_user_queue(learner)
        return super().get_search_results(request, queryset, search_term)

    @admin.action(description=_("Approve the selected pending attempts"), permissions=["review"])
    def approve_selected(self, request: HttpRequest, queryset: QuerySet[PendingAttempt]) -> Any:
        """Ask for an optional reason, then approve each attempt."""
        return self._decide(request, queryset, Decision.APPROVED, "approve_selected")

    @admin.action(description=_("Deny the selected pending attempts"), permissions=["review"])
    def deny_selected(self, request: HttpRequest, queryset: QuerySet[PendingAttempt]) -> Any:
        """Ask for the reason (required), then deny each attempt."""
        return self._decide(request, queryset, Decision.DENIED, "deny_selected")

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[PendingAttempt], decision: Decision, action: str
    ) -> TemplateResponse | None:
        form = DecisionForm(decision, request.POST if "apply" in request.POST else None)
        if not form.is_valid():
            title = (
                _("Approve pending attempts") if decision == Decision.APPROVED else _("Deny pending attempts")
            )
            context = {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.model._meta,
                "queryset": queryset,
                "form": form,
                "decision": decision,
                "action": action,
                "action_checkbox_name": ACTION_CHECKBOX_NAME,
            }
            return TemplateResponse(request, self.decide_template, context)

        done, problems = 0, []
        for entry in queryset:
            # Each attempt in its own transaction: one that was decided meanwhile loses nothing else.
            try:
                reviews.decide_attempt(
                    entry.attempt_id,
                    status=decision,
                    reviewer=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except (
                reviews.AttemptNotReviewable,
                VerificationAttemptInvalidTransition,
                VerificationAttemptNotFound,
            ) as error:
                # Decided or gone meanwhile: it no longer belongs in the queue.
                reviews.unqueue(entry.attempt_id)
                problems.append(str(error))
            else:
                done += 1
        if done:
            message = ngettext("{decision}: {count} attempt.", "{decision}: {count} attempts.", done)
            self.message_user(request, message.format(decision=decision.label, count=done), messages.SUCCESS)
        for problem in problems:
            self.message_user(
                request, gettext("Not changed: {problem}").format(problem=problem), messages.WARNING
            )
        return None
