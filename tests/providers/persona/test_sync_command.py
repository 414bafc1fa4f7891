"""``manage.py idv_persona_sync``: apply lost webhooks' statuses with the webhook's own rules."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import responses
from django.core.management import CommandError, call_command
from django.utils import timezone

from idv_core import api
from idv_persona.inquiries import link_inquiry
from idv_persona.models import PersonaInquiry

from .conftest import API_ROOT, event_body, inquiry_object

pytestmark = pytest.mark.django_db


def age(inquiry_id: str, minutes: int) -> None:
    PersonaInquiry.objects.filter(inquiry_id=inquiry_id).update(
        modified=timezone.now() - timedelta(minutes=minutes)
    )


def run(*args: str) -> str:
    out = StringIO()
    call_command("idv_persona_sync", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def stuck(persona_attempt):
    """A pending attempt whose inquiry row is two hours old."""
    attempt_id, inquiry_id = persona_attempt("pending")
    link_inquiry(inquiry_id, attempt_id, status="pending")
    age(inquiry_id, 120)
    return attempt_id, inquiry_id


def test_a_stuck_inquiry_gets_persona_s_status(
    stuck, persona_api, signals, django_capture_on_commit_callbacks
):
    attempt_id, inquiry_id = stuck
    persona_api.add(
        responses.GET,
        f"{API_ROOT}/inquiries/{inquiry_id}",
        json={"data": inquiry_object(inquiry_id, "approved", **{"name-first": "Ada", "name-last": "King"})},
    )
    with django_capture_on_commit_callbacks(execute=True):
        output = run("--older-than-minutes", "60")
    attempt = api.get_verification_attempt(attempt_id)
    assert (attempt.status, attempt.name) == ("approved", "Ada King")
    assert attempt.expiration_datetime is not None
    assert signals.types == ["approved"]
    assert "applied: 1" in output
    assert "Ada" not in output
    # A second run has nothing left to do: the inquiry is final.
    assert "nothing to do" in run("--older-than-minutes", "0")


def test_dry_run_changes_nothing(stuck, persona_api):
    attempt_id, inquiry_id = stuck
    persona_api.add(
        responses.GET,
        f"{API_ROOT}/inquiries/{inquiry_id}",
        json={"data": inquiry_object(inquiry_id, "declined")},
    )
    output = run("--dry-run")
    assert "'declined' (dry run, not applied)" in output
    assert api.get_verification_attempt(attempt_id).status == "pending"


def test_recent_inquiries_are_left_alone(stuck, persona_api):
    _attempt_id, inquiry_id = stuck
    age(inquiry_id, 5)
    assert "nothing to do" in run("--older-than-minutes", "60")
    assert len(persona_api.calls) == 0


def test_the_limit_caps_the_number_of_inquiries_fetched(persona_attempt, persona_api):
    for _ in range(3):
        attempt_id, inquiry_id = persona_attempt("pending")
        link_inquiry(inquiry_id, attempt_id, status="pending")
        age(inquiry_id, 120)
        persona_api.add(
            responses.GET,
            f"{API_ROOT}/inquiries/{inquiry_id}",
            json={"data": inquiry_object(inquiry_id, "failed")},
        )
    run("--limit", "2")
    assert len(persona_api.calls) == 2


def test_a_sync_result_makes_an_older_webhook_stale(stuck, persona_api, post_webhook):
    attempt_id, inquiry_id = stuck
    persona_api.add(
        responses.GET,
        f"{API_ROOT}/inquiries/{inquiry_id}",
        json={"data": inquiry_object(inquiry_id, "completed")},
    )
    run()
    # The lost "declined" event, created an hour before the sync, now arrives: the sync saw a newer state.
    old = (timezone.now() - timedelta(hours=1)).isoformat()
    assert post_webhook(event_body("inquiry.declined", inquiry_id, created_at=old)).json() == {
        "status": "stale"
    }
    assert api.get_verification_attempt(attempt_id).status == "pending"


def test_finished_attempts_and_persona_errors_are_reported_not_fatal(persona_attempt, stuck, persona_api):
    attempt_id, inquiry_id = stuck
    finished_id, finished_inquiry = persona_attempt("approved")
    link_inquiry(finished_inquiry, finished_id, status="pending")
    age(finished_inquiry, 120)
    persona_api.add(responses.GET, f"{API_ROOT}/inquiries/{inquiry_id}", status=500)
    output = run()
    assert "attempt finished: 1" in output
    assert "error: 1" in output
    assert api.get_verification_attempt(attempt_id).status == "pending"


def test_an_inquiry_row_whose_attempt_is_gone_is_counted(persona_api):
    PersonaInquiry.objects.create(inquiry_id="inq_orphan", attempt_id=999_999, status="pending")
    age("inq_orphan", 120)
    assert "no attempt: 1" in run()


def test_bad_options_are_refused():
    with pytest.raises(CommandError):
        run("--limit", "0")
