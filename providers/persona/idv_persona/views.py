"""
The Persona provider's views: the learner's start page, the page Persona sends the learner back to, and
the webhook Persona posts inquiry events to.
"""

from __future__ import annotations

import logging
import unicodedata
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from idv_core import api
from idv_core.data import VerificationAttemptRecord
from idv_core.exceptions import VerificationAttemptInvalidField, VerificationAttemptNotFound
from idv_core.providers import open_while_disabled, with_return_query
from idv_core.statuses import VerificationAttemptStatus
from idv_persona.client import Inquiry, PersonaClient, PersonaError, PersonaRequestRejected
from idv_persona.inquiries import (
    NAME_MAX_LENGTH,
    InquiryUpdate,
    apply_inquiry_status,
    apply_webhook_update,
    clean_name,
    link_inquiry,
    persona_config,
)
from idv_persona.models import PersonaInquiry
from idv_persona.webhook_failures import count_failures
from idv_persona.webhooks import (
    MAX_BODY_BYTES,
    InvalidSignature,
    MalformedEvent,
    parse_event,
    verify_signature,
)

log = logging.getLogger(__name__)

#: Inquiry statuses Persona refuses to resume (409): the learner has nothing left to do there.
NOT_RESUMABLE = frozenset({"completed", "needs_review", "approved", "declined", "failed"})
#: The event Persona sends as soon as an inquiry exists, racing the start view's link to it.
CREATED_EVENT = "inquiry.created"
#: Seconds a learner is told to wait after a Persona outage (Retry-After on the 503 page).
RETRY_AFTER_SECONDS = 60


def learner_name(user: AbstractBaseUser) -> str:
    """
    The name an attempt starts with: the LMS profile's full name, else first and last name, else the
    username. Persona's verified name replaces it when the inquiry is approved.
    """
    profile = getattr(user, "profile", None)
    candidates = [
        getattr(profile, "name", "") if profile is not None else "",
        user.get_full_name() if hasattr(user, "get_full_name") else "",
        user.get_username(),
    ]
    for candidate in candidates:
        # A placeholder until Persona's verified name replaces it: cut to what the core keeps.
        name = clean_name(candidate)[:NAME_MAX_LENGTH].strip() if isinstance(candidate, str) else ""
        if name:
            return name
    return f"user {user.pk}"


def name_fields(user: AbstractBaseUser) -> dict[str, str]:
    """
    The inquiry ``fields`` that prefill the learner's name in Persona's flow (``name-first``, ``name-last``).

    From the user's first and last name, else the profile's full name split at its last space; empty
    when neither is known (Persona then asks). What the ID document says still decides the verified name.
    """
    first = clean_name(getattr(user, "first_name", "") or "")
    last = clean_name(getattr(user, "last_name", "") or "")
    if not (first or last):
        profile = getattr(user, "profile", None)
        full = clean_name(getattr(profile, "name", "") or "") if profile is not None else ""
        first, _, last = full.rpartition(" ") if " " in full else ("", "", full)
    fields = {"name-first": first, "name-last": last}
    return {key: value for key, value in fields.items() if value}


def reference_id(user: AbstractBaseUser) -> str:
    """
    The ``reference-id`` of the learner's inquiries: one per user, so that Persona groups a learner's
    inquiries in one Persona account (Persona's recommendation against repeated attempts).
    """
    return f"openedx-user-{user.pk}"


def hosted_flow_url(inquiry: Inquiry, redirect_uri: str) -> str:
    """Persona's hosted flow for ``inquiry``, with the session token when resuming."""
    params = {"inquiry-id": inquiry.id, "redirect-uri": redirect_uri}
    if inquiry.session_token:
        params["session-token"] = inquiry.session_token
    base = persona_config()["HOSTED_FLOW_URL"]
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}{urlencode(params)}"


