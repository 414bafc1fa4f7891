"""
URLs of the Persona simulator; a host mounts them under ``persona-simulator/`` (never in production).

``api/v1/inquiries...`` (the REST API), ``verify`` (the hosted flow), ``""`` and ``control`` (staff only).
"""

from django.urls import path

from idv_persona_simulator import api_views, views

app_name = "idv_persona_simulator"

urlpatterns = [
    path("", views.index, name="index"),
    path("control", views.control_action, name="control"),
    path("verify", views.verify, name="verify"),
    path("api/v1/inquiries", api_views.create_inquiry, name="api-inquiries"),
    path("api/v1/inquiries/<str:inquiry_id>", api_views.inquiry_resource, name="api-inquiry"),
    path("api/v1/inquiries/<str:inquiry_id>/resume", api_views.resume_inquiry, name="api-inquiry-resume"),
]
