"""The read side: records, the summed-up status, is_user_verified and the bulk read."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idv_core import api
from idv_core.data import VerificationAttemptRecord
from idv_core.exceptions import VerificationAttemptInvalidField, VerificationAttemptNotFound
from idv_core.models import VerificationAttempt
from idv_core.statuses import UserVerificationState, VerificationAttemptStatus

pytestmark = pytest.mark.django_db

PAST = datetime(2020, 1, 1, tzinfo=UTC)
FUTURE = datetime(2040, 1, 1, tzinfo=UTC)


def _attempt(user, status, expiration=None, *, hidden=False, explicit_none=False):
    """Write an attempt in ``status`` through the API (explicit_none: an approval that never expires)."""
    attempt_id = api.create_verification_attempt(user, "Ada", "created", hide_status_from_user=hidden)
    if status != "created":
        kwargs = {"status": status}
        if expiration is not None or explicit_none:
            kwargs["expiration_datetime"] = expiration
        api.update_verification_attempt(attempt_id, **kwargs)
    return attempt_id


def test_get_verification_attempt_returns_an_immutable_record(user):
    attempt_id = api.create_verification_attempt(
        user, "Ada", "pending", provider="persona", external_id="inq_9"
    )
    record = api.get_verification_attempt(attempt_id)
    assert isinstance(record, VerificationAttemptRecord)
    assert not isinstance(record, VerificationAttempt)
    assert (record.id, record.user_id, record.status, record.external_id) == (
        attempt_id,
        user.pk,
        "pending",
        "inq_9",
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.status = "approved"


def test_records_of_attempts_without_external_id_have_a_blank_one(user):
    record = api.get_verification_attempt(api.create_verification_attempt(user, "Ada", "created"))
    assert record.external_id == ""


def test_get_verification_attempt_raises_not_found(db):
    with pytest.raises(VerificationAttemptNotFound, match="No verification attempt with id 12345"):
        api.get_verification_attempt(12345)


def test_get_by_external_id_finds_the_provider_s_attempt(user):
    api.create_verification_attempt(user, "Ada", "created", provider="other", external_id="inq_1")
    attempt_id = api.create_verification_attempt(
        user, "Ada", "created", provider="persona", external_id="inq_1"
    )
    assert api.get_verification_attempt_by_external_id("persona", "inq_1").id == attempt_id


def test_get_by_external_id_raises_not_found_naming_provider_and_id(db):
    with pytest.raises(VerificationAttemptNotFound, match="provider 'persona' with external id 'inq_x'"):
        api.get_verification_attempt_by_external_id("persona", "inq_x")


def test_get_by_external_id_rejects_a_blank_id(user):
    api.create_verification_attempt(user, "Ada", "created", provider="persona")
    with pytest.raises(VerificationAttemptInvalidField, match="must not be blank"):
        api.get_verification_attempt_by_external_id("persona", "")


def test_get_verification_attempts_lists_newest_first(user, make_user):
    first = _attempt(user, "denied")
    second = _attempt(user, "pending", hidden=True)
    _attempt(make_user(), "approved")
    assert [record.id for record in api.get_verification_attempts(user)] == [second, first]
    assert [record.id for record in api.get_verification_attempts(user.pk)] == [second, first]


# --- get_user_verification_status ---------------------------------------------------------------------


def _status(user):
    result = api.get_user_verification_status(user)
    return result.status, result.is_verified


def test_status_is_none_without_attempts(user):
    result = api.get_user_verification_status(user)
    assert (result.status, result.is_verified, result.attempt_id, result.expiration_datetime) == (
        "none",
        False,
        None,
        None,
    )


@pytest.mark.parametrize("status", ["created", "pending", "denied"])
def test_status_of_a_single_attempt_is_its_status(user, status):
    attempt_id = _attempt(user, status)
    result = api.get_user_verification_status(user)
    assert (result.status, result.is_verified, result.attempt_id) == (status, False, attempt_id)


def test_an_unexpired_approval_is_verified(user):
    attempt_id = _attempt(user, "approved", FUTURE)
    result = api.get_user_verification_status(user)
    assert (result.status, result.is_verified, result.attempt_id, result.expiration_datetime) == (
        UserVerificationState.APPROVED,
        True,
        attempt_id,
        FUTURE,
    )


def test_an_expired_approval_reads_expired(user):
    attempt_id = _attempt(user, "approved", PAST)
    result = api.get_user_verification_status(user)
    assert (result.status, result.is_verified, result.attempt_id, result.expiration_datetime) == (
        "expired",
        False,
        attempt_id,
        PAST,
    )


def test_an_approval_without_expiration_never_expires(user):
    _attempt(user, "approved", explicit_none=True)
    assert _status(user) == ("approved", True)
    assert api.get_user_verification_status(user).expiration_datetime is None


@pytest.mark.parametrize("newer", ["created", "pending", "denied"])
def test_an_unexpired_approval_wins_over_newer_attempts(user, newer):
    approved = _attempt(user, "approved", FUTURE)
    _attempt(user, newer)
    result = api.get_user_verification_status(user)
    assert (result.status, result.is_verified, result.attempt_id) == ("approved", True, approved)


def test_after_an_expired_approval_the_newest_attempt_decides(user):
    _attempt(user, "approved", PAST)
    pending = _attempt(user, "pending")
    assert api.get_user_verification_status(user).attempt_id == pending
    assert _status(user) == ("pending", False)


def test_the_longest_lasting_approval_is_reported(user):
    _attempt(user, "approved", FUTURE)
    forever = _attempt(user, "approved", explicit_none=True)
    _attempt(user, "approved", FUTURE + timedelta(days=1))
    assert api.get_user_verification_status(user).attempt_id == forever


def test_hidden_attempts_do_not_decide_what_the_learner_sees(user):
    denied = _attempt(user, "denied")
    _attempt(user, "pending", hidden=True)
    result = api.get_user_verification_status(user)
    assert (result.status, result.attempt_id) == ("denied", denied)


def test_only_hidden_attempts_read_none(user):
    _attempt(user, "denied", hidden=True)
    assert _status(user) == ("none", False)


def test_a_hidden_approval_still_verifies(user):
    _attempt(user, "approved", FUTURE, hidden=True)
    assert _status(user) == ("approved", True)
    assert api.is_user_verified(user) is True


def test_a_revoked_approval_no_longer_verifies(user):
    attempt_id = _attempt(user, "approved", FUTURE)
    api.update_verification_attempt(attempt_id, status="denied")
    assert _status(user) == ("denied", False)
    assert api.is_user_verified(user) is False


# --- is_user_verified and get_verified_user_ids -------------------------------------------------------


def test_is_user_verified_for_each_kind_of_user(make_user):
    users = {name: make_user() for name in ("none", "pending", "approved", "expired", "forever", "denied")}
    _attempt(users["pending"], "pending")
    _attempt(users["approved"], "approved", FUTURE)
    _attempt(users["expired"], "approved", PAST)
    _attempt(users["forever"], "approved", explicit_none=True)
    _attempt(users["denied"], "denied")
    verified = {name for name, user in users.items() if api.is_user_verified(user)}
    assert verified == {"approved", "forever"}
    assert api.is_user_verified(users["approved"].pk) is True
    ids = [user.pk for user in users.values()]
    assert api.get_verified_user_ids(ids) == {users["approved"].pk, users["forever"].pk}


def test_get_verified_user_ids_accepts_duplicates_unknown_ids_and_users(user, make_user):
    _attempt(user, "approved", FUTURE)
    assert api.get_verified_user_ids([user.pk, user.pk, 987654, user]) == {user.pk}
    assert api.get_verified_user_ids([]) == set()
    assert api.get_verified_user_ids(iter([user.pk])) == {user.pk}


def test_get_verified_user_ids_rejects_what_is_not_a_user(db):
    with pytest.raises(VerificationAttemptInvalidField, match="saved user or a user id"):
        api.get_verified_user_ids(["12"])


# --- a property: the read functions agree with a plain model of the rules -----------------------------

attempt_strategy = st.tuples(
    st.sampled_from(["created", "pending", "approved", "denied"]),
    st.sampled_from([None, "past", "future"]),
    st.booleans(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(attempts=st.lists(attempt_strategy, max_size=6))
def test_read_functions_agree_with_the_rules(make_user, attempts):
    user = make_user()
    now = timezone.now()
    when = {None: None, "past": now - timedelta(days=3), "future": now + timedelta(days=3)}
    expected_verified = False
    newest_visible = None
    for status, expiration_kind, hidden in attempts:
        expiration = when[expiration_kind]
        attempt_id = api.create_verification_attempt(user, "Ada", "created", hide_status_from_user=hidden)
        if status != "created":
            api.update_verification_attempt(attempt_id, status=status, expiration_datetime=expiration)
        elif expiration is not None:
            api.update_verification_attempt(attempt_id, expiration_datetime=expiration)
        active = status == "approved" and (expiration is None or expiration > now)
        expected_verified = expected_verified or active
        if not hidden:
            newest_visible = "expired" if status == "approved" and not active else status

    result = api.get_user_verification_status(user)
    assert result.is_verified is expected_verified
    assert api.is_user_verified(user) is expected_verified
    assert (user.pk in api.get_verified_user_ids([user.pk])) is expected_verified
    if expected_verified:
        assert result.status == "approved"
    else:
        assert result.status == (newest_visible or "none")


# --- iter_provider_verification_attempts ---------------------------------------------------------------


def _aged(user, status, provider, minutes_ago, external_id=""):
    attempt_id = api.create_verification_attempt(
        user, "Ada", status, provider=provider, external_id=external_id
    )
    VerificationAttempt.objects.filter(pk=attempt_id).update(
        modified=timezone.now() - timedelta(minutes=minutes_ago)
    )
    return attempt_id


def test_provider_attempts_are_filtered_by_provider_status_and_age_oldest_first(user, make_user):
    old_pending = _aged(user, "pending", "persona", 300, "inq_1")
    older_created = _aged(make_user(), "created", "persona", 600, "inq_2")
    _aged(make_user(), "pending", "persona", 5, "inq_3")  # changed too recently
    _aged(make_user(), "approved", "persona", 900, "inq_4")  # another status
    _aged(make_user(), "pending", "manual", 900)  # another provider
    cutoff = timezone.now() - timedelta(hours=1)

    records = list(
        api.iter_provider_verification_attempts("persona", ["created", "pending"], changed_before=cutoff)
    )

    assert [record.id for record in records] == [older_created, old_pending]
    assert all(isinstance(record, VerificationAttemptRecord) for record in records)
    # One status alone (a str or a VerificationAttemptStatus), and no age limit.
    recent = VerificationAttempt.objects.get(external_id="inq_3").pk
    everything_pending = api.iter_provider_verification_attempts("persona", VerificationAttemptStatus.PENDING)
    assert [record.id for record in everything_pending] == [old_pending, recent]


def test_provider_attempts_are_read_in_chunks(user, make_user, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(api, "PROVIDER_ATTEMPTS_CHUNK_SIZE", 2)
    ids = [
        api.create_verification_attempt(make_user(), "Ada", "pending", provider="persona") for _ in range(5)
    ]
    # The same last change for all: pages must still neither repeat nor skip a row (id breaks the tie).
    VerificationAttempt.objects.update(modified=timezone.now() - timedelta(hours=2))
    iterator = api.iter_provider_verification_attempts("persona", "pending")
    with django_assert_num_queries(1):
        first_page = [next(iterator).id, next(iterator).id]  # a caller that stops early reads one page
    with django_assert_num_queries(2):
        rest = [record.id for record in iterator]
    assert first_page + rest == ids


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"statuses": ["pending", "done"]}, "is not a valid verification attempt status"),
        ({"statuses": "pending", "changed_before": datetime(2030, 1, 1)}, "changed_before"),
        ({"statuses": "pending", "changed_before": "2030-01-01"}, "changed_before"),
    ],
)
def test_provider_attempts_refuse_bad_arguments(db, arguments, error):
    with pytest.raises(ValueError, match=error):
        list(api.iter_provider_verification_attempts("persona", **arguments))
