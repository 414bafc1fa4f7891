"""URLs of the benchmark host of ``python -m bench.persona_webhook``: the core's, which mount Persona's."""

from django.urls import include, path

urlpatterns = [
    path("", include(("idv_core.urls", "idv_core"), namespace="idv")),
]
