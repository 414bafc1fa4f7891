"""create_verification_attempt and update_verification_attempt: what they store, reject and record."""

import inspect
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from idv_core import api
from idv_core.api import UNSET
from idv_core.exceptions import (
    VerificationAttemptAlreadyExists,
    VerificationAttemptInvalidExpiration,
    VerificationAttemptInvalidField,
    VerificationAttemptInvalidName,
    VerificationAttemptInvalidStatus,
    VerificationAttemptInvalidTransition,
    VerificationAttemptNotFound,
)
from idv_core.models import AttemptHistoryManager, VerificationAttempt

pytestmark = pytest.mark.django_db

LATER = datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)


def _close_to(value, expected, seconds=60):
    return abs((value - expected).total_seconds()) < seconds


# --- create ------------------------------------------------------------------------------------------


def test_create_returns_the_id_of_a_stored_attempt(user):
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "created")
    attempt = VerificationAttempt.objects.get(pk=attempt_id)
    assert (attempt.user_id, attempt.name, attempt.status) == (user.pk, "Ada Lovelace", "created")
    assert attempt.expiration_datetime is None
    assert attempt.hide_status_from_user is False
    assert (attempt.provider, attempt.external_id) == ("", None)


def test_create_stores_provider_external_id_and_flags(user):
    attempt_id = api.create_verification_attempt(
        user, "Ada", "pending", LATER, True, provider="persona", external_id="inq_123"
    )
    record = api.get_verification_attempt(attempt_id)
    assert (record.provider, record.external_id, record.status) == ("persona", "inq_123", "pending")
    assert record.expiration_datetime == LATER
    assert record.hide_status_from_user is True


def test_create_strips_surrounding_white_space_from_the_name(user):
    attempt_id = api.create_verification_attempt(user, "  Ada Lovelace \n", "created")
    assert api.get_verification_attempt(attempt_id).name == "Ada Lovelace"


def test_created_approved_without_expiration_gets_the_default_expiry(user, settings):
    settings.IDV_DAYS_GOOD_FOR = 30
    attempt_id = api.create_verification_attempt(user, "Ada", "approved")
    expiration = api.get_verification_attempt(attempt_id).expiration_datetime
    assert _close_to(expiration, timezone.now() + timedelta(days=30))


def test_default_expiry_is_365_days_when_the_host_sets_nothing(user, settings):
    del settings.IDV_DAYS_GOOD_FOR
    attempt_id = api.create_verification_attempt(user, "Ada", "approved")
    expiration = api.get_verification_attempt(attempt_id).expiration_datetime
    assert _close_to(expiration, timezone.now() + timedelta(days=365))


@pytest.mark.parametrize("status", ["created", "pending", "denied"])
def test_non_approved_create_without_expiration_has_none(user, status):
    attempt_id = api.create_verification_attempt(user, "Ada", status)
    assert api.get_verification_attempt(attempt_id).expiration_datetime is None


def test_create_accepts_an_expiration_in_the_past_for_imported_records(user):
    past = datetime(2019, 5, 1, tzinfo=UTC)
    attempt_id = api.create_verification_attempt(user, "Ada", "approved", past)
    assert api.get_verification_attempt(attempt_id).expiration_datetime == past
    assert api.is_user_verified(user) is False


def test_blank_external_ids_do_not_collide(user):
    api.create_verification_attempt(user, "Ada", "created", provider="manual")
    api.create_verification_attempt(user, "Ada", "created", provider="manual", external_id="")
    assert VerificationAttempt.objects.filter(provider="manual", external_id__isnull=True).count() == 2


def test_same_external_id_for_two_providers_is_allowed(user):
    api.create_verification_attempt(user, "Ada", "created", provider="persona", external_id="ref-1")
    api.create_verification_attempt(user, "Ada", "created", provider="other", external_id="ref-1")
    assert VerificationAttempt.objects.count() == 2


def test_duplicate_external_id_is_rejected_and_changes_nothing(
    user, signals, django_capture_on_commit_callbacks
):
    api.create_verification_attempt(user, "Ada", "created", provider="persona", external_id="inq_1")
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(VerificationAttemptAlreadyExists, match="'persona' with external id 'inq_1'"),
    ):
        api.create_verification_attempt(user, "Ada", "approved", provider="persona", external_id="inq_1")
    assert VerificationAttempt.objects.count() == 1
    assert VerificationAttempt.history.count() == 1
    assert signals.events == []


