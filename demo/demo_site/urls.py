"""
URLs of the demo host: the home page, login and logout, the admin, and every plugin app's URLs.

``get_plugin_url_patterns`` mounts the plugin apps as the LMS does: idv_core at the root (namespace ``idv``:
/idv/verify, /idv/status, /api/idv/v1/...), edx-name-affirmation under /api/. The Persona simulator, not
a plugin app, is mounted by hand under /persona-simulator/; so are the demo's own OpenID Connect identity
provider (/demo-idp/) and python-social-auth's sign-in routes (/login/<backend>/, /complete/<backend>/).
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from edx_django_utils.plugins import get_plugin_url_patterns

from demo_site import views
from demo_site.apps import PROJECT_TYPE

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    # The local Persona simulator that plays Persona in the demo (never mount it in production).
    path("persona-simulator/", include("idv_persona_simulator.urls")),
    # "Demo University", the identity provider that plays the institution's sign-in (development only).
    path("demo-idp/", include("demo_idp.urls")),
    # python-social-auth's sign-in: /login/<backend>/ and /complete/<backend>/ (the LMS mounts them too).
    path("", include("social_django.urls", namespace="social")),
    *get_plugin_url_patterns(PROJECT_TYPE),
]
