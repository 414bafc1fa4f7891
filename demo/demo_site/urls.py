"""
URLs of the demo host: the home page, login and logout, the admin, and every plugin app's URLs.

``get_plugin_url_patterns`` mounts the plugin apps as the LMS does: idv_core at the root (namespace ``idv``:
/idv/verify, /idv/status, /api/idv/v1/...), edx-name-affirmation under /api/.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path
from edx_django_utils.plugins import get_plugin_url_patterns

from demo_site import views
from demo_site.apps import PROJECT_TYPE

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    *get_plugin_url_patterns(PROJECT_TYPE),
]
