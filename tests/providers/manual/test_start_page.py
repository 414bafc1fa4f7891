"""The learner's start page: instructions, asking for a review once, and the review queue it feeds."""

from __future__ import annotations

import pytest
from django.test import Client

from idv_core import api
from idv_manual.models import PendingAttempt

pytestmark = pytest.mark.django_db
START = "/idv/manual/start"


def test_anonymous_learners_are_sent_to_log_in(client):
    response = client.get(START)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert client.post(START).status_code == 302
    assert PendingAttempt.objects.count() == 0


def test_page_shows_the_operator_s_instructions_as_paragraphs(client, user, settings):
    settings.IDV_MANUAL_INSTRUCTIONS = "Bring your passport to room 12.\n\nReviews take two days."
    client.force_login(user)
    page = client.get(START).content.decode()
    assert "<p>Bring your passport to room 12.</p>" in page
    assert "<p>Reviews take two days.</p>" in page
    assert 'data-testid="idv-manual-request"' in page
    assert f'value="{user.get_full_name()}"' in page


def test_asking_for_a_review_creates_one_pending_manual_attempt_and_queues_it(
    client, user, signals, django_capture_on_commit_callbacks
):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START, {"name": "  Ada King  "})
    assert response.status_code == 302
    [attempt] = api.get_verification_attempts(user)
    assert (attempt.provider, attempt.status, attempt.name) == ("manual", "pending", "Ada King")
    assert signals.types == ["created", "pending"]
    queued = PendingAttempt.objects.get()
    assert (queued.attempt_id, queued.learner_id, queued.provider) == (attempt.id, user.pk, "manual")
    page = client.get(START).content.decode()
    assert 'data-testid="idv-manual-pending"' in page
    assert 'data-testid="idv-manual-request"' not in page


def test_asking_twice_makes_no_second_pending_attempt(client, user):
    client.force_login(user)
    client.post(START, {"name": "Ada King"})
    second = client.post(START, {"name": "Ada King"})
    assert second.status_code == 302
    assert len(api.get_verification_attempts(user)) == 1


def test_a_blank_name_field_falls_back_to_the_user_s_full_name(client, user):
    client.force_login(user)
    client.post(START, {"name": ""})
    assert api.get_verification_attempts(user)[0].name == user.get_full_name()


def test_an_invalid_name_is_refused_with_the_core_s_message(client, make_user):
    learner = make_user(first_name="", last_name="")
    client.force_login(learner)
    response = client.post(START, {"name": "   "})
    assert response.status_code == 400
    assert "The name must not be blank." in response.content.decode()
    assert api.get_verification_attempts(learner) == []


def test_a_verified_learner_is_not_offered_and_cannot_ask_for_a_review(client, user):
    api.create_verification_attempt(user, "Ada", "approved", provider="testprovider")
    client.force_login(user)
    assert 'data-testid="idv-manual-request"' not in client.get(START).content.decode()
    client.post(START, {"name": "Ada"})
    assert len(api.get_verification_attempts(user)) == 1


def test_asking_for_a_review_needs_the_csrf_token(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(START, {"name": "Ada"}).status_code == 403
    assert api.get_verification_attempts(user) == []
    page = client.get(START)
    token = page.cookies["csrftoken"].value
    assert client.post(START, {"name": "Ada", "csrfmiddlewaretoken": token}).status_code == 302
    assert len(api.get_verification_attempts(user)) == 1
