"""The manual provider's admin: who sees it, recording a verification, deciding pending attempts in bulk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from idv_core import api
from idv_core.models import VerificationAttempt
from idv_manual.models import ManualReview, PendingAttempt

pytestmark = pytest.mark.django_db

REVIEWS = "/admin/idv_manual/manualreview/"
QUEUE = "/admin/idv_manual/pendingattempt/"


def _pending(learner, provider="testprovider", capture=None) -> int:
    """A pending attempt of ``provider``, queued by the IDV_ATTEMPT_PENDING event."""
    with capture(execute=True):
        return api.create_verification_attempt(learner, "Grace Hopper", "pending", provider=provider)


# --- who sees it ----------------------------------------------------------------------------------------


def test_staff_without_the_permission_see_nothing_of_the_app(client, staff_user):
    client.force_login(staff_user)
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "Identity verification: manual" not in index.content.decode()
    assert "/admin/idv_manual/" not in index.content.decode()
    for url in (REVIEWS, REVIEWS + "add/", QUEUE, "/admin/idv_manual/"):
        assert client.get(url).status_code in (403, 404), url
    assert client.post(REVIEWS + "add/", {"user": "x"}).status_code == 403


def test_reviewers_see_the_reviews_and_the_queue(reviewer_client):
    index = reviewer_client.get("/admin/").content.decode()
    assert "Identity verification: manual" in index
    assert REVIEWS in index
    assert QUEUE in index
    assert reviewer_client.get(REVIEWS).status_code == 200
    assert reviewer_client.get(REVIEWS + "add/").status_code == 200
    assert reviewer_client.get(QUEUE).status_code == 200


def test_superusers_are_reviewers(client, make_user):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    assert client.get(QUEUE).status_code == 200


# --- recording a verification ---------------------------------------------------------------------------


def test_add_form_creates_an_approved_manual_verification_with_its_review(
    reviewer_client, reviewer, user, signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(
            REVIEWS + "add/",
            {
                "user": user.email.upper(),
                "name": " Ada King ",
                "decision": "approved",
                "reason": "passport checked at the desk",
                "expiration_datetime_0": "2031-01-02",
                "expiration_datetime_1": "10:00:00",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    [attempt] = api.get_verification_attempts(user)
    assert (attempt.provider, attempt.status, attempt.name) == ("manual", "approved", "Ada King")
    assert attempt.expiration_datetime == datetime(2031, 1, 2, 10, 0, tzinfo=UTC)
    review = ManualReview.objects.get()
    assert (review.attempt_id, review.learner, review.reviewer) == (attempt.id, user, reviewer)
    assert (review.decision, review.reason) == ("approved", "passport checked at the desk")
    assert signals.types == ["created", "approved"]
    assert [data.attempt_id for data in signals.payloads] == [attempt.id, attempt.id]
    # The review's page shows the attempt's data, read through the core API.
    page = reviewer_client.get(f"{REVIEWS}{review.pk}/change/").content.decode()
    assert "Ada King" in page
    assert "manual" in page
    assert "approved" in page


def test_add_form_without_expiration_uses_the_site_default(reviewer_client, user, settings):
    settings.IDV_DAYS_GOOD_FOR = 10
    reviewer_client.post(REVIEWS + "add/", {"user": user.username, "name": "Ada", "decision": "approved"})
    [attempt] = api.get_verification_attempts(user)
    assert timedelta(days=9) < attempt.expiration_datetime - datetime.now(tz=UTC) <= timedelta(days=10)


def test_an_expiration_past_what_the_core_stores_is_a_form_error(reviewer_client, user):
    response = reviewer_client.post(
        REVIEWS + "add/",
        {
            "user": user.username,
            "name": "Ada",
            "decision": "approved",
            "expiration_datetime_0": "9999-12-31",
            "expiration_datetime_1": "23:00:00",
        },
    )
    assert response.status_code == 200
    assert "The expiration must be before 9999-12-31 00:00 (UTC)." in response.content.decode()
    assert api.get_verification_attempts(user) == []
    assert ManualReview.objects.count() == 0


def test_a_denial_without_a_reason_is_refused(reviewer_client, user, signals):
    response = reviewer_client.post(
        REVIEWS + "add/", {"user": user.username, "name": "Ada", "decision": "denied"}
    )
    assert response.status_code == 200
    assert "A denial needs a reason." in response.content.decode()
    assert api.get_verification_attempts(user) == []
    assert ManualReview.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"user": "nobody", "name": "Ada", "decision": "approved"},
            "No user has this username or email address.",
        ),
        ({"name": "Ada\tKing", "decision": "approved"}, "must not contain control characters"),
        ({"name": "\u202egniK adA", "decision": "approved"}, "invisible format characters"),
        (
            {
                "name": "Ada",
                "decision": "approved",
                "expiration_datetime_0": "2001-01-01",
                "expiration_datetime_1": "00:00",
            },
            "The expiration is in the past.",
        ),
        (
            {
                "name": "Ada",
                "decision": "denied",
                "reason": "fake",
                "expiration_datetime_0": "2040-01-01",
                "expiration_datetime_1": "00:00",
            },
            "Only an approval expires",
        ),
    ],
)
def test_add_form_refuses_bad_input_and_writes_nothing(reviewer_client, user, data, message):
    response = reviewer_client.post(REVIEWS + "add/", {"user": user.username, **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert api.get_verification_attempts(user) == []


def test_a_shared_email_is_refused_as_ambiguous(reviewer_client, make_user):
    make_user(email="twin@example.org")
    make_user(email="TWIN@example.org")
    response = reviewer_client.post(
        REVIEWS + "add/", {"user": "twin@example.org", "name": "A", "decision": "approved"}
    )
    assert "Several users have this email address" in response.content.decode()


def test_reviews_are_never_edited_or_deleted(reviewer_client, reviewer, user):
    reviewer_client.post(REVIEWS + "add/", {"user": user.username, "name": "Ada", "decision": "approved"})
    review = ManualReview.objects.get()
    reviewer_client.post(f"{REVIEWS}{review.pk}/change/", {"reason": "changed"})
    assert reviewer_client.post(f"{REVIEWS}{review.pk}/delete/", {"post": "yes"}).status_code == 403
    review.refresh_from_db()
    assert review.reason == ""


# --- the review queue and the bulk actions --------------------------------------------------------------


def test_pending_attempts_of_any_provider_are_queued_with_their_name(
    reviewer_client, make_user, django_capture_on_commit_callbacks
):
    first = _pending(make_user(), capture=django_capture_on_commit_callbacks)
    second = _pending(make_user(), provider="persona-ish", capture=django_capture_on_commit_callbacks)
    assert set(PendingAttempt.objects.values_list("attempt_id", flat=True)) == {first, second}
    page = reviewer_client.get(QUEUE).content.decode()
    assert "Grace Hopper" in page
    assert "testprovider" in page
    assert "persona-ish" in page


def test_the_queue_shows_a_bidi_override_of_an_old_row_as_a_marker(
    reviewer_client, user, django_capture_on_commit_callbacks
):
    attempt_id = _pending(user, capture=django_capture_on_commit_callbacks)
    # A row written before names refused bidi overrides (straight to the table: the API refuses it now).
    VerificationAttempt.objects.filter(pk=attempt_id).update(name="\u202erepooH ecarG")
    pages = [reviewer_client.get(QUEUE).content.decode()]
    pages.append(reviewer_client.get(f"{QUEUE}{PendingAttempt.objects.get().pk}/change/").content.decode())
    for page in pages:
        assert "[U+202E]repooH ecarG" in page
        assert "\u202e" not in page


def test_bulk_approval_of_another_provider_s_pending_attempts(
    reviewer_client, reviewer, make_user, signals, django_capture_on_commit_callbacks
):
    learners = [make_user(), make_user()]
    attempt_ids = [_pending(learner, capture=django_capture_on_commit_callbacks) for learner in learners]
    entries = [str(pk) for pk in PendingAttempt.objects.values_list("pk", flat=True)]
    signals.events.clear()

    # Choosing the action shows the reason page first; nothing changes yet.
    page = reviewer_client.post(
        QUEUE, {"action": "approve_selected", ACTION_CHECKBOX_NAME: entries, "index": "0"}
    )
    assert page.status_code == 200
    assert 'name="apply"' in page.content.decode()
    assert all(api.get_verification_attempt(i).status == "pending" for i in attempt_ids)

    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(
            QUEUE,
            {"action": "approve_selected", ACTION_CHECKBOX_NAME: entries, "apply": "yes", "reason": "ok"},
        )
    assert response.status_code == 302
    for attempt_id in attempt_ids:
        record = api.get_verification_attempt(attempt_id)
        assert (record.status, record.provider) == ("approved", "testprovider")
    reviews = ManualReview.objects.order_by("attempt_id")
    assert [(r.attempt_id, r.learner, r.reviewer, r.decision, r.reason) for r in reviews] == [
        (attempt_ids[0], learners[0], reviewer, "approved", "ok"),
        (attempt_ids[1], learners[1], reviewer, "approved", "ok"),
    ]
    assert signals.types == ["approved", "approved"]
    assert sorted(data.attempt_id for data in signals.payloads) == sorted(attempt_ids)
    assert PendingAttempt.objects.count() == 0


def test_bulk_denial_needs_a_reason_then_denies_each(
    reviewer_client, reviewer, user, signals, django_capture_on_commit_callbacks
):
    attempt_id = _pending(user, capture=django_capture_on_commit_callbacks)
    entry = str(PendingAttempt.objects.get().pk)
    signals.events.clear()
    refused = reviewer_client.post(
        QUEUE, {"action": "deny_selected", ACTION_CHECKBOX_NAME: [entry], "apply": "yes"}
    )
    assert refused.status_code == 200
    assert "A denial needs a reason." in refused.content.decode()
    assert api.get_verification_attempt(attempt_id).status == "pending"

    with django_capture_on_commit_callbacks(execute=True):
        reviewer_client.post(
            QUEUE,
            {
                "action": "deny_selected",
                ACTION_CHECKBOX_NAME: [entry],
                "apply": "yes",
                "reason": "blurry photo",
            },
        )
    assert api.get_verification_attempt(attempt_id).status == "denied"
    review = ManualReview.objects.get()
    assert (review.decision, review.reason, review.reviewer) == ("denied", "blurry photo", reviewer)
    assert signals.types == ["denied"]


def test_an_attempt_decided_meanwhile_is_reported_and_the_others_are_still_decided(
    reviewer_client, make_user, signals, django_capture_on_commit_callbacks
):
    decided_elsewhere = _pending(make_user(), capture=django_capture_on_commit_callbacks)
    still_pending = _pending(make_user(), capture=django_capture_on_commit_callbacks)
    entries = [str(pk) for pk in PendingAttempt.objects.values_list("pk", flat=True)]
    # Decided by someone else without the queue hearing of it (no on-commit callbacks run here).
    api.update_verification_attempt(decided_elsewhere, status="denied")
    signals.events.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = reviewer_client.post(
            QUEUE, {"action": "approve_selected", ACTION_CHECKBOX_NAME: entries, "apply": "yes"}, follow=True
        )
    page = response.content.decode()
    assert f"Verification attempt {decided_elsewhere} is &#x27;denied&#x27;" in page
    assert api.get_verification_attempt(decided_elsewhere).status == "denied"
    assert api.get_verification_attempt(still_pending).status == "approved"
    assert signals.types == ["approved"]
    assert PendingAttempt.objects.count() == 0


def test_searching_a_user_catches_up_with_pending_attempts_the_queue_missed(reviewer_client, user):
    # Created without running the on-commit callbacks: the queue never heard of it.
    attempt_id = api.create_verification_attempt(user, "Ada", "pending", provider="testprovider")
    assert PendingAttempt.objects.count() == 0
    page = reviewer_client.get(QUEUE, {"q": user.username}).content.decode()
    assert PendingAttempt.objects.get().attempt_id == attempt_id
    assert "testprovider" in page


def test_staff_without_the_permission_cannot_run_the_actions(
    client, staff_user, user, django_capture_on_commit_callbacks
):
    attempt_id = _pending(user, capture=django_capture_on_commit_callbacks)
    client.force_login(staff_user)
    entry = str(PendingAttempt.objects.get().pk)
    response = client.post(
        QUEUE, {"action": "approve_selected", ACTION_CHECKBOX_NAME: [entry], "apply": "yes"}
    )
    assert response.status_code == 403
    assert api.get_verification_attempt(attempt_id).status == "pending"
