"""URLs of the test provider."""

from django.urls import path

from idv_testprovider import views

app_name = "idv_testprovider"

urlpatterns = [path("idv/testprovider/start", views.start, name="start")]
