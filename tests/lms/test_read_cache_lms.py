"""
LMS mode: the read path's request cache also holds answers that came from the platform's tables, and a
write about the learner (ours, mirrored into the platform, or the platform's own) forgets them.
"""

from __future__ import annotations

import pytest
from lms.djangoapps.verify_student.models import SoftwareSecurePhotoVerification

from idv_core import api
from idv_core.statuses import UserVerificationState

pytestmark = pytest.mark.django_db


def test_a_platform_answer_asked_twice_in_a_request_costs_no_query(
    user, serving_a_request, django_assert_num_queries
):
    SoftwareSecurePhotoVerification.objects.create(user=user, name="Grace Hopper", status="approved")
    with serving_a_request():
        # Ours (1), then the platform's four tables (4); then nothing.
        with django_assert_num_queries(5):
            status = api.get_user_verification_status(user)
        with django_assert_num_queries(0):
            assert api.get_user_verification_status(user) == status
            assert api.is_user_verified(user) is True
    assert status.status == UserVerificationState.APPROVED
    assert status.attempt_id is None


def test_not_verified_anywhere_asked_twice_costs_the_platform_reads_once(
    user, serving_a_request, django_assert_num_queries
):
    with serving_a_request():
        with django_assert_num_queries(5):
            assert api.is_user_verified(user) is False
        with django_assert_num_queries(0):
            assert api.is_user_verified(user) is False


def test_a_mirrored_write_through_the_api_forgets_the_platform_answer(
    user, serving_a_request, django_assert_num_queries
):
    with serving_a_request():
        assert api.is_user_verified(user) is False
        api.create_verification_attempt(user, "Ada Lovelace", "approved", provider="testprovider")
        with django_assert_num_queries(1):
            assert api.is_user_verified(user) is True


def test_a_platform_verification_saved_in_the_request_forgets_the_answer(user, serving_a_request):
    with serving_a_request():
        assert api.get_user_verification_status(user).status == UserVerificationState.NONE
        # The platform's own write (its photo verification flow), not through our API.
        SoftwareSecurePhotoVerification.objects.create(user=user, name="Grace Hopper", status="approved")
        assert api.get_user_verification_status(user).is_verified is True
        assert api.is_user_verified(user) is True
