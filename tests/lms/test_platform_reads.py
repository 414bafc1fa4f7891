"""
LMS mode: idv_core's read functions also count what the platform already knows, asked through its
IDVerificationService only when our own table has no current approval.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from lms.djangoapps.verify_student.models import ManualVerification, SoftwareSecurePhotoVerification
from lms.djangoapps.verify_student.models import VerificationAttempt as PlatformAttempt
from lms.djangoapps.verify_student.services import IDVerificationService

from idv_core import api
from idv_core.statuses import UserVerificationState


@pytest.fixture
def photo_verified(make_user):
    """A learner verified the old way: an approved photo verification of the platform's."""
    learner = make_user()
    SoftwareSecurePhotoVerification.objects.create(user=learner, name="Grace Hopper", status="approved")
    return learner


def test_a_learner_verified_the_old_way_counts(photo_verified):
    assert api.is_user_verified(photo_verified) is True
    assert api.is_user_verified(photo_verified.pk) is True
    assert api.get_verified_user_ids([photo_verified.pk]) == {photo_verified.pk}
    status = api.get_user_verification_status(photo_verified)
    assert (status.status, status.is_verified, status.attempt_id) == (
        UserVerificationState.APPROVED,
        True,
        None,
    )
    assert status.expiration_datetime == IDVerificationService.get_expiration_datetime(
        photo_verified, ["approved"]
    )


def test_the_learner_verified_the_old_way_is_not_asked_again(client, photo_verified):
    client.force_login(photo_verified)

    page = client.get("/idv/status")
    assert b'data-status="approved"' in page.content
    assert b"Verify my identity</a>" not in page.content
    assert client.get("/api/idv/v1/status").json()["is_verified"] is True


def test_a_manual_verification_of_the_platform_counts_in_bulk(make_user):
    verified, other = make_user(), make_user()
    ManualVerification.objects.create(user=verified, name="Grace Hopper", status="approved", reason="seen")

    assert api.get_verified_user_ids([verified, other.pk]) == {verified.pk}


def test_a_generic_attempt_not_written_by_us_counts(make_user):
    learner = make_user()
    PlatformAttempt.objects.create(
        user=learner,
        name="Grace Hopper",
        status="approved",
        expiration_datetime=timezone.now() + timedelta(days=9),
    )

    assert api.is_user_verified(learner) is True


def test_with_platform_verifications_excluded_only_our_table_counts(photo_verified, settings):
    settings.IDV_INCLUDE_PLATFORM_VERIFICATIONS = False

    assert api.is_user_verified(photo_verified) is False
    assert api.get_verified_user_ids([photo_verified.pk]) == set()
    assert api.get_user_verification_status(photo_verified).status == UserVerificationState.NONE


def test_a_platform_approval_that_expired_does_not_count(make_user):
    learner = make_user()
    SoftwareSecurePhotoVerification.objects.create(
        user=learner,
        name="Grace Hopper",
        status="approved",
        expiration_date=timezone.now() - timedelta(days=1),
    )

    assert api.is_user_verified(learner) is False
    assert api.get_user_verification_status(learner).is_verified is False


def test_our_expired_approval_is_not_counted_through_the_platforms_bulk_read(make_user):
    # The platform's bulk read ignores expiration dates: it counts our mirrored approval (created now) for
    # DAYS_GOOD_FOR days although it has expired. Ours must not.
    learner = make_user()
    api.create_verification_attempt(
        learner, "Ada Lovelace", "approved", timezone.now() - timedelta(days=1), provider="testprovider"
    )
    assert set(IDVerificationService.get_verified_user_ids([learner.pk])) == {learner.pk}

    assert api.get_verified_user_ids([learner.pk]) == set()
    assert api.is_user_verified(learner) is False


def test_our_newer_expired_approval_hides_an_older_platform_verification_as_in_the_lms(make_user):
    learner = make_user()
    SoftwareSecurePhotoVerification.objects.create(user=learner, name="Grace Hopper", status="approved")
    api.create_verification_attempt(
        learner, "Ada Lovelace", "approved", timezone.now() - timedelta(days=1), provider="testprovider"
    )

    # The platform takes its most recent approval (ours, expired) and says no: so do we, as the LMS does.
    assert IDVerificationService.user_is_verified(learner) is False
    assert api.get_verified_user_ids([learner.pk]) == set()


def test_a_learner_verified_by_us_costs_one_query(user, django_assert_num_queries):
    api.create_verification_attempt(user, "Ada Lovelace", "approved", provider="testprovider")

    with django_assert_num_queries(1):
        assert api.is_user_verified(user) is True
    with django_assert_num_queries(1):
        assert api.get_user_verification_status(user).is_verified is True
    with django_assert_num_queries(1):
        assert api.get_verified_user_ids([user.pk]) == {user.pk}


def test_the_platform_is_asked_only_when_we_have_no_approval(user, django_assert_num_queries):
    # Ours (1) then the platform's four tables (4).
    with django_assert_num_queries(5):
        assert api.is_user_verified(user) is False
    with django_assert_num_queries(5):
        assert api.get_user_verification_status(user).is_verified is False
    # Ours (1), which of them have a mirrored approval of ours (1), the platform's four tables (4).
    with django_assert_num_queries(6):
        assert api.get_verified_user_ids([user.pk]) == set()
