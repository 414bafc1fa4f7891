"""The test provider's Django app."""

from django.apps import AppConfig


class TestProviderConfig(AppConfig):
    """Django app of the test provider (views and templates only)."""

    name = "idv_testprovider"
    default_auto_field = "django.db.models.BigAutoField"
