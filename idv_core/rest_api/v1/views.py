"""
REST endpoints: the requesting learner's status, and (staff only) any user's attempts.

Both accept a JWT (edx-drf-extensions, as the LMS's other APIs) or the browser session. Anonymous
requests get 401; a learner asking for another user's attempts gets 403.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from edx_rest_framework_extensions.auth.jwt.authentication import JwtAuthentication
from edx_rest_framework_extensions.auth.session.authentication import SessionAuthenticationAllowInactiveUser
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from idv_core import api
from idv_core.rest_api.v1.serializers import UserVerificationStatusSerializer, VerificationAttemptSerializer

AUTHENTICATION_CLASSES = (JwtAuthentication, SessionAuthenticationAllowInactiveUser)


class LearnerStatusView(APIView):
    """
    ``GET /api/idv/v1/status``: the requesting user's verification status.

    Answers ``{"status", "is_verified", "expiration_datetime", "attempt_id", "verify_url"}``.
    """

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = (IsAuthenticated,)

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Return the requesting user's verification status and where to verify."""
        data = UserVerificationStatusSerializer(asdict(api.get_user_verification_status(request.user))).data
        data["verify_url"] = api.get_verify_url(request.user)
        return Response(data)


class UserAttemptsView(APIView):
    """``GET /api/idv/v1/users/<username>/attempts``: every attempt of a user, newest first. Staff only."""

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = (IsAuthenticated, IsAdminUser)

    def get(self, request: Request, username: str, *args: Any, **kwargs: Any) -> Response:
        """Return the user's attempts (404 when no user has this username)."""
        user = get_object_or_404(get_user_model(), username=username)
        attempts = api.get_verification_attempts(user)
        return Response(
            {
                "username": username,
                "verification": UserVerificationStatusSerializer(
                    asdict(api.get_user_verification_status(user))
                ).data,
                "attempts": VerificationAttemptSerializer([asdict(a) for a in attempts], many=True).data,
            }
        )
