"""Every status change sends exactly one openedx-events signal, complete, and only after commit."""

from datetime import UTC, datetime

import pytest
from django.db import transaction
from openedx_events.learning.data import VerificationAttemptData
from openedx_events.learning.signals import IDV_ATTEMPT_APPROVED, IDV_ATTEMPT_CREATED

from idv_core import api
from idv_core.models import VerificationAttempt

LATER = datetime(2031, 1, 2, tzinfo=UTC)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block's on-commit callbacks as a real commit would (the test's transaction never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.mark.django_db
def test_create_in_created_sends_only_created(user, signals, committed):
    with committed():
        api.create_verification_attempt(user, "Ada", "created")
    assert signals.types == ["created"]


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["pending", "approved", "denied"])
def test_create_in_another_status_sends_created_then_that_status(user, signals, committed, status):
    with committed():
        api.create_verification_attempt(user, "Ada", status)
    assert signals.types == ["created", status]
    assert [data.status for data in signals.payloads] == ["created", status]


@pytest.mark.django_db
def test_each_status_change_sends_one_signal_and_other_changes_none(user, signals, committed):
    attempt_id = api.create_verification_attempt(user, "Ada", "created")
    with committed():
        api.update_verification_attempt(attempt_id, status="pending")
        api.update_verification_attempt(attempt_id, name="Ada King", expiration_datetime=LATER)
        api.update_verification_attempt(attempt_id, hide_status_from_user=True)
        api.update_verification_attempt(attempt_id, status="pending")
        api.update_verification_attempt(attempt_id, status="approved")
        api.update_verification_attempt(attempt_id, status="denied")
    assert signals.types == ["pending", "approved", "denied"]


@pytest.mark.django_db
def test_payload_is_complete_and_carries_the_current_name(make_user, signals, committed):
    user = make_user(username="ada", email="ada@example.org", first_name="Ada", last_name="Lovelace")
    attempt_id = api.create_verification_attempt(user, "Augusta Ada King", "created", LATER)
    with committed():
        api.update_verification_attempt(attempt_id, status="approved")
    [data] = signals.payloads
    assert isinstance(data, VerificationAttemptData)
    assert data.attempt_id == attempt_id
    assert data.status == "approved"
    assert data.name == "Augusta Ada King"  # not changed by this call, still sent
    assert data.expiration_date == LATER
    assert (data.user.id, data.user.is_active) == (user.pk, True)
    assert (data.user.pii.username, data.user.pii.email, data.user.pii.name) == (
        "ada",
        "ada@example.org",
        "Ada Lovelace",
    )


@pytest.mark.django_db
def test_payload_prefers_the_lms_profile_name(make_user, signals, committed):
    user = make_user(first_name="", last_name="")
    user.profile = type("Profile", (), {"name": "Ada From Profile"})()
    with committed():
        api.create_verification_attempt(user, "Ada", "created")
    assert signals.payloads[0].user.pii.name == "Ada From Profile"


@pytest.mark.django_db
def test_each_signal_announces_its_own_status_even_when_sent_together(user, signals, committed):
    with committed():
        attempt_id = api.create_verification_attempt(user, "Ada", "created")
        api.update_verification_attempt(attempt_id, status="pending")
        api.update_verification_attempt(attempt_id, status="approved", expiration_datetime=LATER)
    assert [(t, d.status) for t, d in zip(signals.types, signals.payloads, strict=True)] == [
        ("created", "created"),
        ("pending", "pending"),
        ("approved", "approved"),
    ]
    # Built at the time of each change: the pending payload has no expiration yet.
    assert [d.expiration_date for d in signals.payloads] == [None, None, LATER]


@pytest.mark.django_db
def test_event_time_is_the_time_of_the_change(user, signals, committed):
    with committed():
        attempt_id = api.create_verification_attempt(user, "Ada", "created")
    modified = VerificationAttempt.objects.get(pk=attempt_id).modified
    [(_type, _data, metadata)] = signals.events
    assert metadata.time == modified


