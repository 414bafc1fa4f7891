"""
The pipeline step called directly, with the arguments python-social-auth's SAML backend passes, for what
the fake OIDC IdP cannot show: IdP-specific keys (``"tpa-saml:<idp>"``) and a step placed too early.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from idv_core import api
from idv_sso.models import SSOVerification
from idv_sso.pipeline import verify_identity
from idv_sso.trusted_backends import TrustedBackend, find_trusted_backend, idp_of_response, idp_of_uid

pytestmark = pytest.mark.django_db


@dataclass
class SAMLBackend:
    """What the step reads of edx-platform's SAML backend: its name."""

    name: str = "tpa-saml"


def _saml_sign_in(user, idp: str, name: str = "Grace Hopper"):
    # social-core's SAML backend: response["idp_name"], and the uid "<idp>:<permanent id>".
    verify_identity(
        backend=SAMLBackend(),
        details={"fullname": name, "first_name": "Grace", "last_name": "Hopper"},
        response={"idp_name": idp, "attributes": {}},
        uid=f"{idp}:gh-42",
        user=user,
    )


def test_an_idp_specific_key_trusts_that_idp_only(user, settings):
    settings.IDV_SSO_TRUSTED_BACKENDS = {"tpa-saml:mit": {"NAME_FIELD": ["first_name", "last_name"]}}
    _saml_sign_in(user, "harvard")
    assert api.get_verification_attempts(user) == []

    _saml_sign_in(user, "mit")
    [attempt] = api.get_verification_attempts(user)
    assert attempt.name == "Grace Hopper"
    record = SSOVerification.objects.get()
    assert (record.backend, record.idp, record.uid) == ("tpa-saml", "mit", "mit:gh-42")


def test_an_idp_specific_key_wins_over_the_backend_wide_one(user, settings):
    settings.IDV_SSO_TRUSTED_BACKENDS = {"tpa-saml": {"DAYS_GOOD_FOR": 1}, "tpa-saml:mit": {}}
    _saml_sign_in(user, "mit")
    _saml_sign_in(user, "stanford")
    assert sorted(SSOVerification.objects.values_list("idp", flat=True)) == ["", "mit"]


def test_each_idp_is_its_own_sign_in(user, settings):
    settings.IDV_SSO_TRUSTED_BACKENDS = {"tpa-saml:mit": {}, "tpa-saml:stanford": {}}
    _saml_sign_in(user, "mit")
    _saml_sign_in(user, "stanford")
    _saml_sign_in(user, "mit")
    assert SSOVerification.objects.count() == 2


def test_a_step_placed_before_the_user_exists_does_nothing(settings):
    settings.IDV_SSO_TRUSTED_BACKENDS = {"tpa-saml": {}}
    verify_identity(
        backend=SAMLBackend(), details={"fullname": "Grace Hopper"}, response={}, uid="x", user=None
    )
    assert not SSOVerification.objects.exists()


def test_the_uid_comes_from_the_social_link_when_not_passed(user, settings):
    settings.IDV_SSO_TRUSTED_BACKENDS = {"tpa-saml": {}}

    @dataclass
    class Social:
        uid: str = "mit:gh-7"

    verify_identity(backend=SAMLBackend(), details={"fullname": "Grace Hopper"}, user=user, social=Social())
    assert SSOVerification.objects.get().uid == "mit:gh-7"


@pytest.mark.parametrize(
    ("details", "expected"),
    [
        ({"first_name": "Grace", "last_name": "Hopper"}, "Grace Hopper"),
        ({"first_name": " Cher ", "last_name": ""}, "Cher"),
        ({"first_name": None, "last_name": "Hopper"}, "Hopper"),
        ({"first_name": ["Grace"], "last_name": None}, ""),
        ({}, ""),
    ],
)
def test_name_from_joins_the_non_blank_text_details(details, expected):
    trusted = TrustedBackend("k", "k", "", ("first_name", "last_name"), None, "k")
    assert trusted.name_from(details) == expected


def test_idp_helpers():
    assert idp_of_response({"idp_name": "mit"}) == "mit"
    assert idp_of_response({"idp_name": 3}) == ""
    assert idp_of_response(None) == ""
    assert idp_of_uid("mit:gh-42") == "mit"
    assert idp_of_uid("opaque-subject") == ""
    entry = TrustedBackend("tpa-saml", "tpa-saml", "", ("fullname",), None, "tpa-saml")
    assert find_trusted_backend({"tpa-saml": entry}, "tpa-saml", "mit") is entry
    assert find_trusted_backend({"tpa-saml": entry}, "oidc") is None


def test_a_record_whose_attempt_is_gone_counts_as_no_verification(user, settings):
    settings.IDV_SSO_TRUSTED_BACKENDS = {"tpa-saml:mit": {}}
    SSOVerification.objects.create(
        user=user, attempt_id=999_999, external_id="sso-gone", backend="tpa-saml", idp="mit", uid="mit:gh-42"
    )
    _saml_sign_in(user, "mit")
    assert len(api.get_verification_attempts(user)) == 1


def test_the_host_s_settings_win_and_the_defaults_fill_what_it_left_unset(settings):
    from idv_sso.provider import SSOProvider
    from idv_sso.trusted_backends import load_trusted_backends

    del settings.IDV_SSO_TRUSTED_BACKENDS
    assert SSOProvider.setting("IDV_SSO_TRUSTED_BACKENDS") == {}
    settings.IDV_SSO_TRUSTED_BACKENDS = {"oidc": {}}
    assert SSOProvider.setting("IDV_SSO_TRUSTED_BACKENDS") == {"oidc": {}}
    assert list(load_trusted_backends()) == ["oidc"]
