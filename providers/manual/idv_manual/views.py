"""
The learner's start page: how manual verification works here, and a button to ask for a review.

Asking creates a ``pending`` attempt (provider ``manual``) with the learner's name; the review queue in
the admin picks it up through the ``IDV_ATTEMPT_PENDING`` event. A learner with a pending manual attempt
sees its status instead of a second request, even when several requests race (``IDVProvider.open_attempt``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from idv_core import api
from idv_core.data import VerificationAttemptRecord
from idv_core.exceptions import VerificationAttemptInvalidName
from idv_core.providers import with_return_query
from idv_core.statuses import VerificationAttemptStatus

TEMPLATE = "idv_manual/start.html"


def _pending_manual_attempt(request: HttpRequest) -> VerificationAttemptRecord | None:
    for record in api.get_verification_attempts(request.user):
        if record.provider == request.idv_provider.id and record.status == VerificationAttemptStatus.PENDING:
            return record
    return None


def _render(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    instructions = request.idv_provider.setting("IDV_MANUAL_INSTRUCTIONS")
    paragraphs = [part.strip() for part in instructions.split("\n\n")]
    context = {
        "instructions": [part for part in paragraphs if part],
        "verification": api.get_user_verification_status(request.user),
        "pending_attempt": _pending_manual_attempt(request),
        "default_name": request.POST.get("name", "") if error else request.user.get_full_name(),
        "error": error,
    }
    return render(request, TEMPLATE, context, status=status)


@transaction.non_atomic_requests  # the start lock's own transaction, even under ATOMIC_REQUESTS
@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """GET explains manual verification; POST asks for a review (a pending attempt), once."""
    if request.method == "GET":
        return _render(request)
    if api.is_user_verified(request.user):
        # Nothing to ask for: the page shows the verification.
        return _back_to_start(request)
    name = request.POST.get("name", "").strip() or request.user.get_full_name()
    try:
        # One request per learner, however many POSTs race: an open one is found, not doubled.
        request.idv_provider.open_attempt(request.user, name, VerificationAttemptStatus.PENDING)
    except VerificationAttemptInvalidName as error:
        return _render(request, error=str(error), status=400)
    return _back_to_start(request)


def _back_to_start(request: HttpRequest) -> HttpResponse:
    # The form posts to the start URL with the LMS's query (course_id, next): keep it for the way back.
    return redirect(with_return_query(request.idv_provider.reverse("start"), request))