# --- validation: every rejected call changes nothing and sends nothing --------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"status": "verified"},
            VerificationAttemptInvalidStatus,
            "valid statuses are: created, pending, approved",
        ),
        ({"status": None}, VerificationAttemptInvalidStatus, "None is not a valid"),
        ({"name": ""}, VerificationAttemptInvalidName, "must not be blank"),
        ({"name": "   \t"}, VerificationAttemptInvalidName, "must not be blank"),
        ({"name": "x" * 256}, VerificationAttemptInvalidName, "256 characters long; at most 255"),
        ({"name": None}, VerificationAttemptInvalidName, "must be a string, not NoneType"),
        ({"name": "Ada\x00"}, VerificationAttemptInvalidName, "control characters"),
        ({"name": "Ada\nLovelace"}, VerificationAttemptInvalidName, "control characters"),
        ({"name": "Ada \ud800"}, VerificationAttemptInvalidName, "lone surrogate"),
        ({"external_id": "inq_\udfff"}, VerificationAttemptInvalidField, "external_id must be valid Unicode"),
        (
            {"expiration_datetime": datetime(2030, 1, 1)},
            VerificationAttemptInvalidExpiration,
            "timezone-aware",
        ),
        ({"expiration_datetime": date(2030, 1, 1)}, VerificationAttemptInvalidExpiration, "not date"),
        ({"hide_status_from_user": "yes"}, VerificationAttemptInvalidField, "True or False"),
        ({"provider": "p" * 65}, VerificationAttemptInvalidField, "provider is 65 characters"),
        (
            {"external_id": "inq_1 "},
            VerificationAttemptInvalidField,
            "must not start or end with white space",
        ),
        ({"external_id": 12}, VerificationAttemptInvalidField, "external_id must be a string"),
    ],
)
def test_create_rejects_bad_input_with_a_clear_error(
    user, signals, django_capture_on_commit_callbacks, kwargs, error, message
):
    arguments = {"name": "Ada", "status": "approved", **kwargs}
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(error, match=message) as raised,
    ):
        api.create_verification_attempt(user, **arguments)
    assert isinstance(raised.value, ValueError)
    assert VerificationAttempt.objects.count() == 0
    assert callbacks == []
    assert signals.events == []


def test_error_messages_never_repeat_the_name(user):
    secret_name = "Zebulon Quartermaine" * 20
    with pytest.raises(VerificationAttemptInvalidName) as raised:
        api.create_verification_attempt(user, secret_name, "created")
    assert "Zebulon" not in str(raised.value)


def test_create_needs_a_saved_user(make_user):
    unsaved = type(make_user())(username="ghost")
    with pytest.raises(VerificationAttemptInvalidField, match="saved user"):
        api.create_verification_attempt(unsaved, "Ada", "created")
    with pytest.raises(VerificationAttemptInvalidField, match="saved user"):
        api.create_verification_attempt(42, "Ada", "created")


# --- update ------------------------------------------------------------------------------------------


@pytest.fixture
def attempt_id(user):
    return api.create_verification_attempt(user, "Ada Lovelace", "created", provider="testprovider")


def test_unset_reads_as_unset_in_signatures_and_docs():
    assert repr(UNSET) == "UNSET"
    assert str(inspect.signature(api.update_verification_attempt)).count("= UNSET") == 5


def test_unset_arguments_leave_every_field_unchanged(attempt_id):
    before = api.get_verification_attempt(attempt_id)
    api.update_verification_attempt(attempt_id)
    api.update_verification_attempt(
        attempt_id, name=UNSET, status=UNSET, expiration_datetime=UNSET, hide_status_from_user=UNSET
    )
    assert api.get_verification_attempt(attempt_id) == before
    assert VerificationAttempt.history.filter(id=attempt_id).count() == 1


def test_update_changes_each_given_field(attempt_id):
    api.update_verification_attempt(
        attempt_id, name="Ada King", status="pending", expiration_datetime=LATER, hide_status_from_user=True
    )
    record = api.get_verification_attempt(attempt_id)
    assert (record.name, record.status, record.expiration_datetime, record.hide_status_from_user) == (
        "Ada King",
        "pending",
        LATER,
        True,
    )


def test_none_clears_the_expiration_for_a_never_expiring_approval(attempt_id, user):
    api.update_verification_attempt(attempt_id, status="approved")
    assert api.get_verification_attempt(attempt_id).expiration_datetime is not None
    api.update_verification_attempt(attempt_id, expiration_datetime=None)
    assert api.get_verification_attempt(attempt_id).expiration_datetime is None
    assert api.is_user_verified(user) is True


