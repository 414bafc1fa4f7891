"""The provider registry: discovery across real distributions, isolation of failures, settings."""

import logging
import subprocess
import sys
import textwrap

import pytest
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from stevedore import ExtensionManager

from idv_core import providers
from idv_core.providers import (
    IDVProvider,
    clear_provider_cache,
    enabled_provider_required,
    get_default_provider,
    get_enabled_provider,
    get_enabled_providers,
    get_installed_providers,
    get_provider_infos,
    get_provider_load_errors,
    is_provider_enabled,
)

pytestmark = pytest.mark.usefixtures("fresh_provider_registry")


def test_the_pip_installed_test_provider_is_discovered_with_its_distribution():
    [info] = [info for info in get_provider_infos() if info.id == "testprovider"]
    assert (info.distribution, info.version, info.error) == ("openedx-idv-testprovider", "1.2.3", "")
    assert type(info.provider).__module__ == "idv_testprovider.provider"
    assert info.provider.id == "testprovider"
    assert info.provider.name == "Test provider"
    assert info.provider.get_start_url() == "/idv/testprovider/start"


def test_a_provider_that_fails_to_import_is_reported_and_isolated(caplog):
    with caplog.at_level(logging.ERROR, logger="idv_core.providers"):
        errors = {info.id: info for info in get_provider_load_errors()}
    assert errors["broken"].error.startswith("ImportError: idv_brokenproviders.broken needs a module")
    assert errors["broken"].distribution == "openedx-idv-brokenproviders"
    assert errors["broken"].provider is None
    assert "IDV provider 'broken' from openedx-idv-brokenproviders 1.2.3 could not be loaded" in caplog.text
    assert "testprovider" in get_installed_providers()


def test_a_class_that_is_not_a_provider_is_refused():
    errors = {info.id: info.error for info in get_provider_load_errors()}
    assert errors["notaprovider"] == (
        "TypeError: idv_brokenproviders.notaprovider:NotAProvider is not a subclass of "
        "idv_core.providers.IDVProvider"
    )
    assert "notaprovider" not in get_installed_providers()


def test_providers_are_loaded_once_per_process(monkeypatch):
    first = get_installed_providers()["testprovider"]

    def fail(*args, **kwargs):
        raise AssertionError("the providers were loaded a second time")

    monkeypatch.setattr(providers.ExtensionManager, "__init__", fail)
    assert get_installed_providers()["testprovider"] is first
    assert get_default_provider() is first


def _write_provider_module(folder, module, class_name, start_url):
    (folder / f"{module}.py").write_text(
        textwrap.dedent(
            f"""
            from idv_core.providers import IDVProvider

            class {class_name}(IDVProvider):
                name = "{class_name}"

                def get_start_url(self):
                    return "{start_url}"
            """
        )
    )


def _install_fake_distribution(tmp_path, name, entry_points):
    """Write a real .dist-info on a sys.path entry: importlib.metadata discovers it like an installed one."""
    dist_info = tmp_path / f"{name.replace('-', '_')}-9.9.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 9.9\n")
    (dist_info / "entry_points.txt").write_text(textwrap.dedent(entry_points))


