"""
:class:`ProviderContractTests`: the rules every identity-verification provider keeps, as tests.

Subclass it in a provider's test module, set :attr:`~ProviderContractTests.provider_id`, and override
:meth:`~ProviderContractTests.start_verification` when the provider's start is not a plain POST of
:attr:`~ProviderContractTests.start_form_data` to its start URL::

    from idv_core.testing import ProviderContractTests

    class TestContract(ProviderContractTests):
        provider_id = "emailcode"
        start_form_data = {"email": "ada@example.org"}
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.apps import apps
from django.db import models

from idv_core.providers import IDVProvider, get_installed_providers

# idv_core.api (and so the models) is imported in the tests themselves: this module is imported with the
# package, which Django imports for idv_core.testing.settings before the apps are ready.


class ProviderContractTests:
    """The contract tests; pytest collects them in every subclass named ``Test...``."""

    #: The provider's id: its entry point's name.
    provider_id: ClassVar[str] = ""
    #: What :meth:`start_verification` posts to the start URL by default.
    start_form_data: ClassVar[dict[str, Any]] = {}

    # --- hooks -------------------------------------------------------------------------------------------

    @pytest.fixture
    def provider(self, idv_enable_provider: Any) -> IDVProvider:
        """The provider under test, enabled alone and default."""
        assert self.provider_id, f"{type(self).__name__} must set provider_id."
        return idv_enable_provider(self.provider_id)

    def start_verification(self, client: Any, learner: Any, provider: IDVProvider) -> None:
        """Make the signed-in ``learner`` start a verification with the provider (writes an attempt)."""
        client.post(provider.get_start_url(), self.start_form_data)

    # --- the contract ------------------------------------------------------------------------------------

    def test_the_provider_is_installed_and_loads(self, provider: IDVProvider) -> None:
        assert isinstance(provider, IDVProvider)
        assert get_installed_providers()[self.provider_id] is provider
        assert provider.id == self.provider_id

    def test_its_start_page_needs_a_login(self, client: Any, provider: IDVProvider) -> None:
        response = client.get(provider.get_start_url())
        assert response.status_code in (302, 401, 403)
        if response.status_code == 302:
            assert "login" in response.url

    def test_its_start_page_answers_a_signed_in_learner(
        self, client: Any, idv_learner: Any, provider: IDVProvider
    ) -> None:
        client.force_login(idv_learner)
        assert client.get(provider.get_start_url()).status_code in (200, 302)

    def test_its_urls_close_while_it_is_disabled(
        self, client: Any, idv_learner: Any, provider: IDVProvider, settings: Any
    ) -> None:
        start_url = provider.get_start_url()
        client.force_login(idv_learner)
        settings.IDV_ENABLED_PROVIDERS = []
        assert client.get(start_url).status_code == 404

    def test_its_attempts_carry_its_id(self, client: Any, idv_learner: Any, provider: IDVProvider) -> None:
        client.force_login(idv_learner)
        from idv_core import api

        self.start_verification(client, idv_learner, provider)
        attempts = api.get_verification_attempts(idv_learner)
        assert attempts, "start_verification wrote no attempt: override it for this provider's flow."
        assert {attempt.provider for attempt in attempts} == {self.provider_id}

    def test_retirement_leaves_no_name_in_its_tables(
        self, client: Any, idv_learner: Any, provider: IDVProvider
    ) -> None:
        from idv_core import api

        client.force_login(idv_learner)
        self.start_verification(client, idv_learner, provider)
        names = {attempt.name for attempt in api.get_verification_attempts(idv_learner)} - {""}

        api.retire_user_verification_names(idv_learner)

        assert {attempt.name for attempt in api.get_verification_attempts(idv_learner)} == {""}
        for model in self._provider_models(provider):
            for row in model._default_manager.all():
                for field in self._text_fields(model):
                    value = str(getattr(row, field.attname) or "")
                    for name in names:
                        assert name not in value, (
                            f"{model._meta.label}.{field.name} still holds a verified name"
                        )

    @staticmethod
    def _provider_models(provider: IDVProvider) -> list[type[models.Model]]:
        if not provider.django_app or not apps.is_installed(provider.django_app):
            return []
        label = next(config.label for config in apps.get_app_configs() if config.name == provider.django_app)
        return list(apps.get_app_config(label).get_models())

    @staticmethod
    def _text_fields(model: type[models.Model]) -> list[models.Field]:
        return [
            field
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField | models.JSONField)
        ]
