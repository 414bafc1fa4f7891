"""``manage.py idv_persona_sync``: apply lost webhooks' statuses with the webhook's own rules."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import responses
from django.core.management import CommandError, call_command
from django.utils import timezone

from idv_core import api
from idv_core.models import VerificationAttempt
from idv_persona.inquiries import link_inquiry
from idv_persona.models import PersonaInquiry

from .conftest import API_ROOT, event_body, inquiry_object

pytestmark = pytest.mark.django_db


def age(inquiry_id: str, minutes: int) -> None:
    """Make the attempt of ``inquiry_id`` look unchanged for ``minutes``."""
    VerificationAttempt.objects.filter(provider="persona", external_id=inquiry_id).update(
        modified=timezone.now() - timedelta(minutes=minutes)
    )


def run(*args: str) -> str:
    out = StringIO()
    call_command("idv_persona_sync", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def stuck(persona_attempt):
    """A pending attempt, with its inquiry row, unchanged for two hours."""
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
    output = run("--limit", "2")
    assert len(persona_api.calls) == 2
    assert "Stopped at --limit 2" in output


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


def test_finished_attempts_are_left_alone_and_persona_errors_are_reported_not_fatal(
    persona_attempt, stuck, persona_api
):
    attempt_id, inquiry_id = stuck
    _finished_id, finished_inquiry = persona_attempt("approved")
    age(finished_inquiry, 120)
    persona_api.add(responses.GET, f"{API_ROOT}/inquiries/{inquiry_id}", status=500)
    output = run()
    assert "error: 1" in output
    assert [call.request.url for call in persona_api.calls] == [f"{API_ROOT}/inquiries/{inquiry_id}"] * 3
    assert api.get_verification_attempt(attempt_id).status == "pending"


def test_an_attempt_written_through_the_core_alone_is_synced_and_gets_its_inquiry_row(
    persona_attempt, persona_api
):
    # A site migrating from another Persona integration backfilled it; no webhook ever came.
    attempt_id, inquiry_id = persona_attempt("pending")
    age(inquiry_id, 120)
    assert not PersonaInquiry.objects.filter(inquiry_id=inquiry_id).exists()
    persona_api.add(
        responses.GET,
        f"{API_ROOT}/inquiries/{inquiry_id}",
        json={"data": inquiry_object(inquiry_id, "declined")},
    )
    assert "applied: 1" in run()
    assert api.get_verification_attempt(attempt_id).status == "denied"
    assert PersonaInquiry.objects.get(inquiry_id=inquiry_id).attempt_id == attempt_id


def test_an_attempt_without_an_inquiry_is_counted_and_not_fetched(user, persona_api):
    # The start view created it, then Persona was down: there is nothing to ask Persona about.
    attempt_id = api.create_verification_attempt(user, "Ada", "created", provider="persona")
    VerificationAttempt.objects.filter(pk=attempt_id).update(modified=timezone.now() - timedelta(hours=2))
    assert "no inquiry: 1" in run()
    assert len(persona_api.calls) == 0


def test_bad_options_are_refused():
    with pytest.raises(CommandError):
        run("--limit", "0")


@pytest.mark.parametrize("minutes", ["100000000000", str(10**20)])
def test_an_age_beyond_the_calendar_is_refused_with_a_clear_message(minutes, persona_api):
    with pytest.raises(CommandError, match=rf"--older-than-minutes {minutes} is out of range"):
        run("--older-than-minutes", minutes)
    assert len(persona_api.calls) == 0


def test_a_very_old_cutoff_still_runs(persona_api):
    # 1,000 years: far beyond any attempt, still a date; nothing is stuck that long.
    assert "nothing to do" in run("--older-than-minutes", str(1000 * 525600))
