"""
The simulator's hosted flow (``verify``), standing in for ``https://inquiry.withpersona.com/verify``.

``GET verify?inquiry-id=inq_...&redirect-uri=<url>[&session-token=...]`` opens the flow: a created
inquiry becomes pending (inquiry.started) and the browser gets a session (a cookie, as Persona keeps one
in session storage); a pending inquiry needs that session or a ``session-token`` from resume. The page
offers approve (with the verified name, editable), decline, needs review, fail and abandon; the POST
applies the choice and redirects to ``redirect-uri`` with ``inquiry-id``, ``status`` and ``reference-id``.
An inquiry whose reference-id names a user of this site (``LEARNER_REFERENCE_ID``) is that learner's only:
anyone else signed in gets 403, nobody signed in is sent to log in first.
Also a staff-only overview of the simulator (``index``) with the control actions.
"""

from __future__ import annotations

import hmac
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.contrib.auth.decorators import user_passes_test
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from idv_persona_simulator import control, flow
from idv_persona_simulator.conf import LOCAL_HOSTS, USER_ID_PLACEHOLDER, simulator_setting
from idv_persona_simulator.delivery import WebhookURLRefused, dispatcher
from idv_persona_simulator.models import InquiryStatus, SimulatedEvent, SimulatedInquiry

TEMPLATES = "idv_persona_simulator"
# Shown in the name fields when the host prefilled none: the name "read from the ID document".
DEFAULT_NAME = ("Jane", "Doe")
SESSION_COOKIE_MAX_AGE = 24 * 3600
# The buttons' values, as a plain dict: templates would call the enum class instead of reading it.
CHOICES = {
    choice.name: choice.value for choice in flow.Choice
}  # Persona expires pending inquiries after 24 hours by default


def _cookie_name(inquiry_id: str) -> str:
    return f"persona_sim_session_{inquiry_id}"


def _redirect_allowed(request: HttpRequest, uri: str) -> bool:
    # Only back to the site that sent the person, or to a local address: never an open redirect.
    parts = urlsplit(uri)
    return parts.scheme in {"http", "https"} and (
        parts.netloc == request.get_host() or parts.hostname in LOCAL_HOSTS
    )


def _with_params(uri: str, params: dict[str, str]) -> str:
    parts = urlsplit(uri)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key not in params]
    return urlunsplit(parts._replace(query=urlencode([*query, *params.items()])))


def _page(request: HttpRequest, template: str, status: int = 200, **context: Any) -> HttpResponse:
    return render(request, f"{TEMPLATES}/{template}", context, status=status)


def _valid_session(inquiry: SimulatedInquiry, token: str) -> bool:
    return bool(token) and any(hmac.compare_digest(token, known) for known in inquiry.session_tokens)


def _reference_user_id(reference_id: str) -> str | None:
    """The id of this site's user that ``reference_id`` names (``LEARNER_REFERENCE_ID``), else None."""
    pattern = simulator_setting("LEARNER_REFERENCE_ID")
    if not isinstance(pattern, str) or pattern.count(USER_ID_PLACEHOLDER) != 1 or not reference_id:
        return None  # no account check (None), or a malformed setting (manage.py check: E002)
    prefix, suffix = pattern.split(USER_ID_PLACEHOLDER)
    match = re.fullmatch(f"{re.escape(prefix)}(.+){re.escape(suffix)}", reference_id)
    return match.group(1) if match else None


def _refused_to_others(request: HttpRequest, inquiry: SimulatedInquiry) -> HttpResponse | None:
    """None when this person may use the inquiry's flow; else the answer (log in first, or 403)."""
    owner = _reference_user_id(inquiry.reference_id)
    if owner is None:
        return None
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        if request.method == "GET":
            return redirect_to_login(request.get_full_path())
        return _page(
            request, "message.html", 403, title=_("Log in first"), message=_("Log in to this site first.")
        )
    if str(user.pk) != owner:
        return _page(
            request,
            "message.html",
            403,
            title=_("Not your verification"),
            message=_(
                "This verification belongs to another account. Start again from the site that sent you."
            ),
        )
    return None


