"""The test host's URLs plus python-social-auth's sign-in routes (login/<backend>/, complete/<backend>/)."""

from django.urls import include, path

from tests.urls import urlpatterns as host_urlpatterns

urlpatterns = [*host_urlpatterns, path("", include("social_django.urls", namespace="social"))]
