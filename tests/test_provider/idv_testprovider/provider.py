"""The test provider's class, registered under openedx.idv_provider as ``testprovider``."""

from django.conf import settings
from django.core.checks import Warning
from django.urls import reverse

from idv_core.providers import IDVProvider


class TestProvider(IDVProvider):
    """Verifies learners who confirm a phrase; reports a check warning when told to by settings."""

    name = "Test provider"
    description = "Confirm a phrase to be verified (tests only)."
    django_app = "idv_testprovider"

    def get_start_url(self) -> str:
        """The provider's own start page."""
        return reverse("idv_testprovider:start")

    def check(self):
        """Warn when the test setting says the provider is misconfigured."""
        if getattr(settings, "IDV_TESTPROVIDER_MISCONFIGURED", False):
            return [Warning("IDV_TESTPROVIDER_MISCONFIGURED is set.", id="testprovider.W001")]
        return []


class NotAProvider:
    """Registered on purpose although it is not an IDVProvider: the registry must refuse it."""
