"""URLs of the test host: idv_core (as the plugin mounts it, with the providers' URLs), the admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include(("idv_core.urls", "idv_core"), namespace="idv")),
    # The local Persona simulator (development and tests only).
    path("persona-simulator/", include("idv_persona_simulator.urls")),
]