def _open_inquiry(request: HttpRequest, inquiry_id: str) -> tuple[SimulatedInquiry, str] | HttpResponse:
    """
    In the caller's transaction: the inquiry, locked, and the session token this browser shows (the
    ``session-token`` parameter, else its cookie); or the answer refusing it (unknown, another learner's).
    """
    inquiry = SimulatedInquiry.objects.select_for_update().filter(pk=inquiry_id).first()
    if inquiry is None:
        return _not_found(request)
    refused = _refused_to_others(request, inquiry)
    if refused is not None:
        return refused
    params = request.POST if request.method == "POST" else request.GET
    return inquiry, params.get("session-token") or request.COOKIES.get(_cookie_name(inquiry.id), "")


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The hosted flow: open it (GET) or apply the person's choice (POST)."""
    params = request.POST if request.method == "POST" else request.GET
    inquiry_id = params.get("inquiry-id", "")
    redirect_uri = params.get("redirect-uri", "")
    if not inquiry_id:
        return _page(
            request, "message.html", 400, title=_("No inquiry"), message=_("The link has no inquiry-id.")
        )
    if redirect_uri and not _redirect_allowed(request, redirect_uri):
        return _page(
            request,
            "message.html",
            400,
            title=_("Redirect not allowed"),
            message=_("This redirect-uri is not allowed."),
        )
    if request.method == "POST":
        emitted: list[SimulatedEvent] = []
        with transaction.atomic():
            opened = _open_inquiry(request, inquiry_id)
            if isinstance(opened, HttpResponse):
                return opened
            inquiry, token = opened
            response = _finish(request, inquiry, token, redirect_uri, emitted)
        # Committed, so the events are queued: give the site a moment to hear the result before the person
        # gets back to it (outside the transaction: the receiver never waits for the simulator's lock).
        dispatcher.wait_for_first_attempts(
            {e.id for e in emitted}, simulator_setting("REDIRECT_WAIT_SECONDS")
        )
        return response
    with transaction.atomic():
        opened = _open_inquiry(request, inquiry_id)
        if isinstance(opened, HttpResponse):
            return opened
        inquiry, token = opened
        if inquiry.redacted_at is not None:
            return _closed(request, inquiry, redirect_uri)
        if inquiry.status == InquiryStatus.CREATED:
            # Anyone with the link may open a new inquiry; from then on it needs this session.
            flow.start(inquiry)
            token = flow.issue_session_token(inquiry)
        elif inquiry.status != InquiryStatus.PENDING:
            return _closed(request, inquiry, redirect_uri)
        elif not _valid_session(inquiry, token):
            return _page(
                request,
                "message.html",
                403,
                title=_("Session expired"),
                message=_(
                    "This verification is in progress in another session. "
                    "Start again from the site that sent you."
                ),
            )
    name_first = inquiry.fields.get("name-first") or DEFAULT_NAME[0]
    name_last = inquiry.fields.get("name-last") or DEFAULT_NAME[1]
    response = _page(
        request,
        "verify.html",
        inquiry=inquiry,
        redirect_uri=redirect_uri,
        session_token=token,
        name_first=name_first,
        name_last=name_last,
        choices=CHOICES,
    )
    response.set_cookie(
        _cookie_name(inquiry.id),
        token,
        max_age=SESSION_COOKIE_MAX_AGE,
        path=request.path,
        httponly=True,
        samesite="Lax",
    )
    return response


def _not_found(request: HttpRequest) -> HttpResponse:
    return _page(request, "message.html", 404, title=_("Inquiry not found"), message=_("No such inquiry."))


def _closed(request: HttpRequest, inquiry: SimulatedInquiry, redirect_uri: str) -> HttpResponse:
    if inquiry.redacted_at is not None:
        title, message = "Verification deleted", "This verification's personal data has been deleted."
    elif inquiry.status == InquiryStatus.EXPIRED:
        title, message = (
            _("Verification expired"),
            _("This verification has expired. Start again from the site that sent you."),
        )
    else:
        title, message = _("Verification finished"), _("This verification has already been submitted.")
    return _page(
        request,
        "message.html",
        title=title,
        message=message,
        continue_url=_redirect_target(inquiry, redirect_uri) if redirect_uri else "",
    )


def _redirect_target(inquiry: SimulatedInquiry, redirect_uri: str) -> str:
    params = {"inquiry-id": inquiry.id, "status": inquiry.status}
    if inquiry.reference_id:
        params["reference-id"] = inquiry.reference_id
    return _with_params(redirect_uri, params)


