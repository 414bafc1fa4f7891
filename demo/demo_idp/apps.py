"""The demo_idp app (development only)."""

from django.apps import AppConfig


class DemoIdpConfig(AppConfig):
    """The demo's local OpenID Connect identity provider; no models."""

    name = "demo_idp"
    verbose_name = "Demo identity provider (development only)"
