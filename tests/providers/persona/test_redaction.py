"""
Retirement at Persona: the retirement records the learner's inquiries to redact, in its own transaction,
and Persona is asked to redact them ("Redact an Inquiry", ``DELETE /inquiries/{id}``) only after it commits,
by a Celery task that retries while Persona is unavailable; ``idv_persona_sync`` sends what is left.
Persona's API is stood in by ``responses`` (the simulator's own redaction: test_simulator.py; both
together: tests/providers/test_retirement_audit.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
import responses
from celery import current_app
from django.core.management import call_command
from django.db import transaction

from idv_core import api
from idv_persona import client, tasks
from idv_persona.models import PersonaRedaction, PersonaWebhookEvent
from idv_persona.redaction import redact_pending

from .conftest import API_ROOT, event_body, inquiry_object

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_backoff(monkeypatch) -> None:
    """The client's own retries (``client.MAX_RETRIES``) without their waits."""
    monkeypatch.setattr(client, "BACKOFF_FACTOR", 0)


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Celery tasks run at once, in the test, as a worker would run them (retries included)."""
    conf = current_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager, conf.task_eager_propagates = True, False
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved


def _url(inquiry_id: str) -> str:
    return f"{API_ROOT}/inquiries/{inquiry_id}"


def _redacts(persona_api: responses.RequestsMock, inquiry_id: str, status: int = 200) -> None:
    redacted = inquiry_object(inquiry_id, "approved", **{"redacted-at": "2026-01-02T10:00:00.000Z"})
    body = {"data": redacted} if status < 400 else {"errors": [{"title": "Nope"}]}
    persona_api.add(responses.DELETE, _url(inquiry_id), json=body, status=status)


def _deletes(persona_api: responses.RequestsMock) -> list[str]:
    return [call.request.url for call in persona_api.calls if call.request.method == "DELETE"]


def _pending() -> list[str]:
    return list(
        PersonaRedaction.objects.filter(redacted_at__isnull=True).values_list("inquiry_id", flat=True)
    )


def test_the_inquiries_are_redacted_at_persona_only_after_the_retirement_commits(
    user, make_user, persona_attempt, persona_api, eager_tasks, django_capture_on_commit_callbacks
):
    first = persona_attempt("approved")[1]
    second = persona_attempt("denied")[1]
    other = persona_attempt("approved", owner=make_user())[1]
    api.create_verification_attempt(user, "Ada Lovelace", "approved", provider="manual")
    for inquiry_id in (first, second):
        _redacts(persona_api, inquiry_id)

    with django_capture_on_commit_callbacks() as after_commit:
        api.retire_user_verification_names(user)
    # Within the retirement's transaction: ids recorded, nothing sent yet.
    assert _deletes(persona_api) == []
    assert sorted(_pending()) == sorted([first, second])
    for callback in after_commit:
        callback()

    assert sorted(_deletes(persona_api)) == sorted([_url(first), _url(second)])
    assert _pending() == []
    rows = PersonaRedaction.objects.order_by("inquiry_id")
    assert [(row.tries, row.last_error) for row in rows] == [(1, ""), (1, "")]
    assert not PersonaRedaction.objects.filter(inquiry_id=other).exists()
    assert str(rows[0]) == f"{rows[0].inquiry_id} (redacted)"


def test_a_retirement_rolled_back_asks_persona_for_nothing(
    user, persona_attempt, persona_api, eager_tasks, django_capture_on_commit_callbacks
):
    persona_attempt("approved")

    def retire_then_fail() -> None:
        with transaction.atomic():
            api.retire_user_verification_names(user)
            raise RuntimeError("a later retirement step failed")

    with django_capture_on_commit_callbacks(execute=True) as after_commit, pytest.raises(RuntimeError):
        retire_then_fail()
    assert after_commit == []
    assert not PersonaRedaction.objects.exists()
    assert _deletes(persona_api) == []


def test_persona_down_then_up_the_task_retries_then_the_sync_command_redacts(
    user, persona_attempt, persona_api, eager_tasks, no_backoff, django_capture_on_commit_callbacks
):
    attempt_id, inquiry_id = persona_attempt("approved")
    persona_api.add(responses.DELETE, _url(inquiry_id), json={"errors": []}, status=503)

    with django_capture_on_commit_callbacks(execute=True):
        api.retire_user_verification_names(user)

    # The retirement is done; Persona's redaction waits, tried by each task run (each with the client's
    # own retries).
    assert api.get_verification_attempt(attempt_id).name == ""
    assert len(_deletes(persona_api)) == (tasks.MAX_RETRIES + 1) * (client.MAX_RETRIES + 1)
    row = PersonaRedaction.objects.get(inquiry_id=inquiry_id)
    assert (row.redacted_at, row.tries, row.last_error) == (
        None,
        tasks.MAX_RETRIES + 1,
        "Persona answered 503.",
    )
    assert str(row) == f"{inquiry_id} (pending)"

    persona_api.replace(responses.DELETE, _url(inquiry_id), json={"data": inquiry_object(inquiry_id)})
    out = StringIO()
    call_command("idv_persona_sync", stdout=out)

    assert "Persona redactions: 1 redacted, 0 failed, 0 still pending." in out.getvalue()
    assert _pending() == []


def test_the_task_retries_later_while_persona_is_unavailable(
    persona_attempt, persona_api, no_backoff, monkeypatch
):
    inquiry_id = persona_attempt("approved")[1]
    PersonaRedaction.objects.create(inquiry_id=inquiry_id)
    persona_api.add(responses.DELETE, _url(inquiry_id), json={}, status=502)
    task = tasks.redact_persona_inquiries
    delays = []

    class Retry(Exception):
        pass

    def retry(*, countdown: int, max_retries: int) -> Exception:
        delays.append((countdown, max_retries))
        return Retry()

    monkeypatch.setattr(task, "retry", retry)
    for retries in (0, 1, 10, tasks.MAX_RETRIES - 1):
        task.push_request(retries=retries)
        try:
            with pytest.raises(Retry):
                task.run()
        finally:
            task.pop_request()
    task.push_request(retries=tasks.MAX_RETRIES)
    try:
        assert task.run() == {"redacted": 0, "failed": 1, "pending": 1, "unavailable": True}
    finally:
        task.pop_request()
    assert delays == [
        (60, tasks.MAX_RETRIES),
        (120, tasks.MAX_RETRIES),
        (tasks.MAX_RETRY_DELAY_SECONDS, tasks.MAX_RETRIES),
        (tasks.MAX_RETRY_DELAY_SECONDS, tasks.MAX_RETRIES),
    ]


def test_an_inquiry_persona_does_not_know_is_done_and_other_refusals_stay_pending(
    persona_attempt, persona_api
):
    gone, refused, fine = (persona_attempt("approved")[1] for _ in range(3))
    for inquiry_id in (gone, refused, fine):
        PersonaRedaction.objects.create(inquiry_id=inquiry_id)
    _redacts(persona_api, gone, status=404)
    _redacts(persona_api, refused, status=401)
    _redacts(persona_api, fine)

    run = redact_pending()

    assert (run.redacted, run.failed, run.pending, run.unavailable) == (2, 1, 1, False)
    assert _pending() == [refused]
    assert PersonaRedaction.objects.get(inquiry_id=refused).last_error == "Persona answered 401"
    err = StringIO()
    call_command("idv_persona_sync", stdout=StringIO(), stderr=err)
    assert "Persona redactions: 0 redacted, 1 failed, 1 still pending." in err.getvalue()


def test_persona_unavailable_stops_the_run_and_the_rest_waits(persona_attempt, persona_api, no_backoff):
    down, later = (persona_attempt("approved")[1] for _ in range(2))
    for inquiry_id in (down, later):
        PersonaRedaction.objects.create(inquiry_id=inquiry_id)
    _redacts(persona_api, down, status=503)

    run = redact_pending()

    assert (run.redacted, run.failed, run.pending, run.unavailable) == (0, 1, 2, True)
    assert set(_deletes(persona_api)) == {_url(down)}
    sent = len(_deletes(persona_api))
    out = StringIO()
    call_command("idv_persona_sync", "--dry-run", stdout=out)
    assert "Persona redactions pending: 2 (dry run, not sent)." in out.getvalue()
    assert len(_deletes(persona_api)) == sent


def test_without_a_broker_the_retirement_succeeds_and_the_redaction_waits(
    user, persona_attempt, persona_api, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    inquiry_id = persona_attempt("approved")[1]

    def no_broker() -> None:
        raise ConnectionRefusedError("no broker")

    monkeypatch.setattr(tasks.redact_persona_inquiries, "delay", no_broker)
    with django_capture_on_commit_callbacks(execute=True):
        api.retire_user_verification_names(user)

    assert _pending() == [inquiry_id]
    assert "idv_persona_sync will send the pending redactions" in caplog.text


def test_retiring_again_keeps_one_redaction_and_a_done_one_stays_done(
    user, persona_attempt, persona_api, eager_tasks, django_capture_on_commit_callbacks
):
    inquiry_id = persona_attempt("approved")[1]
    _redacts(persona_api, inquiry_id)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            api.retire_user_verification_names(user)
    assert PersonaRedaction.objects.filter(inquiry_id=inquiry_id, redacted_at__isnull=False).count() == 1
    assert len(_deletes(persona_api)) == 1


def test_a_late_approval_of_a_retired_learner_brings_no_name_back(
    user, persona_attempt, post_webhook, django_capture_on_commit_callbacks
):
    attempt_id, inquiry_id = persona_attempt("pending")
    with django_capture_on_commit_callbacks():  # the redaction is not sent here
        api.retire_user_verification_names(user)

    answer = post_webhook(
        event_body("inquiry.approved", inquiry_id, **{"name-first": "Ada", "name-last": "King"})
    )

    assert answer.json() == {"status": "applied"}
    attempt = api.get_verification_attempt(attempt_id)
    assert (attempt.status, attempt.name) == ("approved", "")


def test_the_inquiry_redacted_webhook_is_accepted_and_changes_nothing(persona_attempt, post_webhook):
    attempt_id, inquiry_id = persona_attempt("approved")
    body = event_body(
        "inquiry.redacted", inquiry_id, status="approved", **{"redacted-at": "2026-01-02T10:00:00.000Z"}
    )

    answer = post_webhook(body)

    assert (answer.status_code, answer.json()) == (200, {"status": "ignored"})
    assert api.get_verification_attempt(attempt_id).status == "approved"
    assert not PersonaWebhookEvent.objects.filter(inquiry_id=inquiry_id).exists()


def test_staff_see_the_redactions_read_only(client, make_user):
    PersonaRedaction.objects.create(inquiry_id="inq_AdminPending1")
    client.force_login(make_user(is_staff=True, is_superuser=True))
    page = client.get("/admin/idv_persona/personaredaction/", {"redacted_at__isnull": "True"})
    assert page.status_code == 200
    assert "inq_AdminPending1" in page.content.decode()
    assert client.get("/admin/idv_persona/personaredaction/add/").status_code == 403


def test_an_answer_that_is_not_an_inquiry_stays_pending_and_the_next_one_is_sent(
    persona_attempt, persona_api, no_backoff
):
    odd, fine, down = (persona_attempt("approved")[1] for _ in range(3))
    for inquiry_id in (odd, fine, down):
        PersonaRedaction.objects.create(inquiry_id=inquiry_id)
    persona_api.add(responses.DELETE, _url(odd), json={"data": {"type": "account"}})
    _redacts(persona_api, fine)
    _redacts(persona_api, down, status=503)

    err = StringIO()
    call_command("idv_persona_sync", stdout=StringIO(), stderr=err)

    assert _pending() == [odd, down]
    assert PersonaRedaction.objects.get(inquiry_id=odd).last_error == "Expected an inquiry object."
    assert (
        "Persona redactions: 1 redacted, 2 failed, 2 still pending. Persona is unavailable: the next run "
        "sends the rest." in err.getvalue()
    )
