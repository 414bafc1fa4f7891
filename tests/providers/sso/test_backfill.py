"""``manage.py idv_sso_backfill``: verify learners who linked a trusted sign-in before it was trusted."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from social_django.models import UserSocialAuth

from idv_core import api
from idv_sso.models import SSOVerification
from tests.providers.sso.conftest import TRUSTED, UNTRUSTED

pytestmark = pytest.mark.django_db


def _backfill(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("idv_sso_backfill", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def links(make_user, settings):
    """Old links: trusted with a name kept in extra_data, trusted without, nameless, untrusted, SAML."""
    settings.IDV_SSO_TRUSTED_BACKENDS = {
        TRUSTED: {},
        "tpa-saml:mit": {"NAME_FIELD": ["first_name", "last_name"]},
    }
    users = {
        "kept": make_user(first_name="Profile", last_name="Name"),
        "profile": make_user(first_name="Katherine", last_name="Johnson"),
        "nameless": make_user(first_name="", last_name=""),
        "untrusted": make_user(),
        "mit": make_user(first_name="Margaret", last_name="Hamilton"),
        "harvard": make_user(),
    }
    UserSocialAuth.objects.create(
        user=users["kept"], provider=TRUSTED, uid="s-1", extra_data={"fullname": "Dorothy Vaughan"}
    )
    UserSocialAuth.objects.create(user=users["profile"], provider=TRUSTED, uid="s-2", extra_data={})
    UserSocialAuth.objects.create(user=users["nameless"], provider=TRUSTED, uid="s-3", extra_data={})
    UserSocialAuth.objects.create(user=users["untrusted"], provider=UNTRUSTED, uid="s-4", extra_data={})
    UserSocialAuth.objects.create(user=users["mit"], provider="tpa-saml", uid="mit:mh-1", extra_data={})
    UserSocialAuth.objects.create(
        user=users["harvard"], provider="tpa-saml", uid="harvard:x-1", extra_data={}
    )
    return users


def _names(user):
    return [(a.name, a.status, a.provider) for a in api.get_verification_attempts(user)]


def test_backfill_verifies_trusted_links_with_the_best_name_it_has(
    links, signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        out, err = _backfill()

    assert _names(links["kept"]) == [("Dorothy Vaughan", "approved", "sso")]  # from extra_data
    assert _names(links["profile"]) == [("Katherine Johnson", "approved", "sso")]  # the user's name
    assert _names(links["mit"]) == [("Margaret Hamilton", "approved", "sso")]
    for untouched in ("nameless", "untrusted", "harvard"):
        assert _names(links[untouched]) == []
    assert set(SSOVerification.objects.values_list("source", flat=True)) == {SSOVerification.SOURCE_BACKFILL}
    assert SSOVerification.objects.get(user=links["mit"]).idp == "mit"
    assert out.strip() == (
        "Links examined: 5; verified: 3; already verified by SSO: 0; without a name: 1; name refused: 0; "
        "not trusted (other IdP or key not selected): 1."
    )
    # The progress bar, on stderr.
    assert "SSO backfill" in err
    assert "5/5" in err
    assert signals.types == ["created", "approved"] * 3


def test_a_second_run_writes_nothing(links, signals, django_capture_on_commit_callbacks):
    _backfill()
    count = SSOVerification.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        out, _err = _backfill()
    assert SSOVerification.objects.count() == count
    assert signals.events == []
    assert "verified: 0; already verified by SSO: 3;" in out


def test_dry_run_counts_and_writes_nothing(links):
    out, _err = _backfill("--dry-run")
    assert not SSOVerification.objects.exists()
    assert api.get_verification_attempts(links["kept"]) == []
    assert out.startswith("Dry run, nothing written. Links examined: 5; would be verified: 3;")


def test_backend_limits_the_run_to_one_key(links):
    out, _err = _backfill("--backend", "tpa-saml:mit")
    assert list(SSOVerification.objects.values_list("user_id", flat=True)) == [links["mit"].pk]
    assert "Links examined: 2; verified: 1;" in out


def test_links_verified_by_a_sign_in_are_left_alone(links, settings):
    settings.IDV_SSO_TRUSTED_BACKENDS = {TRUSTED: {}}
    _backfill("--backend", TRUSTED)
    # An expired or revoked SSO verification is the next sign-in's business, not the backfill's.
    [attempt] = api.get_verification_attempts(links["kept"])
    api.update_verification_attempt(attempt.id, status="denied")
    out, _err = _backfill()
    assert "verified: 0; already verified by SSO: 2;" in out


def test_a_name_idv_core_refuses_is_counted(make_user, settings):
    settings.IDV_SSO_TRUSTED_BACKENDS = {TRUSTED: {}}
    UserSocialAuth.objects.create(
        user=make_user(), provider=TRUSTED, uid="s-9", extra_data={"fullname": "x" * 300}
    )
    out, _err = _backfill()
    assert "verified: 0;" in out
    assert "name refused: 1;" in out


def test_the_lms_profile_name_comes_before_first_and_last_name(make_user, settings):
    from idv_sso.management.commands.idv_sso_backfill import name_of_link
    from idv_sso.trusted_backends import load_trusted_backends

    settings.IDV_SSO_TRUSTED_BACKENDS = {TRUSTED: {}}
    link = UserSocialAuth.objects.create(user=make_user(), provider=TRUSTED, uid="s-8", extra_data={})

    class Profile:
        name = "Mary Jackson"

    link.user.profile = Profile()  # what edx-platform's UserProfile offers
    assert name_of_link(link, load_trusted_backends()[TRUSTED]) == "Mary Jackson"


def test_an_lms_user_without_a_profile_row_falls_back_to_first_and_last_name(
    make_user, settings, monkeypatch
):
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ObjectDoesNotExist

    from idv_sso.management.commands.idv_sso_backfill import name_of_link
    from idv_sso.trusted_backends import load_trusted_backends

    settings.IDV_SSO_TRUSTED_BACKENDS = {TRUSTED: {}}
    link = UserSocialAuth.objects.create(
        user=make_user(first_name="Annie", last_name="Easley"), provider=TRUSTED, uid="s-7", extra_data={}
    )

    def no_profile_row(_user):
        raise ObjectDoesNotExist("no UserProfile")  # edx-platform's RelatedObjectDoesNotExist

    monkeypatch.setattr(get_user_model(), "profile", property(no_profile_row), raising=False)
    assert name_of_link(link, load_trusted_backends()[TRUSTED]) == "Annie Easley"


def test_an_unknown_key_is_refused(links):
    with pytest.raises(
        CommandError, match=r"Not keys of IDV_SSO_TRUSTED_BACKENDS: oidc\. Its keys: uni-oidc, tpa-saml:mit"
    ):
        _backfill("--backend", "oidc")


def test_a_disabled_provider_is_refused(links, settings):
    settings.IDV_ENABLED_PROVIDERS = ["testprovider"]
    with pytest.raises(CommandError, match="The sso provider is disabled"):
        _backfill()
    assert not SSOVerification.objects.exists()


def test_a_malformed_setting_is_refused(settings):
    settings.IDV_SSO_TRUSTED_BACKENDS = {"a:b:c": {}}
    with pytest.raises(CommandError, match=r"IDV_SSO_TRUSTED_BACKENDS is malformed: sso\.E002"):
        _backfill()