def test_an_id_claimed_by_two_distributions_keeps_one_and_reports_the_other(tmp_path, monkeypatch):
    _write_provider_module(tmp_path, "idv_dup_provider", "Dup", "/dup")
    _install_fake_distribution(
        tmp_path, "openedx-idv-dup", "[openedx.idv_provider]\ntestprovider = idv_dup_provider:Dup\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    clear_provider_cache()
    installed = get_installed_providers()
    errors = [info for info in get_provider_load_errors() if info.id == "testprovider"]
    assert len(errors) == 1
    assert "is also registered by" in errors[0].error
    kept = installed["testprovider"]
    reported = errors[0].distribution
    assert {type(kept).__module__.split(".")[0], reported} in (
        {"idv_testprovider", "openedx-idv-dup"},
        {"idv_dup_provider", "openedx-idv-testprovider"},
    )


def test_a_provider_whose_constructor_raises_is_isolated(tmp_path, monkeypatch):
    (tmp_path / "idv_exploding.py").write_text(
        textwrap.dedent(
            """
            from idv_core.providers import IDVProvider

            class Exploding(IDVProvider):
                def __init__(self, provider_id):
                    raise RuntimeError("boom")
            """
        )
    )
    _install_fake_distribution(
        tmp_path, "openedx-idv-exploding", "[openedx.idv_provider]\nexploding = idv_exploding:Exploding\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    clear_provider_cache()
    errors = {info.id: info for info in get_provider_load_errors()}
    assert errors["exploding"].error == "RuntimeError: boom"
    assert (errors["exploding"].distribution, errors["exploding"].version) == ("openedx-idv-exploding", "9.9")
    assert "testprovider" in get_installed_providers()


def test_all_installed_providers_are_enabled_by_default(settings):
    settings.IDV_ENABLED_PROVIDERS = None
    # Every installed, loaded provider (the test environment also installs providers/*), sorted by id.
    enabled = [provider.id for provider in get_enabled_providers()]
    assert enabled == sorted(get_installed_providers())
    assert "testprovider" in enabled


def test_enabled_providers_follow_the_setting_order_and_skip_unknown_ids(tmp_path, monkeypatch, settings):
    _write_provider_module(tmp_path, "idv_second", "Second", "/second")
    _install_fake_distribution(
        tmp_path, "openedx-idv-second", "[openedx.idv_provider]\nsecond = idv_second:Second\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    clear_provider_cache()
    settings.IDV_ENABLED_PROVIDERS = ["second", "missing", "testprovider", "second"]
    assert [provider.id for provider in get_enabled_providers()] == ["second", "testprovider"]
    settings.IDV_ENABLED_PROVIDERS = ["testprovider"]
    assert is_provider_enabled("second") is False
    assert get_enabled_provider("second") is None
    assert get_enabled_provider("testprovider").id == "testprovider"


def test_default_provider_is_the_setting_else_the_first_enabled(settings):
    settings.IDV_ENABLED_PROVIDERS = ["testprovider", "manual"]
    settings.IDV_DEFAULT_PROVIDER = "testprovider"
    assert get_default_provider().id == "testprovider"
    settings.IDV_DEFAULT_PROVIDER = "not-enabled"
    assert get_default_provider().id == "testprovider"
    settings.IDV_DEFAULT_PROVIDER = None
    assert get_default_provider().id == "testprovider"
    settings.IDV_ENABLED_PROVIDERS = []
    assert get_default_provider() is None


def test_enabled_provider_required_closes_a_disabled_provider_s_views(settings):
    @enabled_provider_required("testprovider")
    def view(request):
        return HttpResponse("ok")

    request = RequestFactory().get("/")
    assert view(request).content == b"ok"
    settings.IDV_ENABLED_PROVIDERS = []
    with pytest.raises(Http404, match="'testprovider' is not enabled"):
        view(request)


def test_the_base_class_requires_a_start_url_and_has_no_problems_by_default():
    provider = IDVProvider("plain")
    assert provider.check() == []
    assert repr(provider) == "<IDVProvider id='plain'>"
    with pytest.raises(NotImplementedError, match="IDVProvider must implement get_start_url"):
        provider.get_start_url()


def test_clear_provider_cache_forgets_stevedore_s_entry_point_list():
    get_installed_providers()
    assert "openedx.idv_provider" in ExtensionManager.ENTRY_POINT_CACHE
    clear_provider_cache()
    assert "openedx.idv_provider" not in ExtensionManager.ENTRY_POINT_CACHE


def test_the_core_imports_no_provider_package():
    # A fresh interpreter with only the core installed as an app: importing the core's public modules
    # must not import any provider package (those are Django apps the host installs, or entry points).
    code = textwrap.dedent(
        """
        import sys
        import django
        from django.conf import settings
        settings.configure(
            INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "simple_history",
                            "idv_core"],
            DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        )
        django.setup()
        import idv_core.api, idv_core.providers, idv_core.events, idv_core.checks, idv_core.pipeline
        print(sorted({m.split(".")[0] for m in sys.modules if m.startswith("idv_")}))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "['idv_core']"
