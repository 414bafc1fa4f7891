"""The manual provider as the registry, the learner's page and `manage.py check` see it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

import idv_manual
from idv_core.checks import check_idv_configuration
from idv_core.providers import get_installed_providers

pytestmark = pytest.mark.django_db


def test_idv_providers_lists_manual_with_its_distribution_and_version():
    out = StringIO()
    call_command("idv_providers", stdout=out)
    assert f"manual  [enabled]  openedx-idv-manual {idv_manual.__version__}" in out.getvalue()
    assert "    start URL: /idv/manual/start" in out.getvalue()


def test_manual_is_offered_on_the_learner_s_page_while_enabled(client, user, settings):
    settings.IDV_ENABLED_PROVIDERS = ["testprovider", "manual"]
    client.force_login(user)
    page = client.get("/idv/verify").content.decode()
    assert 'data-provider="manual"' in page
    assert 'href="/idv/manual/start"' in page
    assert client.get("/idv/manual/start").status_code == 200


def test_disabled_manual_disappears_from_the_learner_s_page_and_its_start_url_is_404(client, user, settings):
    settings.IDV_ENABLED_PROVIDERS = ["testprovider"]
    client.force_login(user)
    page = client.get("/idv/verify").content.decode()
    assert 'data-provider="testprovider"' in page
    assert 'data-provider="manual"' not in page
    assert "/idv/manual/start" not in page
    assert client.get("/idv/manual/start").status_code == 404
    assert client.post("/idv/manual/start", {"name": "Ada Lovelace"}).status_code == 404


@pytest.mark.parametrize("value", ["", "   \n ", None, ["a list"]])
def test_malformed_instructions_are_reported_as_manual_e001(settings, value):
    settings.IDV_MANUAL_INSTRUCTIONS = value
    errors = [message for message in check_idv_configuration() if message.id == "manual.E001"]
    assert len(errors) == 1
    assert "IDV_MANUAL_INSTRUCTIONS must be a non-blank string" in errors[0].msg


def test_default_settings_pass_the_check():
    assert get_installed_providers()["manual"].check() == []


def test_the_host_s_setting_wins_over_the_default(settings):
    from idv_manual.provider import ManualProvider

    provider = get_installed_providers()["manual"]
    settings.IDV_MANUAL_INSTRUCTIONS = "Ours."
    assert provider.setting("IDV_MANUAL_INSTRUCTIONS") == "Ours."
    del settings.IDV_MANUAL_INSTRUCTIONS
    default = ManualProvider.settings_defaults["IDV_MANUAL_INSTRUCTIONS"]
    assert provider.setting("IDV_MANUAL_INSTRUCTIONS") == default
