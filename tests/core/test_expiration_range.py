"""
Expirations stay in the range every time zone and database can hold: an expiration out of it, or an
``IDV_DAYS_GOOD_FOR`` that would make one, is a documented error (the API) or a system check error, never
an ``OverflowError``.
"""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from idv_core import api
from idv_core.checks import check_idv_configuration
from idv_core.conf import EXPIRATION_LIMIT, expiration_after_days
from idv_core.exceptions import VerificationAttemptInvalidExpiration

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
EAST = timezone(timedelta(hours=5))
WEST = timezone(timedelta(hours=-5))


def test_expiration_after_days_is_none_past_the_limit():
    days_left = (EXPIRATION_LIMIT - NOW).days
    assert expiration_after_days(NOW, 365) == NOW + timedelta(days=365)
    assert expiration_after_days(NOW, days_left) == NOW + timedelta(days=days_left)
    assert expiration_after_days(NOW, days_left + 1) is None
    assert expiration_after_days(NOW, 3_000_000) is None  # past datetime.max
    assert expiration_after_days(NOW, 10**10) is None  # more days than a timedelta holds


@pytest.mark.parametrize("days", [3_000_000, 2_920_000, 10**10])
def test_a_days_good_for_whose_expiration_overflows_is_refused_by_the_checks(settings, days):
    settings.IDV_DAYS_GOOD_FOR = days
    [error] = [message for message in check_idv_configuration() if message.id == "idv_core.E001"]
    assert error.msg == (
        f"IDV_DAYS_GOOD_FOR is {days}: an approval given today would expire after 9999-12-31, later than "
        "any date idv_core stores."
    )


@pytest.mark.parametrize("days", [365, 2_000_000])
def test_a_days_good_for_within_the_range_passes_the_checks(settings, days):
    settings.IDV_DAYS_GOOD_FOR = days
    assert "idv_core.E001" not in {message.id for message in check_idv_configuration()}


@pytest.mark.django_db
def test_an_approval_needing_an_overflowing_default_expiration_is_refused_and_changes_nothing(
    user, settings, signals, django_capture_on_commit_callbacks
):
    settings.IDV_DAYS_GOOD_FOR = 3_000_000
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending")
    signals.events.clear()

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(VerificationAttemptInvalidExpiration, match="IDV_DAYS_GOOD_FOR is 3000000"):
            api.create_verification_attempt(user, "Ada Lovelace", "approved")
        with pytest.raises(VerificationAttemptInvalidExpiration, match=r"idv_core\.E001"):
            api.update_verification_attempt(attempt_id, status="approved")

    assert [(record.id, record.status) for record in api.get_verification_attempts(user)] == [
        (attempt_id, "pending")
    ]
    assert signals.types == []
    # An explicit expiration does not need the default.
    api.update_verification_attempt(attempt_id, status="approved", expiration_datetime=NOW)
    assert api.get_verification_attempt(attempt_id).status == "approved"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "expiration",
    [
        datetime(9999, 12, 31, 23, 0, tzinfo=WEST),  # 10000-01-01 in UTC: saving it would overflow
        datetime(9999, 12, 31, 1, 0, tzinfo=UTC),  # storable, but not shown in UTC+14
        datetime.max.replace(tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=EAST),  # year 0 in UTC
        datetime(999, 12, 31, 23, 59, tzinfo=UTC),  # before MySQL's DATETIME range
    ],
)
def test_an_expiration_out_of_range_is_refused_on_create_and_update(user, expiration):
    with pytest.raises(VerificationAttemptInvalidExpiration, match="from 1000-01-01T00:00:00"):
        api.create_verification_attempt(user, "Ada Lovelace", "approved", expiration)
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending")
    with pytest.raises(VerificationAttemptInvalidExpiration, match=r"before 9999-12-31T00:00:00\+00:00"):
        api.update_verification_attempt(attempt_id, status="approved", expiration_datetime=expiration)
    assert api.get_verification_attempt(attempt_id).status == "pending"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "expiration",
    [
        datetime(9999, 12, 30, 23, 59, 59, tzinfo=UTC),
        datetime(9999, 12, 31, 4, 0, tzinfo=EAST),  # 9999-12-30T23:00 in UTC
        datetime(1000, 1, 1, tzinfo=UTC),
    ],
)
def test_an_expiration_at_the_ends_of_the_range_is_stored_as_given(user, expiration):
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "approved", expiration)
    assert api.get_verification_attempt(attempt_id).expiration_datetime == expiration
