"""
The provider SDK's contract on IDVProvider, proven with ``contractonly`` (tests/test_provider): a provider
defined only with the contract, no Django app of its own, mounted, disabled, configured and retired.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import path

from idv_core import api
from idv_core.checks import check_attempt_providers
from idv_core.provider_urls import provider_urlpatterns
from idv_core.providers import IDVProvider, get_installed_providers
from idv_core.testing import ProviderContractTests

pytestmark = pytest.mark.django_db

START = "/idv/contractonly/start"


@pytest.fixture
def provider():
    return get_installed_providers()["contractonly"]


def test_the_core_mounts_the_provider_s_urls_under_its_id(client, user, provider):
    client.force_login(user)

    page = client.get(START)

    assert page.status_code == 200
    assert page.context["provider"] is provider  # request.idv_provider
    assert "Type the code your instructor gave you." in page.content.decode()
    assert provider.get_start_url() == START
    assert provider.reverse("ping") == "/idv/contractonly/ping"


def test_its_start_page_needs_a_login(client):
    response = client.get(START)
    assert response.status_code == 302
    assert response.url.startswith("/login/")


def test_its_urls_close_while_it_is_disabled_decided_per_request(
    client, user, settings, fresh_provider_registry
):
    client.force_login(user)
    settings.IDV_ENABLED_PROVIDERS = ["testprovider"]
    assert client.get(START).status_code == 404
    # A view marked open_while_disabled (a vendor's callback) still answers.
    assert client.get("/idv/contractonly/ping").content == b"pong from contractonly"

    settings.IDV_ENABLED_PROVIDERS = ["testprovider", "contractonly"]
    assert client.get(START).status_code == 200


def test_attempts_carry_the_provider_s_id(
    client, user, provider, signals, django_capture_on_commit_callbacks
):
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START, {"code": "open sesame"})

    assert response.status_code == 302
    [attempt] = api.get_verification_attempts(user)
    assert (attempt.provider, attempt.status) == ("contractonly", "approved")
    provider.update_attempt(attempt.id, status="denied", reason="revoked")
    assert api.get_verification_attempt(attempt.id).status == "denied"


def test_the_operator_s_setting_wins_over_the_default(client, user, provider, settings):
    assert provider.setting("IDV_CONTRACTONLY_CODE") == "open sesame"
    settings.IDV_CONTRACTONLY_CODE = "swordfish"
    assert provider.setting("IDV_CONTRACTONLY_CODE") == "swordfish"
    client.force_login(user)
    client.post(START, {"code": "open sesame"})
    assert api.get_verification_attempts(user)[0].status == "denied"


def test_an_unknown_setting_name_is_refused(provider):
    with pytest.raises(KeyError, match="'IDV_CONTRACTONLY_COOD' is not a setting of ContractOnlyProvider"):
        provider.setting("IDV_CONTRACTONLY_COOD")


def test_idv_providers_lists_the_provider_s_settings_and_whether_they_are_set(settings):
    settings.IDV_CONTRACTONLY_CODE = "swordfish"
    out = StringIO()
    call_command("idv_providers", stdout=out)
    text = out.getvalue()
    assert "    setting IDV_CONTRACTONLY_CODE: set" in text
    assert "    setting IDV_CONTRACTONLY_HINT: default" in text
    assert "    start URL: /idv/contractonly/start" in text


def test_retirement_reaches_the_provider_and_leaves_no_name(user, provider):
    provider.create_attempt(user, "Ada Lovelace", "approved")
    api.retire_user_verification_names(user)
    assert [attempt.name for attempt in api.get_verification_attempts(user)] == [""]


def test_attempts_of_a_provider_nobody_has_are_reported(user):
    api.create_verification_attempt(user, "Ada Lovelace", "approved", provider="emaildomian")

    [warning] = check_attempt_providers(databases=["default"])
    assert warning.id == "idv_core.W006"
    assert "'emaildomian'" in warning.msg
    # Only as a database check: plain `manage.py check` does not query.
    assert check_attempt_providers() == []


def test_attempts_of_installed_providers_are_not_reported(user):
    api.create_verification_attempt(user, "Ada Lovelace", "approved", provider="contractonly")
    assert check_attempt_providers(databases=["default"]) == []


def test_a_provider_without_urls_or_start_url_says_what_it_lacks():
    with pytest.raises(NotImplementedError, match="name a URL 'start' in urlpatterns"):
        IDVProvider("bare").get_start_url()


def test_bad_urlpatterns_leave_that_provider_unmounted_and_the_others_served(monkeypatch, provider, caplog):
    monkeypatch.setattr(type(provider), "urlpatterns", [path("start", lambda request: None), "not a pattern"])

    mounted = {resolver.namespace for resolver in provider_urlpatterns()}

    assert "contractonly" not in mounted
    assert "manual" in mounted
    assert "must hold Django URL patterns" in caplog.text


def test_a_provider_updates_only_its_own_attempts(user, provider):
    from idv_core.exceptions import VerificationAttemptInvalidField

    other = api.create_verification_attempt(user, "Ada Lovelace", "pending", provider="manual")
    with pytest.raises(VerificationAttemptInvalidField, match="not one of provider 'contractonly'"):
        provider.update_attempt(other, status="approved")
    assert api.get_verification_attempt(other).status == "pending"


def test_included_patterns_are_wrapped_too(monkeypatch, provider, rf, user):
    from django.urls import include

    def view(request):
        return request.idv_provider

    monkeypatch.setattr(type(provider), "urlpatterns", [path("sub/", include([path("x", view, name="x")]))])
    [mounted] = [resolver for resolver in provider_urlpatterns() if resolver.namespace == "contractonly"]
    [included] = mounted.url_patterns
    request = rf.get("/idv/contractonly/sub/x")
    request.user = user
    assert included.url_patterns[0].callback(request) is provider


class TestContractOnlyKeepsTheContract(ProviderContractTests):
    """The kit's contract tests, on the provider written with the contract alone."""

    provider_id = "contractonly"
    start_form_data = {"code": "open sesame"}


