"""
Stands in for the platform's ``lms/djangoapps/verify_student/urls.py``, for tests only.

The LMS mounts these under ``verify_student/`` (tests/urls_lms.py does the same).
"""

from django.urls import path

from lms.djangoapps.verify_student import views

urlpatterns = [
    path("status/", views.VerificationStatusAPIView.as_view(), name="verification_status_api"),
    path("reverify", views.ReverifyView.as_view(), name="verify_student_reverify"),
]
