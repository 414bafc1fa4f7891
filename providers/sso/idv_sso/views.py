"""
The sso provider's learner page. SSO has no flow of its own: the page lists the trusted sign-in options,
each a button that starts python-social-auth's sign-in (``social:begin``) and comes back here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from idv_core import api
from idv_sso.trusted_backends import TrustedBackendsConfigError, load_trusted_backends


@dataclass(frozen=True, slots=True)
class SignInOption:
    """One trusted sign-in as the learner sees it: a label and where its button posts (None: not mounted)."""

    title: str
    begin_url: str | None
    idp: str


def _begin_url(backend: str) -> str | None:
    namespace = getattr(settings, "SOCIAL_AUTH_URL_NAMESPACE", None) or "social"
    try:
        return reverse(f"{namespace}:begin", args=[backend])
    except NoReverseMatch:
        return None


@login_required
@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """List the trusted sign-in options (and the learner's status); each one signs in and returns here."""
    try:
        trusted = load_trusted_backends()
    except TrustedBackendsConfigError:
        trusted = {}  # manage.py check reports it (sso.E00n); the learner sees "no option".
    options = [
        SignInOption(title=entry.title, begin_url=_begin_url(entry.backend), idp=entry.idp)
        for entry in trusted.values()
    ]
    return render(
        request,
        "idv_sso/start.html",
        {
            "options": options,
            "verification": api.get_user_verification_status(request.user),
            # Back here after the sign-in, with the LMS's course_id / next for the way back.
            "next_url": request.get_full_path(),
        },
    )
