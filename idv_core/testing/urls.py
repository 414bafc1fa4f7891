"""The test kit host's URLs: idv_core's (learner pages, REST, every provider's urlpatterns), a login page."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="idv_core/base.html"), name="login"),
    path("", include(("idv_core.urls", "idv_core"), namespace="idv")),
]
