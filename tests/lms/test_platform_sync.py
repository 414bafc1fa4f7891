"""LMS mode: `manage.py idv_platform_sync [--dry-run] [--fix]` (backfill, drift, idempotence); the checks."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from lms.djangoapps.verify_student.models import VerificationAttempt as PlatformAttempt
from lms.djangoapps.verify_student.services import IDVerificationService

from idv_core import api
from idv_core.checks import check_idv_configuration
from idv_core.models import VerificationAttempt
from idv_core.platform_sync import CHUNK_SIZE

pytestmark = pytest.mark.django_db


def _sync(*args: str) -> str:
    out = StringIO()
    call_command("idv_platform_sync", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def unmirrored(make_user, settings):
    """Three attempts written before the mirror was on (one of them approved last month)."""
    settings.IDV_PLATFORM_MIRROR = False
    learners = [make_user() for _ in range(3)]
    ids = [
        api.create_verification_attempt(learner, "Ada Lovelace", "pending", provider="manual")
        for learner in learners
    ]
    api.update_verification_attempt(ids[0], status="approved")
    month_ago = timezone.now() - timedelta(days=30)
    VerificationAttempt.objects.filter(pk=ids[0]).update(created=month_ago, modified=month_ago)
    settings.IDV_PLATFORM_MIRROR = "auto"
    return learners, ids


def test_the_backfill_writes_the_missing_rows_with_their_history_and_no_event(unmirrored, signals):
    learners, ids = unmirrored

    out = _sync()

    assert "platform rows created (backfill): 3" in out
    assert signals.events == []
    first = api.get_verification_attempt(ids[0])
    row = PlatformAttempt.objects.get(pk=first.platform_attempt_id)
    assert (row.user_id, row.status, row.name) == (learners[0].pk, "approved", "Ada Lovelace")
    assert (row.created_at, row.updated_at) == (first.created, first.modified)
    assert IDVerificationService.user_is_verified(learners[0]) is True


def test_a_second_run_changes_nothing_and_says_so(unmirrored):
    _sync()

    out = _sync()

    assert "platform rows created (backfill): 0" in out
    assert "in sync: 3" in out
    assert "Nothing to change" in out
    assert PlatformAttempt.objects.count() == 3


def test_a_dry_run_writes_nothing(unmirrored):
    out = _sync("--dry-run")

    assert "platform rows would be created (backfill): 3" in out
    assert not PlatformAttempt.objects.exists()
    assert not VerificationAttempt.objects.filter(platform_attempt_id__isnull=False).exists()


def test_drift_is_reported_and_fixed_from_ours(make_user):
    learners = [make_user() for _ in range(3)]
    ids = [
        api.create_verification_attempt(learner, "Ada Lovelace", "approved", provider="manual")
        for learner in learners
    ]
    edited = PlatformAttempt.objects.get(pk=api.get_verification_attempt(ids[0]).platform_attempt_id)
    edited.status, edited.name = "denied", "Someone Else"
    edited.save()  # the platform's editable admin
    PlatformAttempt.objects.filter(pk=api.get_verification_attempt(ids[1]).platform_attempt_id).delete()

    out = _sync()
    assert "drifted: 2" in out
    assert "deleted: 1" in out
    assert "status: 1" in out
    assert "name: 1" in out
    assert "--fix" in out
    edited.refresh_from_db()
    assert edited.status == "denied"  # reported only

    out = _sync("--fix")
    assert "drifted rows rewritten from ours: 2" in out
    edited.refresh_from_db()
    assert (edited.status, edited.name) == ("approved", "Ada Lovelace")
    recreated = PlatformAttempt.objects.get(pk=api.get_verification_attempt(ids[1]).platform_attempt_id)
    assert recreated.user_id == learners[1].pk
    assert "Nothing to change" in _sync()


def test_retired_attempts_are_not_written_again(user, settings):
    settings.IDV_PLATFORM_MIRROR = False
    api.create_verification_attempt(user, "Ada Lovelace", "approved", provider="manual")
    api.retire_user_verification_names(user)
    settings.IDV_PLATFORM_MIRROR = "auto"

    out = _sync()

    assert "skipped, names erased by retirement: 1" in out
    assert not PlatformAttempt.objects.exists()


def test_more_attempts_than_one_chunk_are_all_synced(make_user, settings):
    settings.IDV_PLATFORM_MIRROR = False
    learner = make_user()
    VerificationAttempt.objects.bulk_create(
        VerificationAttempt(user=learner, name="Ada Lovelace", status="denied") for _ in range(CHUNK_SIZE + 3)
    )
    settings.IDV_PLATFORM_MIRROR = "auto"

    assert f"platform rows created (backfill): {CHUNK_SIZE + 3}" in _sync()
    assert PlatformAttempt.objects.count() == CHUNK_SIZE + 3


def test_the_sync_refuses_to_run_with_the_mirror_off(settings):
    settings.IDV_PLATFORM_MIRROR = False
    with pytest.raises(CommandError, match="mirror is off"):
        _sync()


def _ids(messages):
    return [message.id for message in messages]


def test_a_days_good_for_that_differs_from_the_platform_s_is_a_warning(settings):
    assert "idv_core.W004" not in _ids(check_idv_configuration())
    settings.IDV_DAYS_GOOD_FOR = 180
    assert "idv_core.W004" in _ids(check_idv_configuration())


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_a_malformed_mirror_setting_is_an_error_and_refuses_writes(settings, user, value):
    settings.IDV_PLATFORM_MIRROR = value
    assert "idv_core.E009" in _ids(check_idv_configuration())
    with pytest.raises(Exception, match="IDV_PLATFORM_MIRROR must be"):
        api.create_verification_attempt(user, "Ada Lovelace", "approved")


def test_a_malformed_include_setting_is_an_error(settings):
    settings.IDV_INCLUDE_PLATFORM_VERIFICATIONS = "no"
    assert "idv_core.E010" in _ids(check_idv_configuration())


def test_idv_providers_says_the_mirror_is_on(settings):
    out = StringIO()
    call_command("idv_providers", stdout=out)
    assert (
        "Platform mirror: on (IDV_PLATFORM_MIRROR = 'auto'; into verify_student.VerificationAttempt"
        in out.getvalue()
    )

    settings.IDV_PLATFORM_MIRROR = False
    out = StringIO()
    call_command("idv_providers", stdout=out)
    assert (
        "Platform mirror: off (IDV_PLATFORM_MIRROR = False; IDV_PLATFORM_MIRROR is False)" in out.getvalue()
    )


def test_an_unusable_platform_model_under_auto_is_a_warning(monkeypatch):
    from idv_core import platform_mirror

    monkeypatch.setattr(
        platform_mirror,
        "find_platform_model",
        lambda: (None, "lms.djangoapps.verify_student.VerificationAttempt lacks the field(s) status_changed"),
    )
    [warning] = [m for m in check_idv_configuration() if m.id == "idv_core.W005"]
    assert "lacks the field(s) status_changed" in warning.msg


def test_a_deleted_row_rewritten_by_fix_keeps_the_attempt_s_dates(user):
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "approved", provider="manual")
    month_ago = timezone.now() - timedelta(days=30)
    VerificationAttempt.objects.filter(pk=attempt_id).update(created=month_ago, modified=month_ago)
    PlatformAttempt.objects.filter(user=user).delete()

    _sync("--fix")

    row = PlatformAttempt.objects.get(user=user)
    assert (row.created_at, row.updated_at) == (month_ago, month_ago)
