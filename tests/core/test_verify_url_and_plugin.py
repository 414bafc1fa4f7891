"""get_verify_url and the IDVPageURLRequested filter; idv_core as an Open edX plugin app."""

import types

import pytest
from django.urls import resolve
from edx_django_utils.plugins import get_plugin_apps
from edx_django_utils.plugins.plugin_settings import add_plugins
from openedx_filters.exceptions import OpenEdxFilterException
from openedx_filters.filters import PipelineStep

from idv_core import api
from idv_core.apps import IdvCoreConfig
from idv_core.settings.common import DEFAULT_PROVIDER_URL_STEP, IDV_PAGE_URL_FILTER_TYPE, plugin_settings

pytestmark = pytest.mark.django_db


class ReplaceURL(PipelineStep):
    """An operator's own step, configured after idv_core's."""

    def run_filter(self, url):
        return {"url": "https://id.example.org/start"}


class RaiseFilterError(PipelineStep):
    def run_filter(self, url):
        raise OpenEdxFilterException("the operator's step refuses")


class DropURL(PipelineStep):
    def run_filter(self, url):
        return {"url": None}


def test_get_verify_url_is_the_default_provider_s_start_url():
    assert api.get_verify_url() == "/idv/testprovider/start"


def test_without_an_enabled_provider_the_default_url_stays(settings):
    settings.IDV_ENABLED_PROVIDERS = []
    settings.IDV_VERIFY_URL = "/custom/verify"
    assert api.get_verify_url() == "/custom/verify"


def _pipeline(settings, *steps):
    settings.OPEN_EDX_FILTERS_CONFIG = {
        IDV_PAGE_URL_FILTER_TYPE: {"pipeline": [DEFAULT_PROVIDER_URL_STEP, *steps], "fail_silently": False}
    }


def test_an_operator_step_after_ours_replaces_the_url(settings, user):
    _pipeline(settings, f"{__name__}.ReplaceURL")
    assert api.get_verify_url(user) == "https://id.example.org/start"


def test_a_step_that_raises_a_filter_exception_leaves_the_default(settings):
    _pipeline(settings, f"{__name__}.RaiseFilterError")
    assert api.get_verify_url() == "/idv/verify"


def test_a_step_that_drops_the_url_leaves_the_default(settings):
    _pipeline(settings, f"{__name__}.DropURL")
    assert api.get_verify_url() == "/idv/verify"


# --- plugin settings ---------------------------------------------------------------------------------


def _host(**values):
    return types.SimpleNamespace(**values)


def test_plugin_settings_fill_in_defaults_and_install_the_step():
    host = _host()
    plugin_settings(host)
    assert (host.IDV_DAYS_GOOD_FOR, host.IDV_ENABLED_PROVIDERS, host.IDV_DEFAULT_PROVIDER) == (
        365,
        None,
        None,
    )
    assert host.IDV_VERIFY_URL == "/idv/verify"
    assert host.OPEN_EDX_FILTERS_CONFIG == {
        IDV_PAGE_URL_FILTER_TYPE: {"pipeline": [DEFAULT_PROVIDER_URL_STEP], "fail_silently": True}
    }


def test_the_host_s_own_values_win():
    host = _host(IDV_DAYS_GOOD_FOR=30, IDV_ENABLED_PROVIDERS=["manual"], IDV_DEFAULT_PROVIDER="manual")
    plugin_settings(host)
    assert (host.IDV_DAYS_GOOD_FOR, host.IDV_ENABLED_PROVIDERS, host.IDV_DEFAULT_PROVIDER) == (
        30,
        ["manual"],
        "manual",
    )


@pytest.mark.parametrize(
    "existing",
    [
        {"pipeline": ["site.steps.Mine"], "fail_silently": False, "log_level": "debug"},
        ["site.steps.Mine"],
        "site.steps.Mine",
    ],
)
def test_the_step_joins_an_operator_s_pipeline_in_front_keeping_their_config(existing):
    other_filter = {"org.openedx.learning.other.v1": {"pipeline": ["x.Y"]}}
    host = _host(OPEN_EDX_FILTERS_CONFIG={IDV_PAGE_URL_FILTER_TYPE: existing, **other_filter})
    plugin_settings(host)
    config = host.OPEN_EDX_FILTERS_CONFIG[IDV_PAGE_URL_FILTER_TYPE]
    assert config["pipeline"] == [DEFAULT_PROVIDER_URL_STEP, "site.steps.Mine"]
    assert host.OPEN_EDX_FILTERS_CONFIG["org.openedx.learning.other.v1"] == {"pipeline": ["x.Y"]}
    if isinstance(existing, dict):
        assert (config["fail_silently"], config["log_level"]) == (False, "debug")


def test_plugin_settings_are_idempotent():
    host = _host()
    plugin_settings(host)
    plugin_settings(host)
    assert host.OPEN_EDX_FILTERS_CONFIG[IDV_PAGE_URL_FILTER_TYPE]["pipeline"] == [DEFAULT_PROVIDER_URL_STEP]


# --- the plugin app ----------------------------------------------------------------------------------


def test_idv_core_is_found_as_an_lms_plugin_app():
    assert "idv_core.apps.IdvCoreConfig" in get_plugin_apps("lms.djangoapp")


def test_plugin_config_mounts_the_urls_at_the_root_with_namespace_idv():
    url_config = IdvCoreConfig.plugin_app["url_config"]["lms.djangoapp"]
    assert (url_config["namespace"], url_config["regex"], url_config["relative_path"]) == ("idv", "^", "urls")
    for path, name in [
        ("/idv/verify", "verify"),
        ("/idv/status/", "status"),
        ("/api/idv/v1/status", "api-v1-status"),
        ("/api/idv/v1/users/ada.l@x/attempts", "api-v1-user-attempts"),
    ]:
        match = resolve(path)
        assert (match.namespace, match.url_name) == ("idv", name)


def test_add_plugins_applies_the_plugin_settings_to_a_host_module(monkeypatch):
    host = types.ModuleType("fake_lms_settings")
    host.IDV_DAYS_GOOD_FOR = 7
    monkeypatch.setitem(__import__("sys").modules, "fake_lms_settings", host)
    add_plugins("fake_lms_settings", "lms.djangoapp", "common")
    assert host.IDV_DAYS_GOOD_FOR == 7
    assert host.IDV_VERIFY_URL == "/idv/verify"
    assert DEFAULT_PROVIDER_URL_STEP in host.OPEN_EDX_FILTERS_CONFIG[IDV_PAGE_URL_FILTER_TYPE]["pipeline"]


def test_every_bundled_app_is_a_plugin_app_the_lms_installs():
    # The LMS builds INSTALLED_APPS from get_plugin_apps, which skips an AppConfig without plugin_app: a
    # provider's app whose URLs and settings moved onto the SDK must still declare one (even empty).
    assert {
        "idv_core.apps.IdvCoreConfig",
        "idv_manual.apps.IdvManualConfig",
        "idv_sso.apps.IdvSsoConfig",
        "idv_persona.apps.IdvPersonaConfig",
    } <= set(get_plugin_apps("lms.djangoapp"))
