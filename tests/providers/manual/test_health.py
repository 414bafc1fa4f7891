"""The manual provider's health: the learners waiting for a reviewer, and since when the oldest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from idv_manual.models import PendingAttempt
from idv_manual.provider import ManualProvider

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def queue(user, attempt_id: int, provider: str, since: datetime) -> None:
    PendingAttempt.objects.create(attempt_id=attempt_id, learner=user, provider=provider, pending_since=since)


def figures(now: datetime) -> dict[str, float | int | None]:
    return {figure.name: figure.value for figure in ManualProvider.get_instance().health(now)}


def test_an_empty_queue_is_zero_pending_and_no_age():
    assert figures(NOW) == {
        "idv.manual.pending_reviews": 0,
        "idv.manual.oldest_pending_age_seconds": None,
    }


def test_pending_manual_reviews_and_the_oldest_one_s_age(user):
    queue(user, 1, "manual", NOW - timedelta(hours=2, seconds=5))
    queue(user, 2, "manual", NOW - timedelta(minutes=1))
    queue(user, 3, "persona", NOW - timedelta(days=3))  # waits for Persona, not for a reviewer
    assert figures(NOW) == {
        "idv.manual.pending_reviews": 2,
        "idv.manual.oldest_pending_age_seconds": 7205.0,
    }
    assert figures(NOW + timedelta(minutes=1))["idv.manual.oldest_pending_age_seconds"] == 7265.0


def test_a_learner_asking_for_a_review_is_counted(client, user, django_capture_on_commit_callbacks):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/idv/manual/start", {"name": "Ada King"}).status_code == 302
    assert figures(timezone.now())["idv.manual.pending_reviews"] == 1
