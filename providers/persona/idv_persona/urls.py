"""
URLs of the Persona provider, mounted at the LMS root by its plugin app (namespace ``idv_persona``).

A trailing slash is optional, so that the webhook URL registered in Persona's dashboard works either way
(a POST cannot follow APPEND_SLASH's redirect).
"""

from django.urls import re_path

from idv_persona import views

app_name = "idv_persona"

urlpatterns = [
    re_path(r"^idv/persona/start/?$", views.start, name="start"),
    re_path(r"^idv/persona/return/?$", views.persona_return, name="return"),
    re_path(r"^idv/persona/webhook/?$", views.webhook, name="webhook"),
]