def _finish(
    request: HttpRequest,
    inquiry: SimulatedInquiry,
    token: str,
    redirect_uri: str,
    emitted: list[SimulatedEvent],
) -> HttpResponse:
    if inquiry.status != InquiryStatus.PENDING or inquiry.redacted_at is not None:
        return _closed(request, inquiry, redirect_uri)
    if not _valid_session(inquiry, token):
        return _page(
            request, "message.html", 403, title=_("Session expired"), message=_("This session is not valid.")
        )
    try:
        choice = flow.Choice(request.POST.get("choice", ""))
    except ValueError:
        return _page(
            request, "message.html", 400, title=_("Unknown choice"), message=_("Choose one of the buttons.")
        )
    name_first = request.POST.get("name-first", "").strip()
    name_last = request.POST.get("name-last", "").strip()
    full_name_length = len(f"{name_first} {name_last}")
    error = ""
    if choice in {flow.Choice.APPROVE, flow.Choice.DECLINE, flow.Choice.NEEDS_REVIEW} and not (
        name_first and name_last
    ):
        error = _("The first and last names are required.")
    elif choice != flow.Choice.ABANDON and full_name_length > NAME_MAX_LENGTH:
        error = _(
            "The name is {length} characters long (first and last name together); the site that sent you "
            "keeps at most {limit}, and it is never cut. Shorten it."
        ).format(length=full_name_length, limit=NAME_MAX_LENGTH)
    if error:
        # The form again, as the person filled it, with what to change.
        return _page(
            request,
            "verify.html",
            400,
            inquiry=inquiry,
            redirect_uri=redirect_uri,
            session_token=token,
            name_first=name_first,
            name_last=name_last,
            choices=CHOICES,
            error=error,
        )
    emitted.extend(flow.finish(inquiry, choice, name_first=name_first, name_last=name_last))
    if not redirect_uri:
        return _page(
            request,
            "message.html",
            title=_("Done"),
            message=_("The inquiry is now {status}.").format(status=inquiry.status),
        )
    return HttpResponseRedirect(_redirect_target(inquiry, redirect_uri))


#: The longest verified name an Open edX site keeps (idv_core's name column): longer ones are refused here,
#: where the person typed them, rather than cut or refused silently by the site.
NAME_MAX_LENGTH = 255


def _is_staff(user: Any) -> bool:
    return bool(user.is_active and user.is_staff)


@user_passes_test(_is_staff)
def index(request: HttpRequest) -> HttpResponse:
    """Staff only: the recent inquiries, their events, the delivery log, and the control actions."""
    inquiries = SimulatedInquiry.objects.prefetch_related("events")[:20]
    return _page(
        request,
        "index.html",
        inquiries=inquiries,
        deliveries=list(reversed(control.delivery_log()))[:50],
        webhook_url=simulator_setting("WEBHOOK_URL"),
    )


@user_passes_test(_is_staff)
def control_action(request: HttpRequest) -> HttpResponse:
    """
    Staff only: redeliver an event (once, twice), an inquiry's events newest first; inject API faults.

    The overview's buttons POST here; any other method gets a 405 page that says so and links back.
    """
    if request.method != "POST":
        response = _page(
            request,
            "message.html",
            405,
            title=_("Use the overview's buttons"),
            message=_(
                "The control actions are sent by the buttons of the simulator's overview (POST), "
                "not opened as a page."
            ),
            continue_url=reverse("idv_persona_simulator:index"),
        )
        response["Allow"] = "POST"
        return response
    action = request.POST.get("action", "")
    try:
        if action in {"redeliver", "duplicate"}:
            control.deliver(request.POST.get("event", ""), duplicate=action == "duplicate")
        elif action == "out_of_order":
            control.deliver_out_of_order(control.events(request.POST.get("inquiry", "")))
        elif action == "fail_next":
            control.fail_next_api_requests(status=int(request.POST.get("status", "503")), count=1)
        elif action == "outage_on":
            control.set_api_outage(503)
        elif action == "outage_off":
            control.set_api_outage(None)
        else:
            return _page(
                request, "message.html", 400, title=_("Unknown action"), message=_("No such action.")
            )
    except (WebhookURLRefused, ValueError) as exc:
        return _page(request, "message.html", 400, title=_("Refused"), message=str(exc))
    return redirect(reverse("idv_persona_simulator:index"))