def test_becoming_approved_without_expiration_gets_the_default(attempt_id, settings):
    settings.IDV_DAYS_GOOD_FOR = 10
    api.update_verification_attempt(attempt_id, status="pending")
    api.update_verification_attempt(attempt_id, status="approved")
    expiration = api.get_verification_attempt(attempt_id).expiration_datetime
    assert _close_to(expiration, timezone.now() + timedelta(days=10))


def test_becoming_approved_keeps_an_existing_expiration(attempt_id):
    api.update_verification_attempt(attempt_id, expiration_datetime=LATER)
    api.update_verification_attempt(attempt_id, status="approved")
    assert api.get_verification_attempt(attempt_id).expiration_datetime == LATER


def test_becoming_approved_with_explicit_none_never_expires(attempt_id):
    api.update_verification_attempt(attempt_id, status="approved", expiration_datetime=None)
    assert api.get_verification_attempt(attempt_id).expiration_datetime is None


def test_becoming_approved_with_an_explicit_expiration_uses_it(attempt_id):
    api.update_verification_attempt(attempt_id, status="approved", expiration_datetime=LATER)
    assert api.get_verification_attempt(attempt_id).expiration_datetime == LATER


@pytest.mark.parametrize(
    ("path", "final"),
    [
        (["pending", "approved", "denied"], "denied"),
        (["approved", "denied"], "denied"),
        (["denied"], "denied"),
        (["pending", "denied"], "denied"),
    ],
)
def test_allowed_transitions_apply(attempt_id, path, final):
    for status in path:
        api.update_verification_attempt(attempt_id, status=status)
    assert api.get_verification_attempt(attempt_id).status == final


@pytest.mark.parametrize(
    ("path", "rejected", "message"),
    [
        (
            ["pending"],
            "created",
            "cannot move from 'pending' to 'created'; allowed from 'pending': approved, denied",
        ),
        (
            ["approved"],
            "pending",
            "cannot move from 'approved' to 'pending'; allowed from 'approved': denied",
        ),
        (["denied"], "approved", "cannot move from 'denied' to 'approved'; allowed from 'denied': none"),
        (["approved"], "created", "from 'approved' to 'created'"),
    ],
)
def test_invalid_transition_is_rejected_and_changes_nothing(
    attempt_id, signals, django_capture_on_commit_callbacks, path, rejected, message
):
    for status in path:
        api.update_verification_attempt(attempt_id, status=status)
    before = api.get_verification_attempt(attempt_id)
    history_rows = VerificationAttempt.history.filter(id=attempt_id).count()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(VerificationAttemptInvalidTransition, match=message) as raised,
    ):
        api.update_verification_attempt(attempt_id, status=rejected, name="Someone Else")
    assert (raised.value.current, raised.value.requested) == (path[-1], rejected)
    assert api.get_verification_attempt(attempt_id) == before
    assert VerificationAttempt.history.filter(id=attempt_id).count() == history_rows
    assert callbacks == []


def test_setting_the_same_status_is_a_no_op(attempt_id, signals, django_capture_on_commit_callbacks):
    api.update_verification_attempt(attempt_id, status="approved")
    before = api.get_verification_attempt(attempt_id)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        api.update_verification_attempt(attempt_id, status="approved")
    assert api.get_verification_attempt(attempt_id) == before
    assert callbacks == []


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"status": "bogus"}, VerificationAttemptInvalidStatus),
        ({"name": ""}, VerificationAttemptInvalidName),
        ({"name": "n" * 300}, VerificationAttemptInvalidName),
        ({"expiration_datetime": datetime(2030, 1, 1)}, VerificationAttemptInvalidExpiration),
        ({"expiration_datetime": "2030-01-01"}, VerificationAttemptInvalidExpiration),
        ({"hide_status_from_user": None}, VerificationAttemptInvalidField),
        ({"reason": "r" * 101}, VerificationAttemptInvalidField),
    ],
)
def test_update_rejects_bad_input_and_changes_nothing(attempt_id, kwargs, error):
    before = api.get_verification_attempt(attempt_id)
    with pytest.raises(error):
        api.update_verification_attempt(attempt_id, **{"status": "approved", **kwargs})
    assert api.get_verification_attempt(attempt_id) == before


def test_update_of_a_missing_attempt_raises_not_found(db):
    with pytest.raises(VerificationAttemptNotFound, match="No verification attempt with id 999") as raised:
        api.update_verification_attempt(999, status="approved")
    assert isinstance(raised.value, ObjectDoesNotExist)


