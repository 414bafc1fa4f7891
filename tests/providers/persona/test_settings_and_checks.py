"""IDV_PERSONA: the host's keys win key by key over the defaults; the system checks name what is wrong."""

from __future__ import annotations

import sys
import types

import pytest
from edx_django_utils.plugins.plugin_settings import add_plugins

from idv_core.providers import get_installed_providers
from idv_persona.provider import PersonaProvider

DEFAULTS = PersonaProvider.settings_defaults["IDV_PERSONA"]


def provider():
    return get_installed_providers()["persona"]


def test_without_a_host_value_every_default_applies(settings):
    del settings.IDV_PERSONA
    config = PersonaProvider.config()
    assert config == DEFAULTS
    config["WEBHOOK_SECRETS"].append("x")
    assert DEFAULTS["WEBHOOK_SECRETS"] == []  # a copy, never the shared default list
    assert PersonaProvider.config()["WEBHOOK_SECRETS"] == []


def test_the_host_s_keys_win_and_the_missing_ones_get_their_defaults(settings):
    settings.IDV_PERSONA = {"API_KEY": "k", "DAYS_GOOD_FOR": 7}
    config = PersonaProvider.config()
    assert config["API_KEY"] == "k"
    assert config["DAYS_GOOD_FOR"] == 7
    assert config["SIGNATURE_TOLERANCE_SECONDS"] == 300
    assert config["API_ROOT"] == "https://api.withpersona.com/api/v1"
    assert config["HOSTED_FLOW_URL"] == "https://inquiry.withpersona.com/verify"
    assert settings.IDV_PERSONA == {"API_KEY": "k", "DAYS_GOOD_FOR": 7}  # the host's dict is not changed


def test_a_host_value_that_is_not_a_dict_counts_as_empty_and_is_left_for_the_checks(settings):
    settings.IDV_PERSONA = "oops"
    assert PersonaProvider.config() == DEFAULTS
    assert settings.IDV_PERSONA == "oops"


def test_the_setting_keeps_every_documented_key_and_default():
    assert DEFAULTS == {
        "API_KEY": "",
        "INQUIRY_TEMPLATE_ID": "",
        "ENVIRONMENT_ID": "",
        "API_ROOT": "https://api.withpersona.com/api/v1",
        "HOSTED_FLOW_URL": "https://inquiry.withpersona.com/verify",
        "WEBHOOK_SECRETS": [],
        "SIGNATURE_TOLERANCE_SECONDS": 300,
        "DAYS_GOOD_FOR": 365,
        "TIMEOUT_SECONDS": 10,
    }


def test_add_plugins_leaves_a_host_module_s_setting_as_the_operator_wrote_it(monkeypatch, settings):
    # The LMS applies plugin settings with add_plugins: Persona has none to apply (the core reads its
    # defaults at run time), so the operator's dict is kept as it is and the defaults still apply.
    host = types.ModuleType("fake_lms_settings_persona")
    host.IDV_PERSONA = {"API_KEY": "mine"}
    monkeypatch.setitem(sys.modules, "fake_lms_settings_persona", host)
    add_plugins("fake_lms_settings_persona", "lms.djangoapp", "common")
    assert host.IDV_PERSONA == {"API_KEY": "mine"}
    settings.IDV_PERSONA = host.IDV_PERSONA
    assert PersonaProvider.config()["API_KEY"] == "mine"
    assert PersonaProvider.config()["DAYS_GOOD_FOR"] == 365


def test_the_test_configuration_passes_the_checks():
    assert provider().check() == []


def ids(messages):
    return sorted(message.id for message in messages)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"API_KEY": ""}, ["persona.E002"]),
        ({"API_KEY": None}, ["persona.E002"]),
        ({"INQUIRY_TEMPLATE_ID": "  "}, ["persona.E003"]),
        ({"WEBHOOK_SECRETS": []}, ["persona.E004"]),
        ({"WEBHOOK_SECRETS": "wbhsec_single"}, ["persona.E004"]),
        ({"WEBHOOK_SECRETS": ["ok", ""]}, ["persona.E004"]),
        ({"API_ROOT": "ftp://x"}, ["persona.E005"]),
        ({"HOSTED_FLOW_URL": "/relative"}, ["persona.E005"]),
        ({"SIGNATURE_TOLERANCE_SECONDS": "300"}, ["persona.E006"]),
        ({"DAYS_GOOD_FOR": 0}, ["persona.E006"]),
        ({"DAYS_GOOD_FOR": True}, ["persona.E006"]),
        ({"DAYS_GOOD_FOR": 3_000_000}, ["persona.E006"]),  # past 9999-12-31: every approval would fail
        ({"DAYS_GOOD_FOR": 10**20}, ["persona.E006"]),  # more days than a timedelta holds
        ({"TIMEOUT_SECONDS": -1}, ["persona.E006"]),
        ({"ENVIRONMENT_ID": 5}, ["persona.E007"]),
        ({"API_KY": "typo"}, ["persona.W001"]),
    ],
)
def test_each_malformed_key_is_reported(changes, expected, settings):
    settings.IDV_PERSONA = {**settings.IDV_PERSONA, **changes}
    messages = provider().check()
    assert ids(messages) == expected
    key = next(iter(changes))
    assert all(key in message.msg for message in messages)


def test_a_fractional_timeout_is_fine(settings):
    settings.IDV_PERSONA = {**settings.IDV_PERSONA, "TIMEOUT_SECONDS": 2.5}
    assert provider().check() == []


def test_a_missing_configuration_reports_every_required_key(settings):
    del settings.IDV_PERSONA
    assert ids(provider().check()) == ["persona.E002", "persona.E003", "persona.E004"]


def test_a_setting_that_is_not_a_dict_is_e001(settings):
    settings.IDV_PERSONA = ["API_KEY"]
    assert ids(provider().check()) == ["persona.E001"]


def test_manage_py_check_reports_the_persona_errors(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.IDV_PERSONA = {**settings.IDV_PERSONA, "API_KEY": ""}
    with pytest.raises(SystemCheckError, match=r"persona\.E002"):
        call_command("check")