@pytest.mark.django_db
def test_nothing_is_sent_before_the_transaction_commits(user, signals, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        api.create_verification_attempt(user, "Ada", "approved")
    assert signals.events == []
    for callback in callbacks:
        callback()
    assert signals.types == ["created", "approved"]


@pytest.mark.django_db(transaction=True)
def test_signals_follow_a_real_commit(make_user, signals):
    user = make_user()
    with transaction.atomic():
        attempt_id = api.create_verification_attempt(user, "Ada", "created")
        api.update_verification_attempt(attempt_id, status="approved")
        assert signals.events == []
    assert signals.types == ["created", "approved"]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_sends_nothing(make_user, signals):
    user = make_user()
    attempt_id = api.create_verification_attempt(user, "Ada", "created")
    signals.events.clear()

    class Abort(Exception):
        pass

    def change_then_fail():
        with transaction.atomic():
            api.update_verification_attempt(attempt_id, status="approved")
            api.create_verification_attempt(user, "Ada", "denied")
            raise Abort

    with pytest.raises(Abort):
        change_then_fail()
    assert signals.events == []
    assert api.get_verification_attempt(attempt_id).status == "created"
    assert VerificationAttempt.objects.count() == 1


def _raise(**kwargs):
    raise RuntimeError("a downstream receiver is broken")


@pytest.mark.django_db(transaction=True)
def test_a_raising_receiver_neither_undoes_the_change_nor_stops_the_others(make_user, signals):
    user = make_user()
    IDV_ATTEMPT_CREATED.connect(_raise, dispatch_uid="raising")
    IDV_ATTEMPT_APPROVED.connect(_raise, dispatch_uid="raising")
    try:
        attempt_id = api.create_verification_attempt(user, "Ada", "approved")
    finally:
        IDV_ATTEMPT_CREATED.disconnect(dispatch_uid="raising")
        IDV_ATTEMPT_APPROVED.disconnect(dispatch_uid="raising")
    assert api.get_verification_attempt(attempt_id).status == "approved"
    assert signals.types == ["created", "approved"]


@pytest.mark.django_db(transaction=True)
def test_under_debug_a_raising_receiver_still_lets_the_next_signal_go(make_user, signals, settings, caplog):
    """openedx-events re-raises receiver errors under DEBUG; the change stays and the next signal goes."""
    settings.DEBUG = True
    user = make_user()
    IDV_ATTEMPT_CREATED.connect(_raise, dispatch_uid="raising", weak=False)
    try:
        attempt_id = api.create_verification_attempt(user, "Secret Name", "approved")
    finally:
        IDV_ATTEMPT_CREATED.disconnect(dispatch_uid="raising")
    assert VerificationAttempt.objects.get(pk=attempt_id).status == "approved"
    assert "approved" in signals.types
    assert (
        f"org.openedx.learning.idv_attempt.created.v1 for verification attempt {attempt_id} failed"
        in caplog.text
    )
    assert "Secret Name" not in caplog.text


@pytest.mark.django_db
def test_no_log_line_contains_the_verified_name(user, committed, caplog):
    caplog.set_level("DEBUG")
    with committed():
        attempt_id = api.create_verification_attempt(
            user, "Zebulon Quartermaine", "created", provider="persona"
        )
        api.update_verification_attempt(attempt_id, name="Zebulon Q. Quartermaine", status="approved")
    assert caplog.records
    assert "Zebulon" not in caplog.text


# --- commit order per attempt (docs/decisions/0006-events-in-commit-order.rst) -------------------------


@pytest.mark.django_db
def test_a_later_status_never_reaches_a_receiver_before_an_earlier_one(
    user, signals, django_capture_on_commit_callbacks
):
    """Approve commits, then revoke commits, but their after-commit callbacks run revoke first (the race)."""
    attempt_id = api.create_verification_attempt(user, "Ada", "pending")
    with django_capture_on_commit_callbacks() as approve:
        api.update_verification_attempt(attempt_id, status="approved")
    with django_capture_on_commit_callbacks() as revoke:
        api.update_verification_attempt(attempt_id, status="denied")
    for callback in [*revoke, *approve]:  # the interleaving the race produced, driven explicitly
        callback()
    # The late "approved" is stale: sent after "denied" it would leave receivers with a revoked approval.
    assert signals.types == ["denied"]
    attempt = VerificationAttempt.objects.get(pk=attempt_id)
    assert (attempt.event_sequence, attempt.events_sent_sequence) == (4, 4)


@pytest.mark.django_db
def test_callbacks_in_commit_order_send_every_status(user, signals, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as create:
        attempt_id = api.create_verification_attempt(user, "Ada", "pending")
    with django_capture_on_commit_callbacks() as approve:
        api.update_verification_attempt(attempt_id, status="approved")
    with django_capture_on_commit_callbacks() as revoke:
        api.update_verification_attempt(attempt_id, status="denied")
    for callback in [*create, *approve, *revoke]:
        callback()
    assert signals.types == ["created", "pending", "approved", "denied"]
    assert VerificationAttempt.objects.get(pk=attempt_id).events_sent_sequence == 4


@pytest.mark.django_db
def test_a_change_that_enters_no_status_numbers_no_event(user, committed):
    with committed():
        attempt_id = api.create_verification_attempt(user, "Ada", "approved")
        api.update_verification_attempt(attempt_id, name="Ada King", hide_status_from_user=True)
        api.update_verification_attempt(attempt_id, status="approved")
    attempt = VerificationAttempt.objects.get(pk=attempt_id)
    assert (attempt.event_sequence, attempt.events_sent_sequence) == (2, 2)


@pytest.mark.django_db
def test_the_events_of_a_since_deleted_attempt_still_go_out(
    user, signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as create:
        attempt_id = api.create_verification_attempt(user, "Ada", "approved")
    VerificationAttempt.objects.filter(pk=attempt_id).delete()
    for callback in create:
        callback()
    assert signals.types == ["created", "approved"]
