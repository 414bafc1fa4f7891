"""
idv_core's URLs, mounted at the LMS root by the plugin (namespace ``idv``): learner pages under ``/idv/``,
the REST API under ``/api/idv/``. A host without plugin URLs includes this module with namespace ``idv``.
"""

from django.urls import include, re_path

from idv_core import views
from idv_core.provider_urls import provider_urlpatterns

app_name = "idv_core"

urlpatterns = [
    re_path(r"^idv/verify/?$", views.VerifyView.as_view(), name="verify"),
    re_path(r"^idv/status/?$", views.StatusView.as_view(), name="status"),
    re_path(r"^api/idv/v1/", include("idv_core.rest_api.v1.urls")),
    # The providers' own views (IDVProvider.urlpatterns) under /idv/<provider id>/.
    *provider_urlpatterns(),
]
