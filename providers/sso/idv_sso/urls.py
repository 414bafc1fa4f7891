"""URLs of the sso provider, mounted at the LMS root by its plugin app (namespace ``idv_sso``)."""

from django.urls import re_path

from idv_sso import views

app_name = "idv_sso"
urlpatterns = [re_path(r"^idv/sso/?$", views.start, name="start")]
