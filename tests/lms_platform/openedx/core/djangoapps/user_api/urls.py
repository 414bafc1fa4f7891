"""
Stands in for the platform's ``openedx/core/djangoapps/user_api/urls.py`` (its verification routes only), for
tests only. The LMS mounts these under ``api/user/`` (tests/urls_lms.py does the same).
"""

from django.urls import re_path

from openedx.core.djangoapps.user_api.verification_api.views import (
    IDVerificationStatusDetailsView,
    IDVerificationStatusView,
)

#: The platform's ``settings.USERNAME_PATTERN``.
USERNAME_PATTERN = r"(?P<username>[\w.@+-]+)"

urlpatterns = [
    re_path(
        rf"^v1/accounts/{USERNAME_PATTERN}/verification_status/$",
        IDVerificationStatusView.as_view(),
        name="verification_status",
    ),
    re_path(
        rf"^v1/accounts/{USERNAME_PATTERN}/verifications/$",
        IDVerificationStatusDetailsView.as_view(),
        name="verification_details",
    ),
]
