"""manage.py check (idv_core's system checks) and manage.py idv_providers."""

import itertools
from io import StringIO

import pytest
from django.core.checks import ERROR
from django.core.management import call_command

from idv_core.checks import check_idv_configuration

pytestmark = pytest.mark.usefixtures("fresh_provider_registry")


def _ids(messages):
    return sorted(message.id for message in messages)


def test_load_errors_are_warnings_and_nothing_else_is_reported():
    # Only what the test distribution's broken entry points cause: another installed provider may add its own.
    messages = [m for m in check_idv_configuration() if "openedx-idv-brokenproviders" in m.msg]
    assert _ids(messages) == ["idv_core.W001", "idv_core.W001"]
    assert "'broken' (openedx-idv-brokenproviders 1.2.3) could not be loaded: ImportError" in messages[0].msg
    assert not [m for m in check_idv_configuration() if m.level >= ERROR]


@pytest.mark.parametrize("days", [0, -1, "365", True, 1.5])
def test_bad_days_good_for_is_an_error(settings, days):
    settings.IDV_DAYS_GOOD_FOR = days
    assert "idv_core.E001" in _ids(check_idv_configuration())


def test_default_provider_that_is_not_enabled_is_an_error(settings):
    settings.IDV_ENABLED_PROVIDERS = ["testprovider"]
    settings.IDV_DEFAULT_PROVIDER = "persona"
    [error] = [m for m in check_idv_configuration() if m.id == "idv_core.E002"]
    assert error.msg == "IDV_DEFAULT_PROVIDER is 'persona', which is not an enabled provider."
    assert error.hint == "Enabled provider ids: testprovider."


@pytest.mark.parametrize("value", ["testprovider", [1, 2], {"testprovider": True}])
def test_malformed_enabled_providers_is_an_error(settings, value):
    settings.IDV_ENABLED_PROVIDERS = value
    assert "idv_core.E003" in _ids(check_idv_configuration())


def test_unknown_enabled_id_and_no_provider_enabled_are_warnings(settings):
    settings.IDV_ENABLED_PROVIDERS = ["not-installed"]
    settings.IDV_DEFAULT_PROVIDER = None
    ids = _ids(check_idv_configuration())
    assert "idv_core.W003" in ids
    assert "idv_core.W002" in ids


def test_a_provider_s_own_check_is_reported(settings):
    settings.IDV_TESTPROVIDER_MISCONFIGURED = True
    assert "testprovider.W001" in _ids(check_idv_configuration())


def test_a_provider_whose_check_raises_is_reported_as_an_error(monkeypatch):
    from idv_testprovider.provider import TestProvider

    def explode(self):
        raise KeyError("API_KEY")

    monkeypatch.setattr(TestProvider, "check", explode)
    [error] = [m for m in check_idv_configuration() if m.id == "idv_core.E004"]
    assert (
        error.msg == "The check of identity-verification provider 'testprovider' raised KeyError: 'API_KEY'"
    )


def test_the_checks_run_with_manage_py_check():
    out, err = StringIO(), StringIO()
    call_command("check", stdout=out, stderr=err)
    assert "idv_core.W001" in out.getvalue() + err.getvalue()


def _run_idv_providers():
    out = StringIO()
    call_command("idv_providers", stdout=out)
    return out.getvalue()


def test_idv_providers_lists_each_provider_with_distribution_version_and_flags(settings):
    settings.IDV_TESTPROVIDER_MISCONFIGURED = True
    output = _run_idv_providers()
    assert "testprovider  [enabled, default]  openedx-idv-testprovider 1.2.3" in output
    assert "    start URL: /idv/testprovider/start" in output
    assert "problem: testprovider.W001: IDV_TESTPROVIDER_MISCONFIGURED is set." in output
    assert "broken  [LOAD ERROR]  openedx-idv-brokenproviders 1.2.3" in output
    assert "    error: ImportError: idv_brokenproviders.broken needs a module" in output
    assert "IDV_DEFAULT_PROVIDER = 'testprovider'" in output


def test_idv_providers_shows_a_disabled_provider(settings):
    settings.IDV_ENABLED_PROVIDERS = []
    assert "testprovider  [disabled]  openedx-idv-testprovider 1.2.3" in _run_idv_providers()


def test_idv_providers_says_when_nothing_is_installed(monkeypatch):
    monkeypatch.setattr("idv_core.management.commands.idv_providers.get_provider_infos", list)
    assert "No identity-verification provider is installed" in _run_idv_providers()


def test_idv_providers_survives_a_provider_that_raises(monkeypatch):
    from idv_testprovider.provider import TestProvider

    def broken_url(self):
        raise RuntimeError("URLs not mounted")

    monkeypatch.setattr(TestProvider, "get_start_url", broken_url)
    output = _run_idv_providers()
    assert "    error: RuntimeError: URLs not mounted" in output
    assert "broken  [LOAD ERROR]" in output
    assert "IDV_DEFAULT_PROVIDER = 'testprovider'" in output


def test_an_enabled_provider_whose_django_app_is_missing_is_an_error(monkeypatch):
    from idv_testprovider.provider import TestProvider

    monkeypatch.setattr(TestProvider, "django_app", "idv_testprovider_app_not_installed")
    [error] = [m for m in check_idv_configuration() if m.id == "idv_core.E005"]
    assert error.msg == (
        "The identity-verification provider 'testprovider' needs the Django app "
        "'idv_testprovider_app_not_installed', which is not in INSTALLED_APPS."
    )
    assert "    Django app: idv_testprovider_app_not_installed (NOT INSTALLED)" in _run_idv_providers()


def test_idv_providers_shows_the_provider_s_django_app():
    # The manual provider has a Django app of its own (models, admin); the test providers have none.
    output = _run_idv_providers()
    assert "    Django app: idv_manual (installed)" in output
    details = output.split("\ntestprovider  [", 1)[1].splitlines()[1:]
    assert "Django app" not in "".join(itertools.takewhile(lambda line: line.startswith("    "), details))
