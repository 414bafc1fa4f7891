"""URLs of the test host: idv_core (as the plugin mounts it, with the providers' URLs), the admin."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include(("idv_core.urls", "idv_core"), namespace="idv")),
    # The providers' plugin apps mount themselves at the LMS root, each in its own namespace.
    path("", include("idv_persona.urls", namespace="idv_persona")),
    # The local Persona simulator (development and tests only).
    path("persona-simulator/", include("idv_persona.simulator.urls")),
]