class TestTheTestProviderKeepsTheContract(ProviderContractTests):
    """The kit's contract tests, on the test host's default provider (a form of its own, no Django app)."""

    provider_id = "testprovider"
    start_form_data = {"name": "Ada Lovelace", "phrase": "I am me"}


def test_the_kit_s_events_arrive_after_the_commit(idv_events, idv_learner, idv_enable_provider):
    provider = idv_enable_provider("contractonly")

    attempt_id = provider.create_attempt(idv_learner, "Ada Lovelace", "pending")
    provider.update_attempt(attempt_id, status="approved")

    assert idv_events.types == ["created", "pending", "approved"]
    assert {payload.attempt_id for payload in idv_events.payloads} == {attempt_id}


def test_enabling_an_unknown_provider_says_what_is_installed(idv_enable_provider):
    with pytest.raises(LookupError, match="No installed provider has the id 'emaildomian'"):
        idv_enable_provider("emaildomian")


def _resolve(path_info: str, patterns: list):
    from django.urls.resolvers import RegexPattern, URLResolver

    return URLResolver(RegexPattern(r"^/"), patterns).resolve(path_info)


@pytest.mark.parametrize(
    ("pattern", "paths"),
    [
        (path("", lambda request: None, name="root"), ["/idv/contractonly"]),
        (path("start", lambda request: None, name="root"), ["/idv/contractonly/start"]),
        (path("item/<int:number>", lambda request: None, name="root"), ["/idv/contractonly/item/7"]),
    ],
)
def test_routes_are_mounted_under_the_provider_s_id(monkeypatch, provider, pattern, paths):
    monkeypatch.setattr(type(provider), "urlpatterns", [pattern])
    patterns = provider_urlpatterns()
    for path_info in paths:
        assert _resolve(path_info, patterns).url_name == "root"


def test_a_regex_root_with_an_optional_slash_answers_both(monkeypatch, provider):
    from django.urls import Resolver404, re_path

    monkeypatch.setattr(type(provider), "urlpatterns", [re_path(r"^/?$", lambda request: None, name="root")])
    patterns = provider_urlpatterns()
    assert _resolve("/idv/contractonly", patterns).url_name == "root"
    assert _resolve("/idv/contractonly/", patterns).url_name == "root"
    with pytest.raises(Resolver404):
        _resolve("/idv/contractonlyx", patterns)