@pytest.mark.parametrize("bad_id", ["1", 1.0, True, None])
def test_update_rejects_an_attempt_id_that_is_not_an_integer(bad_id):
    with pytest.raises(VerificationAttemptInvalidField, match="attempt_id must be an integer"):
        api.update_verification_attempt(bad_id, status="approved")


# --- the audit trail ---------------------------------------------------------------------------------


def test_every_change_is_kept_with_who_and_why(user, staff_user):
    attempt_id = api.create_verification_attempt(
        user, "Ada", "created", changed_by=staff_user, reason="imported from the old system"
    )
    api.update_verification_attempt(attempt_id, status="pending")
    api.update_verification_attempt(
        attempt_id, status="denied", changed_by=staff_user, reason="document expired"
    )
    history = list(VerificationAttempt.history.filter(id=attempt_id).order_by("history_id"))
    assert [row.status for row in history] == ["created", "pending", "denied"]
    assert [row.history_type for row in history] == ["+", "~", "~"]
    assert [row.history_user_id for row in history] == [staff_user.pk, None, staff_user.pk]
    assert history[0].history_change_reason == "imported from the old system"
    assert history[2].history_change_reason == "document expired"


def test_an_attempts_history_manager_class_is_built_once_and_still_reads_its_history(user):
    # simple-history's descriptor would build a new manager class on every save it records (issue 12).
    attempt_id = api.create_verification_attempt(user, "Ada", "created")
    api.update_verification_attempt(attempt_id, status="pending")
    first, second = (VerificationAttempt.objects.get(pk=attempt_id) for _ in range(2))
    assert type(first.history) is type(second.history)
    assert isinstance(first.history, AttemptHistoryManager)
    # The instance's own history, newest first, as simple-history's manager gives it.
    assert [row.status for row in first.history.all()] == ["pending", "created"]
    assert first.history.most_recent().status == "pending"


def test_a_no_op_update_writes_no_history_row(attempt_id):
    api.update_verification_attempt(attempt_id, name="Ada Lovelace", status="created")
    assert VerificationAttempt.history.filter(id=attempt_id).count() == 1


def test_retirement_erases_names_but_keeps_the_verification(user, make_user):
    other = make_user()
    attempt_id = api.create_verification_attempt(user, "Ada", "approved")
    api.update_verification_attempt(attempt_id, name="Ada King")
    api.create_verification_attempt(other, "Grace", "approved")
    assert api.retire_user_verification_names(user) == 1
    assert api.get_verification_attempt(attempt_id).name == ""
    assert set(VerificationAttempt.history.filter(user_id=user.pk).values_list("name", flat=True)) == {""}
    assert VerificationAttempt.history.filter(user_id=other.pk).get().name == "Grace"
    assert api.is_user_verified(user) is True


# --- external_id set once by update ----------------------------------------------------------------


def test_update_sets_an_external_id_once_and_records_it_in_history(
    attempt_id, signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        api.update_verification_attempt(attempt_id, external_id="inq_1", reason="vendor reference")
    record = api.get_verification_attempt(attempt_id)
    assert record.external_id == "inq_1"
    assert api.get_verification_attempt_by_external_id("testprovider", "inq_1") == record
    assert (
        VerificationAttempt.history.filter(id=attempt_id).latest().history_change_reason == "vendor reference"
    )
    # Setting the same reference again is a no-op; no signal comes from a reference alone.
    api.update_verification_attempt(attempt_id, external_id="inq_1")
    assert VerificationAttempt.history.filter(id=attempt_id).count() == 2
    assert signals.events == []


def test_update_refuses_to_replace_or_clear_an_external_id(attempt_id):
    api.update_verification_attempt(attempt_id, external_id="inq_1")
    with pytest.raises(VerificationAttemptInvalidField, match="already has an external_id"):
        api.update_verification_attempt(attempt_id, external_id="inq_2", status="pending")
    with pytest.raises(VerificationAttemptInvalidField, match="cannot be cleared"):
        api.update_verification_attempt(attempt_id, external_id="")
    record = api.get_verification_attempt(attempt_id)
    assert (record.external_id, record.status) == ("inq_1", "created")


def test_update_with_another_attempt_s_external_id_is_rejected_and_changes_nothing(user, attempt_id):
    api.create_verification_attempt(user, "Ada", "created", provider="testprovider", external_id="inq_1")
    with pytest.raises(VerificationAttemptAlreadyExists, match="'testprovider' with external id 'inq_1'"):
        api.update_verification_attempt(attempt_id, external_id="inq_1", status="pending")
    record = api.get_verification_attempt(attempt_id)
    assert (record.external_id, record.status) == ("", "created")
