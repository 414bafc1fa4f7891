"""
Stands in for the platform's ``openedx/core/djangoapps/user_api/verification_api/views.py``, for tests only.

* ``GET /api/user/v1/accounts/<username>/verification_status/``: ``{"is_verified", "status",
  "expiration_datetime"}`` from ``IDVerificationService.user_status``; 404 when the status is ``none`` (or no
  such user). ``is_verified`` is ``status == "approved"`` (not ``user_is_verified``), and
  ``expiration_datetime`` is ``user_status``'s ``verification_expiry`` ("" unless it expires soon).
* ``GET /api/user/v1/accounts/<username>/verifications/``: every verification of the user (all four tables),
  newest ``updated_at`` first; 404 when there is none.

Staff, or the user named in the URL. Authentication: JWT or session (the platform's OAuth2 bearer tokens are
not stood in for); an anonymous request gets 401.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.http import Http404
from edx_rest_framework_extensions.auth.jwt.authentication import JwtAuthentication
from lms.djangoapps.verify_student.models import ManualVerification, SoftwareSecurePhotoVerification
from lms.djangoapps.verify_student.services import IDVerificationService
from rest_framework import permissions, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class IsStaffOrOwner(permissions.BasePermission):
    """Stands in for ``openedx.core.lib.api.permissions.IsStaffOrOwner``: staff, or the user in the URL."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user.is_staff or user.username == getattr(view, "kwargs", {}).get("username"))


def _user_or_404(username: str) -> Any:
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise Http404 from None


class IDVerificationStatusView(APIView):
    """The learner's verification status, as the account and learning MFEs read it."""

    authentication_classes = (JwtAuthentication, SessionAuthentication)
    permission_classes = (IsStaffOrOwner,)

    def get(self, request: Request, username: str) -> Response:
        user_status = IDVerificationService.user_status(_user_or_404(username))
        if user_status["status"] == "none":
            raise Http404
        return Response(
            {
                "is_verified": user_status["status"] == "approved",
                "status": user_status["status"],
                "expiration_datetime": user_status.get("verification_expiry", ""),
            }
        )


class IDVerificationDetailsSerializer(serializers.Serializer):
    """One verification of any table, as the platform lists them (a generic attempt's type reads "SSO")."""

    type = serializers.SerializerMethodField()
    status = serializers.CharField()
    expiration_datetime = serializers.DateTimeField()
    message = serializers.SerializerMethodField()
    updated_at = serializers.DateTimeField()
    receipt_id = serializers.SerializerMethodField()

    def get_type(self, obj: Any) -> str:
        if isinstance(obj, SoftwareSecurePhotoVerification):
            return "Software Secure"
        if isinstance(obj, ManualVerification):
            return "Manual"
        return "SSO"

    def get_message(self, obj: Any) -> str:
        if isinstance(obj, SoftwareSecurePhotoVerification):
            return obj.error_msg
        if isinstance(obj, ManualVerification):
            return obj.reason
        return ""

    def get_receipt_id(self, obj: Any) -> str | None:
        return getattr(obj, "receipt_id", None)


class IDVerificationStatusDetailsView(ListAPIView):
    """Every verification of the learner, newest ``updated_at`` first."""

    authentication_classes = (JwtAuthentication, SessionAuthentication)
    permission_classes = (IsStaffOrOwner,)
    pagination_class = None
    serializer_class = IDVerificationDetailsSerializer

    def get_queryset(self) -> list[Any]:
        verifications = IDVerificationService.verifications_for_user(_user_or_404(self.kwargs["username"]))
        if not verifications:
            raise Http404
        return sorted(verifications, key=lambda verification: verification.updated_at, reverse=True)
