"""
Stands in for the platform's ``lms/djangoapps/verify_student/views.py`` (the two views the MFEs and links
use), for tests only.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.decorators import method_decorator
from django.views import View
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from lms.djangoapps.verify_student.services import IDVerificationService
from lms.djangoapps.verify_student.utils import can_verify_now


class VerificationStatusAPIView(APIView):
    """
    ``GET /verify_student/status/``: ``{"status", "can_verify"[, "expires"]}`` for the signed-in learner.

    ``status`` is ``user_status``'s; ``can_verify`` is whether the learner may (re)verify now (no usable
    verification, or one expiring within ``EXPIRING_SOON_WINDOW`` days); ``expires`` (an ISO datetime) is the
    expiration of the most recently updated approval, and is left out when there is none. Anonymous
    requests are redirected to the login page (``login_required``).
    """

    @method_decorator(login_required)
    def get(self, request: Request) -> Response:
        verification_status = IDVerificationService.user_status(request.user)
        expiration_datetime = IDVerificationService.get_expiration_datetime(request.user, ["approved"])
        data = {
            "status": verification_status["status"],
            "can_verify": can_verify_now(verification_status, expiration_datetime),
        }
        if expiration_datetime:
            data["expires"] = expiration_datetime
        return Response(data)


class ReverifyView(View):
    """``GET /verify_student/reverify``: a redirect to ``IDVerificationService.get_verify_location()``."""

    @method_decorator(login_required)
    def get(self, request: HttpRequest) -> HttpResponseRedirect:
        return redirect(IDVerificationService.get_verify_location())
