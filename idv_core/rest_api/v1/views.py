"""
REST endpoints: the requesting learner's status, and (staff only) any user's attempts, a page at a time.

Both accept a JWT (edx-drf-extensions, as the LMS's other APIs) or the browser session. Anonymous
requests get 401; a user who is not staff asking for any user's attempts gets 403. The verified names in
the attempts are PII: only staff with the ``idv_core.view_verified_name`` permission read them; other staff
get ``"name": null``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from edx_rest_framework_extensions.auth.jwt.authentication import JwtAuthentication
from edx_rest_framework_extensions.auth.session.authentication import SessionAuthenticationAllowInactiveUser
from edx_rest_framework_extensions.paginators import DefaultPagination
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from idv_core import api
from idv_core.attempt_pages import UserAttempts
from idv_core.models import VIEW_VERIFIED_NAME_PERMISSION
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
    """
    ``GET /api/idv/v1/users/<username>/attempts``: a user's attempts, newest first, a page at a time
    (edx-drf-extensions' ``DefaultPagination``: ``?page=N&page_size=M``, 10 per page by default, at most
    100). Staff only; the names only for staff with ``idv_core.view_verified_name``.
    """

    authentication_classes = AUTHENTICATION_CLASSES
    permission_classes = (IsAuthenticated, IsAdminUser)
    pagination_class = DefaultPagination

    def get(self, request: Request, username: str, *args: Any, **kwargs: Any) -> Response:
        """Return one page of the user's attempts (404 when no user has this username, or no such page)."""
        user = get_object_or_404(get_user_model(), username=username)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(UserAttempts(user.pk), request, view=self)
        attempts = [asdict(attempt) for attempt in page]
        if not request.user.has_perm(VIEW_VERIFIED_NAME_PERMISSION):
            for attempt in attempts:
                attempt["name"] = None
        envelope = paginator.get_paginated_response(None).data
        del envelope["results"]
        return Response(
            {
                "username": username,
                "verification": UserVerificationStatusSerializer(
                    asdict(api.get_user_verification_status(user))
                ).data,
                "attempts": VerificationAttemptSerializer(attempts, many=True).data,
                **envelope,
            }
        )
