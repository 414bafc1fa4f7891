"""update_verification_attempt(..., expected_status=...): a change made only if the status is as read."""

import pytest

from idv_core import api
from idv_core.exceptions import (
    VerificationAttemptInvalidField,
    VerificationAttemptInvalidStatus,
    VerificationAttemptStatusChanged,
)
from idv_core.models import VerificationAttempt
from idv_core.statuses import VerificationAttemptStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt_id(user):
    return api.create_verification_attempt(user, "Ada Lovelace", "pending", provider="testprovider")


@pytest.mark.parametrize(
    "expected", ["pending", VerificationAttemptStatus.PENDING, ("created", "pending"), {"pending"}]
)
def test_the_change_is_made_when_the_status_is_the_expected_one(attempt_id, expected):
    api.update_verification_attempt(attempt_id, status="approved", expected_status=expected)
    assert api.get_verification_attempt(attempt_id).status == "approved"


def test_a_status_that_changed_meanwhile_refuses_the_change_and_changes_nothing(
    attempt_id, signals, django_capture_on_commit_callbacks
):
    api.update_verification_attempt(attempt_id, status="approved")  # the other reviewer, first
    history = VerificationAttempt.history.filter(id=attempt_id).count()
    signals.events.clear()

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(VerificationAttemptStatusChanged) as refused,
    ):
        api.update_verification_attempt(
            attempt_id, status="denied", reason="fake document", expected_status=("created", "pending")
        )

    assert (refused.value.attempt_id, refused.value.current, refused.value.expected) == (
        attempt_id,
        "approved",
        ("created", "pending"),
    )
    assert str(refused.value) == (
        f"Verification attempt {attempt_id} is 'approved', not 'created' or 'pending' as expected: it "
        "changed meanwhile. Nothing was changed."
    )
    # approved -> denied is an allowed transition: only expected_status stopped this revocation.
    assert api.get_verification_attempt(attempt_id).status == "approved"
    assert VerificationAttempt.history.filter(id=attempt_id).count() == history
    assert signals.types == []


def test_it_is_checked_even_when_nothing_else_would_change(attempt_id):
    with pytest.raises(VerificationAttemptStatusChanged):
        api.update_verification_attempt(attempt_id, expected_status="created")


@pytest.mark.parametrize(
    ("expected", "error"),
    [
        ("pendng", VerificationAttemptInvalidStatus),
        (["pending", "nope"], VerificationAttemptInvalidStatus),
        ([], VerificationAttemptInvalidField),
        (7, VerificationAttemptInvalidField),
    ],
)
def test_a_bad_expected_status_is_refused_before_anything_is_read(attempt_id, expected, error):
    with pytest.raises(error):
        api.update_verification_attempt(attempt_id + 1000, status="approved", expected_status=expected)
    assert api.get_verification_attempt(attempt_id).status == "pending"
