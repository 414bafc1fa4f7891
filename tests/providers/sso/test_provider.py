"""The sso provider in the registry, its system checks, its learner page and what disabling it does."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from social_core.pipeline import DEFAULT_AUTH_PIPELINE

import idv_sso
from idv_core.providers import get_installed_providers
from idv_sso.pipeline import PIPELINE_STEP, add_step_to_pipeline
from idv_sso.provider import SSOProvider
from tests.providers.sso.conftest import TRUSTED

pytestmark = pytest.mark.usefixtures("fresh_provider_registry")


def _ids(messages):
    return sorted(message.id for message in messages)


def test_idv_providers_lists_sso_with_its_distribution_and_version():
    out = StringIO()
    call_command("idv_providers", stdout=out)
    assert f"sso  [enabled]  openedx-idv-sso {idv_sso.__version__}" in out.getvalue()
    assert "    start URL: /idv/sso" in out.getvalue()
    assert isinstance(get_installed_providers()["sso"], SSOProvider)


def test_a_valid_configuration_checks_clean():
    assert SSOProvider("sso").check() == []


def test_an_empty_configuration_warns_that_learners_are_offered_a_dead_end(settings):
    # Valid (a fresh install trusts nothing yet), but an enabled provider that trusts nothing offers
    # learners a sign-in that verifies nobody: the newcomer's dead end of issue 14.
    settings.IDV_SSO_TRUSTED_BACKENDS = {}
    [warning] = SSOProvider("sso").check()
    assert (warning.id, warning.is_serious()) == ("sso.W003", False)
    assert "verifies nobody" in warning.msg
    assert "IDV_ENABLED_PROVIDERS" in warning.hint


@pytest.mark.parametrize(
    ("value", "expected_id", "expected_text"),
    [
        (["uni-oidc"], "sso.E001", "must be a dict mapping a backend name"),
        ({"a:b:c": {}}, "sso.E002", "is neither a backend name nor '<backend>:<idp>'"),
        ({"tpa-saml:": {}}, "sso.E002", "is neither a backend name"),
        ({3: {}}, "sso.E002", "is not a string"),
        ({"x" * 65: {}}, "sso.E002", "too long"),
        ({"uni-oidc": "fullname"}, "sso.E003", "must be a dict of options"),
        ({"uni-oidc": {"NAME": "fullname"}}, "sso.E003", "unknown option(s) NAME"),
        ({"uni-oidc": {"NAME_FIELD": ""}}, "sso.E004", "NAME_FIELD must be a detail name"),
        ({"uni-oidc": {"NAME_FIELD": []}}, "sso.E004", "NAME_FIELD must be a detail name"),
        ({"uni-oidc": {"NAME_FIELD": ["first_name", 2]}}, "sso.E004", "NAME_FIELD must be a detail name"),
        ({"uni-oidc": {"DAYS_GOOD_FOR": 0}}, "sso.E005", "at least 1, not 0"),
        ({"uni-oidc": {"DAYS_GOOD_FOR": True}}, "sso.E005", "DAYS_GOOD_FOR must be a whole number"),
        ({"uni-oidc": {"DAYS_GOOD_FOR": "30"}}, "sso.E005", "DAYS_GOOD_FOR must be a whole number"),
        ({"uni-oidc": {"DAYS_GOOD_FOR": 3_000_000}}, "sso.E005", "is past 9999-12-31"),
        ({"uni-oidc": {"DAYS_GOOD_FOR": 10**20}}, "sso.E005", "is past 9999-12-31"),
        ({"uni-oidc": {"TITLE": " "}}, "sso.E006", "TITLE must be a non-blank string"),
    ],
)
def test_a_malformed_configuration_is_an_error(settings, value, expected_id, expected_text):
    settings.IDV_SSO_TRUSTED_BACKENDS = value
    [error] = SSOProvider("sso").check()
    assert error.id == expected_id
    assert error.is_serious()
    assert expected_text in error.msg
    assert "docs/provider_sso.rst" in error.hint


def test_every_problem_is_reported_at_once(settings):
    settings.IDV_SSO_TRUSTED_BACKENDS = {"a:b:c": {}, "uni-oidc": {"DAYS_GOOD_FOR": -1, "TITLE": 5}}
    assert _ids(SSOProvider("sso").check()) == ["sso.E002", "sso.E005", "sso.E006"]


def test_a_backend_missing_from_authentication_backends_is_a_warning(settings):
    settings.IDV_SSO_TRUSTED_BACKENDS = {TRUSTED: {}, "tpa-saml:mit": {}}
    [warning] = SSOProvider("sso").check()
    assert warning.id == "sso.W001"
    assert not warning.is_serious()
    assert "['tpa-saml:mit'] names the backend 'tpa-saml'" in warning.msg
    assert warning.hint == "Known backend names: social-oidc, uni-oidc."


def test_a_backend_that_cannot_be_imported_is_left_to_django(settings):
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "nowhere.Backend"]
    assert SSOProvider("sso").check() == []


def test_a_missing_pipeline_step_is_a_warning(settings):
    settings.SOCIAL_AUTH_PIPELINE = ["social_core.pipeline.social_auth.social_details"]
    [warning] = SSOProvider("sso").check()
    assert warning.id == "sso.W002"
    assert "idv_sso.pipeline.verify_identity is not in SOCIAL_AUTH_PIPELINE" in warning.msg


def test_manage_py_check_reports_the_provider_s_errors(settings):
    from idv_core.checks import check_idv_configuration  # the core's check runs every enabled provider's

    settings.IDV_SSO_TRUSTED_BACKENDS = {"uni-oidc": {"DAYS_GOOD_FOR": 0}}
    assert "sso.E005" in _ids(check_idv_configuration())


@pytest.mark.urls("tests.providers.sso.urls")
def test_the_start_page_lists_the_trusted_sign_ins(client, user, settings):
    settings.IDV_SSO_TRUSTED_BACKENDS = {TRUSTED: {"TITLE": "University of Testing"}, "tpa-saml:mit": {}}
    client.force_login(user)
    response = client.get("/idv/sso")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<form method="post" action="/login/uni-oidc/">' in html
    assert "Sign in with University of Testing" in html
    assert '<form method="post" action="/login/tpa-saml/">' in html
    assert '<input type="hidden" name="idp" value="mit">' in html
    assert "Sign in with tpa-saml:mit" in html
    assert '<input type="hidden" name="next" value="/idv/sso">' in html
    assert 'data-status="none"' in html


@pytest.mark.urls("tests.providers.sso.urls")
def test_the_start_page_s_button_starts_the_sign_in(client, user, fake_idp):
    client.force_login(user)
    response = client.post("/login/uni-oidc/", {"next": "/idv/sso"})
    assert response.status_code == 302
    assert response["Location"].startswith(f"{fake_idp.url}/authorize?")


def test_without_social_auth_urls_the_page_names_the_sign_ins_without_buttons(client, user):
    client.force_login(user)  # tests.urls (the default) does not mount social_django's URLs
    html = client.get("/idv/sso").content.decode()
    assert "University of Testing" in html
    assert "<form" not in html


def test_with_a_malformed_setting_the_page_offers_nothing(client, user, settings):
    settings.IDV_SSO_TRUSTED_BACKENDS = "uni-oidc"
    client.force_login(user)
    assert 'data-testid="idv-sso-none"' in client.get("/idv/sso").content.decode()


def test_the_start_page_needs_a_signed_in_learner(client):
    response = client.get("/idv/sso")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_a_disabled_provider_leaves_the_verify_page_and_its_start_url_answers_404(client, user, settings):
    client.force_login(user)
    assert 'data-provider="sso"' in client.get("/idv/verify").content.decode()

    settings.IDV_ENABLED_PROVIDERS = ["testprovider"]
    assert 'data-provider="sso"' not in client.get("/idv/verify").content.decode()
    assert client.get("/idv/sso").status_code == 404
    out = StringIO()
    call_command("idv_providers", stdout=out)
    assert "sso  [disabled]  openedx-idv-sso" in out.getvalue()


# --- IDV_SSO_ADD_PIPELINE_STEP: the step survives a host that replaces SOCIAL_AUTH_PIPELINE at start-up ---

_HOST_PIPELINE = ["social_core.pipeline.social_auth.social_details", "social_core.pipeline.user.create_user"]


def test_the_app_appends_the_step_to_a_pipeline_the_host_replaced_at_start_up(settings):
    from django.apps import apps

    # As edx-platform's third_party_auth does in its ready(), which runs before plugin apps start.
    settings.SOCIAL_AUTH_PIPELINE = tuple(_HOST_PIPELINE)
    apps.get_app_config("idv_sso").ready()
    assert [*_HOST_PIPELINE, PIPELINE_STEP] == settings.SOCIAL_AUTH_PIPELINE
    assert SSOProvider("sso").check() == []
    # Once there (wherever the operator put it), it is never added twice.
    assert add_step_to_pipeline() is False
    assert settings.SOCIAL_AUTH_PIPELINE.count(PIPELINE_STEP) == 1


def test_without_a_pipeline_setting_social_core_s_default_is_extended(settings):
    del settings.SOCIAL_AUTH_PIPELINE
    assert add_step_to_pipeline() is True
    assert [*DEFAULT_AUTH_PIPELINE, PIPELINE_STEP] == settings.SOCIAL_AUTH_PIPELINE


@pytest.mark.parametrize(
    "setting",
    [
        {"IDV_SSO_ADD_PIPELINE_STEP": False},
        {"IDV_SSO_TRUSTED_BACKENDS": {}},
        {"IDV_SSO_TRUSTED_BACKENDS": {TRUSTED: "not a dict"}},
    ],
)
def test_the_step_is_not_added_when_opted_out_untrusting_or_misconfigured(settings, setting):
    for name, value in setting.items():
        setattr(settings, name, value)
    settings.SOCIAL_AUTH_PIPELINE = list(_HOST_PIPELINE)
    assert add_step_to_pipeline() is False
    assert settings.SOCIAL_AUTH_PIPELINE == _HOST_PIPELINE