def _unavailable(request: HttpRequest, *, rejected: bool) -> HttpResponse:
    context = {"rejected": rejected, "start_url": request.idv_provider.get_start_url()}
    response = render(request, "idv_persona/unavailable.html", context, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


# The start runs in the transaction of its start lock, not in the LMS's request-wide one (ATOMIC_REQUESTS):
# the lock is then held for the start alone, and the reads after it see what the last start committed (the
# request's earlier reads would otherwise fix a REPEATABLE READ snapshot before the lock).
@transaction.non_atomic_requests
@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """
    GET (where the verify link lands): what verifying with Persona means, and a button; it creates
    nothing, so a link on another site cannot start a verification. POST (the button, CSRF-protected):
    resume the learner's unfinished inquiry or start one, and send the learner to Persona's hosted flow.

    A learner has one open attempt and one inquiry however many starts race (a double click, tabs): the
    start runs under the learner's start lock (``IDVProvider.start_lock``), where the attempt is found or
    created and the inquiry created and recorded once. After a Persona outage the attempt is kept and
    reused on the next try. Closed (404) while the provider is disabled.
    """
    provider = request.idv_provider
    if request.method == "GET":
        context = {"provider": provider, "verification": api.get_user_verification_status(request.user)}
        return TemplateResponse(request, "idv_core/provider_start.html", context)
    # The LMS's course_id / next ride along on the return URL, for the way back once verified.
    return_url = provider.reverse("return")
    redirect_uri = request.build_absolute_uri(with_return_query(return_url, request))
    with provider.start_lock(request.user):
        # An outage answers a page, not an exception: the attempt created meanwhile is committed and reused.
        try:
            return _start(request, redirect_uri)
        except PersonaRequestRejected:
            return _unavailable(request, rejected=True)
        except PersonaError:
            return _unavailable(request, rejected=False)


def _start(request: HttpRequest, redirect_uri: str) -> HttpResponse:
    """Under the learner's start lock: resume the open attempt's inquiry, or create and record one."""
    user = request.user
    provider = request.idv_provider
    client = PersonaClient()
    attempt, _created = provider.open_attempt(user, learner_name(user))
    if attempt.external_id:
        response = _resume(client, attempt, redirect_uri)
        if response is not None:
            return response
        # Persona ended it (declined, expired...) and the attempt is denied now: start a new one.
        attempt, _created = provider.open_attempt(user, learner_name(user))
    config = provider.config()
    inquiry = client.create_inquiry(
        reference_id=reference_id(user),
        template_id=config["INQUIRY_TEMPLATE_ID"],
        environment_id=config["ENVIRONMENT_ID"] or "",
        fields=name_fields(user),
    )
    provider.update_attempt(attempt.id, external_id=inquiry.id, reason="Persona inquiry created")
    link_inquiry(inquiry.id, attempt.id, status=inquiry.status)
    log.info("Persona inquiry %s created for attempt %s (user %s).", inquiry.id, attempt.id, user.pk)
    return HttpResponseRedirect(hosted_flow_url(inquiry, redirect_uri))


def _resume(
    client: PersonaClient, attempt: VerificationAttemptRecord, redirect_uri: str
) -> HttpResponse | None:
    """Resume the attempt's inquiry; None when Persona ended it and a new one is needed."""
    inquiry_id = attempt.external_id
    known = PersonaInquiry.objects.filter(inquiry_id=inquiry_id).first()
    if known is not None and known.status in NOT_RESUMABLE:
        return redirect("idv:status")
    try:
        inquiry = client.resume_inquiry(inquiry_id)
    except PersonaRequestRejected as error:
        if error.status_code != 409:
            raise
        # Persona moved on without us hearing (a lost webhook): fetch the inquiry, apply its status.
        asked_at = timezone.now()
        current = client.retrieve_inquiry(inquiry_id)
        apply_inquiry_status(
            attempt.id, InquiryUpdate.fetched(current, asked_at=asked_at, source="resume refused")
        )
        if api.get_verification_attempt(attempt.id).status == VerificationAttemptStatus.DENIED:
            return None
        return redirect("idv:status")
    link_inquiry(inquiry_id, attempt.id)
    log.info("Persona inquiry %s resumed for attempt %s.", inquiry_id, attempt.id)
    return HttpResponseRedirect(hosted_flow_url(inquiry, redirect_uri))


@open_while_disabled
@login_required
@require_http_methods(["GET"])
def persona_return(request: HttpRequest) -> HttpResponse:
    """
    Where Persona's hosted flow sends the learner back (``redirect-uri``): on to their status page.

    Not closed when the provider is disabled: a learner already in Persona's flow still comes back here.
    The decision itself arrives by webhook; the query parameters Persona adds are not trusted, only the
    ``course_id`` / ``next`` the start view put there go on to the status page (its way back).
    """
    return redirect(with_return_query(reverse("idv:status"), request))


def _int_setting(config: dict[str, Any], key: str, default: int) -> int:
    value = config.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


@open_while_disabled
# Its own short transactions, even under the LMS's ATOMIC_REQUESTS: apply_inquiry_status locks the
# inquiry's row in a transaction of its own; one request-wide transaction around it made racing events
# deadlock (MySQL 1213) on the rows each had inserted.
@transaction.non_atomic_requests
@csrf_exempt
@require_POST
@count_failures
def webhook(request: HttpRequest) -> HttpResponse:
    """
    Receive one Persona webhook event (``POST /idv/persona/webhook``).

    200 processed, duplicate, stale or ignored (also ``inquiry.created`` of an inquiry not linked yet);
    400 malformed; 401 bad signature; 404 unknown inquiry
    (Persona retries later); 405 not a POST; 413 body over 1 MiB. Accepted while the provider is disabled,
    so that verifications already under way are still recorded.
    """
    try:
        declared_length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        # Django itself cannot read a body whose Content-Length is not a number.
        return JsonResponse({"error": "malformed Content-Length"}, status=400)
    if declared_length > MAX_BODY_BYTES:
        return JsonResponse({"error": "body too large"}, status=413)
    try:
        body = request.body
    except RequestDataTooBig:
        return JsonResponse({"error": "body too large"}, status=413)
    if len(body) > MAX_BODY_BYTES:
        return JsonResponse({"error": "body too large"}, status=413)

    provider = request.idv_provider
    config = provider.config()
    secrets = config.get("WEBHOOK_SECRETS")
    try:
        verify_signature(
            request.headers.get("Persona-Signature"),
            body,
            list(secrets) if isinstance(secrets, list | tuple) else [],
            tolerance=_int_setting(config, "SIGNATURE_TOLERANCE_SECONDS", 300),
        )
    except InvalidSignature as error:
        log.warning("Refused a Persona webhook: %s.", error)
        return JsonResponse({"error": "invalid signature"}, status=401)

    try:
        event = parse_event(body)
    except MalformedEvent as error:
        log.warning("Refused a signed Persona webhook: %s.", error)
        return JsonResponse({"error": "malformed event"}, status=400)
    if event.update is None:
        log.info("Ignored Persona event %s (%s).", event.event_id, _printable(event.name))
        return JsonResponse({"status": "ignored"})
    try:
        outcome = apply_webhook_update(provider.id, event.update)
    except VerificationAttemptInvalidField:
        return JsonResponse({"error": "malformed inquiry id"}, status=400)
    except VerificationAttemptNotFound:
        if event.name == CREATED_EVENT:
            # Persona sends inquiry.created while the start view that asked for the inquiry has not yet
            # stored its id: the start view links it with status "created" itself, so the event has
            # nothing to add. Every later event of the inquiry still needs the link (404: Persona retries).
            log.info(
                "Ignored Persona event %s: inquiry %s not linked yet.",
                event.event_id,
                event.update.inquiry_id,
            )
            return JsonResponse({"status": "ignored"})
        log.warning("Persona event %s names unknown inquiry %s.", event.event_id, event.update.inquiry_id)
        return JsonResponse({"error": "unknown inquiry"}, status=404)
    return JsonResponse({"status": outcome.value})


def _printable(text: str) -> str:
    return "".join(ch for ch in text[:64] if unicodedata.category(ch)[0] not in {"C"})
