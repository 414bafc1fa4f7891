"""
LMS mode: every attempt written through idv_core.api is mirrored into the platform's verify_student table in
the same transaction, its events carry the platform row's id, and the LMS's own service sees the result.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from lms.djangoapps.certificates import signals as certificates
from lms.djangoapps.verify_student.models import VerificationAttempt as PlatformAttempt
from lms.djangoapps.verify_student.services import IDVerificationService

from idv_core import api
from idv_core.exceptions import VerificationAttemptNotFound
from idv_core.models import OutboxEvent, VerificationAttempt
from idv_core.platform_mirror import PLATFORM_NEVER_EXPIRES

# Real commits, as in the LMS: events go after commit, and a rollback really rolls back.
pytestmark = pytest.mark.django_db(transaction=True)

ROUTES = {
    event_type: {"learning-idv": {"event_key_field": "idv_attempt.user.id", "enabled": True}}
    for event_type in (
        "org.openedx.learning.idv_attempt.created.v1",
        "org.openedx.learning.idv_attempt.approved.v1",
    )
}


def _platform_row(attempt_id: int) -> PlatformAttempt:
    return PlatformAttempt.objects.get(pk=api.get_verification_attempt(attempt_id).platform_attempt_id)


def test_a_new_attempt_gets_its_platform_row_with_the_same_fields(user):
    expires = timezone.now() + timedelta(days=30)
    attempt_id = api.create_verification_attempt(
        user, "Ada Lovelace", "pending", expires, hide_status_from_user=True, provider="testprovider"
    )

    record = api.get_verification_attempt(attempt_id)
    row = PlatformAttempt.objects.get(pk=record.platform_attempt_id)
    assert (row.user_id, row.name, row.status, row.expiration_datetime, row.hide_status_from_user) == (
        user.pk,
        "Ada Lovelace",
        "pending",
        expires,
        True,
    )
    # The stand-in numbers its rows from 100001: the two ids are different numbers.
    assert record.platform_attempt_id != attempt_id
    assert api.get_verification_attempt_by_platform_id(row.pk) == record


def test_updates_follow_on_the_platform_row(user):
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "created", provider="testprovider")
    row = _platform_row(attempt_id)
    created_status_changed = row.status_changed

    api.update_verification_attempt(attempt_id, status="pending", name="Ada King")
    row.refresh_from_db()
    assert (row.status, row.name) == ("pending", "Ada King")
    assert row.status_changed >= created_status_changed

    expires = timezone.now() + timedelta(days=10)
    api.update_verification_attempt(attempt_id, status="approved", expiration_datetime=expires)
    row.refresh_from_db()
    assert (row.status, row.expiration_datetime) == ("approved", expires)
    assert PlatformAttempt.objects.filter(user=user).count() == 1


def test_a_never_expiring_approval_is_mirrored_with_a_far_future_expiration(user):
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "approved", provider="testprovider")
    api.update_verification_attempt(attempt_id, expiration_datetime=None)

    assert api.get_verification_attempt(attempt_id).expiration_datetime is None
    assert _platform_row(attempt_id).expiration_datetime == PLATFORM_NEVER_EXPIRES
    assert IDVerificationService.user_is_verified(user) is True


class RequestFailed(Exception):
    """The rest of the request failed after the write: its transaction rolls back."""


def _in_a_failing_request(write):
    with transaction.atomic():
        write()
        raise RequestFailed


def test_a_rolled_back_create_leaves_no_platform_row(user):
    def write():
        api.create_verification_attempt(user, "Ada Lovelace", "approved", provider="testprovider")
        assert PlatformAttempt.objects.filter(user=user).exists()

    with pytest.raises(RequestFailed):
        _in_a_failing_request(write)

    assert not PlatformAttempt.objects.filter(user=user).exists()
    assert not VerificationAttempt.objects.filter(user=user).exists()


def test_a_rolled_back_update_leaves_the_platform_row_unchanged(user):
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending", provider="testprovider")

    with pytest.raises(RequestFailed):
        _in_a_failing_request(lambda: api.update_verification_attempt(attempt_id, status="approved"))

    assert _platform_row(attempt_id).status == "pending"
    assert IDVerificationService.user_is_verified(user) is False


def test_a_refused_create_writes_no_platform_row(user):
    api.create_verification_attempt(
        user, "Ada Lovelace", "pending", provider="testprovider", external_id="x1"
    )
    with pytest.raises(api.VerificationAttemptAlreadyExists):
        api.create_verification_attempt(
            user, "Ada Lovelace", "pending", provider="testprovider", external_id="x1"
        )

    assert PlatformAttempt.objects.filter(user=user).count() == 1


def test_events_carry_the_platform_id_once_per_status(user, signals):
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending", provider="testprovider")
    api.update_verification_attempt(attempt_id, status="approved")
    api.update_verification_attempt(attempt_id, status="denied")

    platform_id = api.get_verification_attempt(attempt_id).platform_attempt_id
    # idv_core is the only sender: one signal per status entered, none from the platform's model.
    assert signals.types == ["created", "pending", "approved", "denied"]
    assert {payload.attempt_id for payload in signals.payloads} == {platform_id}


def test_the_outbox_copy_carries_the_platform_id_too(user, settings):
    settings.IDV_EVENT_BUS_PRODUCER_CONFIG = ROUTES
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "approved", provider="testprovider")

    platform_id = api.get_verification_attempt(attempt_id).platform_attempt_id
    rows = OutboxEvent.objects.filter(attempt_id=attempt_id)
    assert rows.count() == 2
    assert {row.payload["idv_attempt"]["attempt_id"] for row in rows} == {platform_id}


def test_an_event_resolves_back_to_our_attempt(user, signals):
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending", provider="testprovider")

    assert api.get_verification_attempt_from_event(signals.payloads[0]).id == attempt_id
    with pytest.raises(VerificationAttemptNotFound):
        api.get_verification_attempt_by_platform_id(signals.payloads[0].attempt_id + 1000)


def test_certificates_see_the_learner_verified_when_our_approval_arrives(user):
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending", provider="testprovider")
    certificates.clear()

    api.update_verification_attempt(attempt_id, status="approved")

    platform_id = api.get_verification_attempt(attempt_id).platform_attempt_id
    assert [(user.pk, platform_id, True)] == certificates.RECORDED


@pytest.mark.parametrize(
    ("change", "expected_status"),
    [
        ({"status": "denied"}, "must_reverify"),  # a revocation
        ({"expiration_datetime": timezone.now() - timedelta(days=1)}, "expired"),
    ],
)
def test_the_lms_follows_a_revocation_or_an_expiry(user, change, expected_status):
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "approved", provider="testprovider")
    assert IDVerificationService.user_is_verified(user) is True
    assert IDVerificationService.user_status(user)["status"] == "approved"
    assert set(IDVerificationService.get_verified_user_ids([user])) == {user.pk}

    api.update_verification_attempt(attempt_id, **change)

    assert IDVerificationService.user_is_verified(user) is False
    assert IDVerificationService.user_status(user)["status"] == expected_status


def test_a_denial_reads_as_must_reverify_in_the_lms(user):
    api.create_verification_attempt(user, "Ada Lovelace", "denied", provider="testprovider")

    assert IDVerificationService.user_is_verified(user) is False
    assert IDVerificationService.user_status(user)["status"] == "must_reverify"


def test_an_attempt_from_before_the_mirror_is_mirrored_on_its_next_update(user, settings, signals):
    settings.IDV_PLATFORM_MIRROR = False
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending", provider="testprovider")
    assert api.get_verification_attempt(attempt_id).platform_attempt_id is None
    assert signals.payloads[-1].attempt_id == attempt_id

    settings.IDV_PLATFORM_MIRROR = "auto"
    api.update_verification_attempt(attempt_id, status="approved")

    row = _platform_row(attempt_id)
    assert row.status == "approved"
    assert signals.payloads[-1].attempt_id == row.pk
    assert IDVerificationService.user_is_verified(user) is True


def test_a_platform_row_deleted_outside_idv_core_is_written_again(user):
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending", provider="testprovider")
    old = _platform_row(attempt_id)
    old.delete()

    api.update_verification_attempt(attempt_id, status="approved")

    new = _platform_row(attempt_id)
    assert new.pk != old.pk
    assert new.status == "approved"


def test_with_the_mirror_off_nothing_reaches_the_platform(user, settings, signals):
    settings.IDV_PLATFORM_MIRROR = False
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "approved", provider="testprovider")

    assert not PlatformAttempt.objects.exists()
    assert api.get_verification_attempt(attempt_id).platform_attempt_id is None
    assert {payload.attempt_id for payload in signals.payloads} == {attempt_id}


def test_mirror_true_works_where_the_platform_model_is(user, settings):
    settings.IDV_PLATFORM_MIRROR = True
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "approved", provider="testprovider")

    assert _platform_row(attempt_id).status == "approved"


@pytest.mark.django_db  # in the test's transaction: the receivers that run after commit are not counted
def test_a_mirrored_write_costs_the_platform_row_and_no_more(user, django_assert_num_queries):
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending", provider="testprovider")
    # Inside the caller's transaction (the test's; no savepoint): SELECT ... FOR UPDATE of ours, SELECT ...
    # FOR UPDATE of the platform's, the platform's UPDATE, our UPDATE, our history INSERT, the user for the
    # event.
    with django_assert_num_queries(6):
        api.update_verification_attempt(attempt_id, status="approved")
