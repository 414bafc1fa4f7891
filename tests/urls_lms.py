"""LMS-mode URLs: the test host's (tests/urls.py), plus the stand-in's, where the LMS has them."""

from django.urls import include, path

from tests.urls import urlpatterns as _test_host_urlpatterns

urlpatterns = [
    *_test_host_urlpatterns,
    path("verify_student/", include("lms.djangoapps.verify_student.urls")),
    path("api/user/", include("openedx.core.djangoapps.user_api.urls")),
]
