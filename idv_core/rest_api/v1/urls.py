"""Version 1 of idv_core's REST API, under ``/api/idv/v1/``."""

from django.urls import re_path

from idv_core.rest_api.v1 import views

urlpatterns = [
    re_path(r"^status/?$", views.LearnerStatusView.as_view(), name="api-v1-status"),
    re_path(
        r"^users/(?P<username>[\w.@+-]+)/attempts/?$",
        views.UserAttemptsView.as_view(),
        name="api-v1-user-attempts",
    ),
]
