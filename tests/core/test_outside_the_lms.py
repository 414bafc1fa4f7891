"""Outside an LMS (the demo, the default tests): no mirror, no platform reads, nothing imports ``lms.*``."""

from __future__ import annotations

import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from idv_core import api
from idv_core.checks import check_idv_configuration
from idv_core.exceptions import VerificationAttemptNotFound
from idv_core.platform_mirror import PlatformModelUnavailable, find_platform_model
from idv_core.providers import get_installed_providers

pytestmark = pytest.mark.django_db


def test_nothing_mirrors_and_nothing_imports_the_lms(user, signals, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending", provider="testprovider")
        api.update_verification_attempt(attempt_id, status="approved")

    assert api.get_verification_attempt(attempt_id).platform_attempt_id is None
    assert {payload.attempt_id for payload in signals.payloads} == {attempt_id}
    assert api.is_user_verified(user) is True
    assert api.get_verified_user_ids([user.pk]) == {user.pk}
    assert find_platform_model() == (None, "the app lms.djangoapps.verify_student is not installed")
    assert not [name for name in sys.modules if name == "lms" or name.startswith(("lms.", "openedx.core"))]


def test_an_event_names_our_own_attempt(user, signals, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending", provider="testprovider")

    assert api.get_verification_attempt_from_event(signals.payloads[0]).id == attempt_id


def test_an_unknown_platform_id_is_not_found():
    with pytest.raises(
        VerificationAttemptNotFound, match="mirrored by the platform's verification attempt 7"
    ):
        api.get_verification_attempt_by_platform_id(7)
    with pytest.raises(api.VerificationAttemptInvalidField):
        api.get_verification_attempt_by_platform_id("7")


def test_mirror_true_without_the_platform_is_a_check_error_and_writes_refuse(settings, user):
    settings.IDV_PLATFORM_MIRROR = True

    [error] = [m for m in check_idv_configuration() if m.id == "idv_core.E009"]
    assert "lms.djangoapps.verify_student is not installed" in error.msg
    with pytest.raises(PlatformModelUnavailable):
        api.create_verification_attempt(user, "Ada Lovelace", "approved")
    assert api.get_verification_attempts(user) == []


def test_idv_providers_says_the_mirror_is_off():
    out = StringIO()
    call_command("idv_providers", stdout=out)
    assert (
        "Platform mirror: off (IDV_PLATFORM_MIRROR = 'auto'; the app lms.djangoapps.verify_student is not "
        "installed)" in out.getvalue()
    )


def test_the_sync_command_says_there_is_nothing_to_sync():
    with pytest.raises(CommandError, match=r"The platform mirror is off .*not installed"):
        call_command("idv_platform_sync")


def test_retirement_runs_every_installed_provider_s_hook(user, monkeypatch):
    called = []
    for provider in get_installed_providers().values():
        monkeypatch.setattr(
            provider, "retire_user", lambda user_id, provider=provider: called.append(provider.id)
        )

    api.retire_user_verification_names(user)

    assert sorted(called) == sorted(get_installed_providers())


def test_the_default_retirement_hook_keeps_nothing(user):
    # A provider without tables of its own (the test provider) inherits a hook that does nothing.
    assert get_installed_providers()["testprovider"].retire_user(user.pk) is None
