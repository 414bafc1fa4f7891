"""
End to end: learners sign in through python-social-auth's real views and pipeline, against the fake OpenID
Connect IdP on 127.0.0.1; ``idv_sso.pipeline.verify_identity`` ends the pipeline.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.utils import timezone
from social_django.models import UserSocialAuth

from idv_core import api
from idv_sso.models import SSOVerification
from idv_sso.pipeline import verify_identity
from tests.providers.sso.conftest import TRUSTED, UNTRUSTED

pytestmark = [pytest.mark.urls("tests.providers.sso.urls"), pytest.mark.django_db]

#: Queries ``verify_identity`` makes when the learner already has an unexpired verification with that name:
#: the provider's latest record for this sign-in, then its attempt (through idv_core.api).
QUERIES_FOR_AN_ALREADY_VERIFIED_LEARNER = 2


def _learner():
    return UserSocialAuth.objects.get(provider=TRUSTED).user


def _sign_in_committed(sign_in, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in()
    # The sign-in itself always succeeds: python-social-auth logs in and redirects.
    assert response.status_code == 302
    assert response["Location"] == "/idv/status"
    return response


@pytest.fixture
def signed_in(sign_in, django_capture_on_commit_callbacks):
    """Sign in through the trusted backend; return a function that does it again."""

    def again():
        return _sign_in_committed(sign_in, django_capture_on_commit_callbacks)

    return again


def test_first_sign_in_records_an_approved_attempt_and_the_provider_s_record(signed_in, signals):
    before = timezone.now()
    signed_in()

    learner = _learner()
    [attempt] = api.get_verification_attempts(learner)
    assert attempt.status == "approved"
    assert attempt.name == "Ada Lovelace"
    assert attempt.provider == "sso"
    # IDV_DAYS_GOOD_FOR (365 by default) applies when the key sets no DAYS_GOOD_FOR.
    assert before + timedelta(days=365) <= attempt.expiration_datetime <= timezone.now() + timedelta(days=365)
    assert api.is_user_verified(learner)

    record = SSOVerification.objects.get()
    assert (record.user_id, record.attempt_id, record.backend, record.idp, record.uid, record.source) == (
        learner.pk,
        attempt.id,
        TRUSTED,
        "",
        "ada-0001",
        SSOVerification.SOURCE_SIGN_IN,
    )
    assert record.external_id == attempt.external_id
    assert attempt.external_id.startswith("sso-")
    assert "ada-0001" not in attempt.external_id  # the IdP uid (random hex may contain "ada" by chance)

    assert signals.types == ["created", "approved"]
    assert {payload.attempt_id for payload in signals.payloads} == {attempt.id}
    assert signals.payloads[-1].name == "Ada Lovelace"


def test_repeat_sign_in_with_the_same_name_writes_nothing(
    signed_in, signals, pipeline_runs, django_assert_num_queries
):
    signed_in()
    signals.events.clear()

    signed_in()

    assert len(api.get_verification_attempts(_learner())) == 1
    assert SSOVerification.objects.count() == 1
    assert signals.events == []
    # The step as the real pipeline called it on the repeat sign-in: it only reads, twice.
    repeat_kwargs = pipeline_runs.kwargs[-1]
    assert repeat_kwargs["user"] == _learner()
    with django_assert_num_queries(QUERIES_FOR_AN_ALREADY_VERIFIED_LEARNER):
        verify_identity(**repeat_kwargs)
    assert SSOVerification.objects.count() == 1


def test_a_changed_name_records_a_new_attempt(signed_in, fake_idp, signals):
    signed_in()
    signals.events.clear()
    fake_idp.identity["name"] = "Ada King"

    signed_in()

    newest, first = api.get_verification_attempts(_learner())
    assert (newest.name, newest.status) == ("Ada King", "approved")
    assert (first.name, first.status) == ("Ada Lovelace", "approved")
    assert newest.external_id != first.external_id
    assert list(SSOVerification.objects.order_by("pk").values_list("attempt_id", flat=True)) == [
        first.id,
        newest.id,
    ]
    assert signals.types == ["created", "approved"]
    assert api.get_user_verification_status(_learner()).attempt_id == newest.id


def test_an_expired_verification_is_renewed_by_the_next_sign_in(signed_in, signals):
    signed_in()
    [expired] = api.get_verification_attempts(_learner())
    api.update_verification_attempt(expired.id, expiration_datetime=timezone.now() - timedelta(days=1))
    assert not api.is_user_verified(_learner())
    signals.events.clear()

    signed_in()

    newest, _expired = api.get_verification_attempts(_learner())
    assert newest.id != expired.id
    assert newest.name == "Ada Lovelace"
    assert api.is_user_verified(_learner())
    assert signals.types == ["created", "approved"]


def test_days_good_for_sets_the_expiration(signed_in, settings):
    settings.IDV_SSO_TRUSTED_BACKENDS = {TRUSTED: {"DAYS_GOOD_FOR": 30}}
    before = timezone.now()
    signed_in()
    [attempt] = api.get_verification_attempts(_learner())
    assert before + timedelta(days=30) <= attempt.expiration_datetime <= timezone.now() + timedelta(days=30)


def test_a_days_good_for_past_the_last_date_is_a_refused_key_not_a_crash(signed_in, settings):
    # manage.py check reports it (sso.E005) and, like any malformed key, it trusts nothing: the sign-in
    # succeeds and verifies nobody (before: OverflowError, a 500 on every sign-in through that IdP).
    settings.IDV_SSO_TRUSTED_BACKENDS = {TRUSTED: {"DAYS_GOOD_FOR": 3_000_000}}
    signed_in()
    assert api.get_verification_attempts(_learner()) == []


def test_name_field_list_joins_the_details(signed_in, settings, fake_idp):
    settings.IDV_SSO_TRUSTED_BACKENDS = {TRUSTED: {"NAME_FIELD": ["first_name", "last_name"]}}
    fake_idp.identity.update(name="Countess of Lovelace", given_name="Augusta Ada", family_name="King")
    signed_in()
    [attempt] = api.get_verification_attempts(_learner())
    assert attempt.name == "Augusta Ada King"


def test_a_sign_in_through_an_untrusted_backend_is_ignored(
    sign_in, django_capture_on_commit_callbacks, signals
):
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_in(UNTRUSTED)
    assert response.status_code == 302
    learner = UserSocialAuth.objects.get(provider=UNTRUSTED).user
    assert api.get_verification_attempts(learner) == []
    assert not SSOVerification.objects.exists()
    assert signals.events == []


def test_missing_name_records_nothing_and_logs_without_pii(signed_in, fake_idp, caplog):
    for claim in ("name", "given_name", "family_name"):
        del fake_idp.identity[claim]
    with caplog.at_level(logging.WARNING, logger="idv_sso"):
        signed_in()
    learner = _learner()
    assert api.get_verification_attempts(learner) == []
    [record] = [r for r in caplog.records if r.name == "idv_sso.pipeline"]
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert f"user {learner.pk}" in message
    assert "asserted no name in fullname" in message
    for pii in ("ada", "Ada", "uni.example", learner.username):
        assert pii not in message


def test_a_name_idv_core_refuses_does_not_break_the_sign_in(signed_in, fake_idp, caplog):
    fake_idp.identity["name"] = "A" * 300
    with caplog.at_level(logging.WARNING, logger="idv_sso"):
        signed_in()
    assert api.get_verification_attempts(_learner()) == []
    [record] = [r for r in caplog.records if r.name == "idv_sso.pipeline"]
    assert "the asserted name was refused" in record.getMessage()
    assert "AAAA" not in record.getMessage()


def test_a_disabled_provider_verifies_nobody(signed_in, settings):
    settings.IDV_ENABLED_PROVIDERS = ["testprovider"]
    signed_in()
    assert api.get_verification_attempts(_learner()) == []
    assert not SSOVerification.objects.exists()


def test_a_revoked_verification_is_not_approved_again_by_a_sign_in(signed_in, signals):
    signed_in()
    [attempt] = api.get_verification_attempts(_learner())
    api.update_verification_attempt(attempt.id, status="denied", reason="Account compromised")
    signals.events.clear()

    signed_in()

    assert [a.status for a in api.get_verification_attempts(_learner())] == ["denied"]
    assert signals.events == []


def test_a_malformed_setting_does_not_break_the_sign_in(signed_in, settings, caplog):
    settings.IDV_SSO_TRUSTED_BACKENDS = ["uni-oidc"]
    with caplog.at_level(logging.ERROR, logger="idv_sso"):
        signed_in()
    assert api.get_verification_attempts(_learner()) == []
    assert "IDV_SSO_TRUSTED_BACKENDS is malformed" in caplog.text


def test_a_database_error_while_saving_rolls_back_the_attempt_and_the_sign_in_goes_on(
    signed_in, monkeypatch, signals, caplog
):
    # The one fault that cannot be produced for real here: the provider's row failing to save.
    def fail(**_kwargs):
        raise OperationalError("lock wait timeout for uid ada-0001")

    monkeypatch.setattr(SSOVerification.objects, "create", fail)
    with caplog.at_level(logging.ERROR, logger="idv_sso"):
        signed_in()

    learner = _learner()
    assert api.get_verification_attempts(learner) == []  # the attempt went with the failed record
    assert signals.events == []
    assert "could not be saved (OperationalError)" in caplog.text
    assert "ada-0001" not in caplog.text
    # The sign-in's own work was kept: the user exists, is linked and is signed in.
    assert get_user_model().objects.filter(pk=learner.pk).exists()
