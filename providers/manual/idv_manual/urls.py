"""URLs of the manual provider, mounted at the LMS root by its plugin app (namespace ``idv_manual``)."""

from django.urls import re_path

from idv_manual import views

app_name = "idv_manual"
urlpatterns = [re_path(r"^idv/manual/start/?$", views.start, name="start")]
