"""
Racing starts and racing webhooks on MariaDB, with the LMS's ``ATOMIC_REQUESTS`` off and on (issue 13).

The probe: 20 parallel Persona starts of one learner answered 8-10 times 500 and left 4-7 attempts and 14-15
inquiries; 20 parallel manual requests left 7-16 pending attempts; with ``ATOMIC_REQUESTS`` 20 parallel new
Persona events for one inquiry deadlocked (MySQL 1213) and answered 500. Each request here is a thread with
its own database connection, going through Django's whole handler (so ``ATOMIC_REQUESTS`` wraps the view
exactly as in the LMS); a barrier releases them together. No sleeps: only a broken lock makes a test wait,
and then the lock wait timeout fails it.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import responses
from django.db import connections
from django.test import Client

from idv_core import api
from idv_core.models import VerificationAttempt
from idv_persona.models import PersonaInquiry, PersonaWebhookEvent
from tests.providers.persona.conftest import API_ROOT, event_body, inquiry_object, signature_header

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
RACERS = 20


@pytest.fixture(params=[False, True], ids=["autocommit", "atomic_requests"])
def atomic_requests(request) -> Iterator[bool]:
    """Run the test with ``ATOMIC_REQUESTS`` off, then on (the LMS's setting), for every connection."""
    database = connections.settings["default"]
    before = database["ATOMIC_REQUESTS"]
    database["ATOMIC_REQUESTS"] = request.param
    yield request.param
    database["ATOMIC_REQUESTS"] = before


def race(count: int, request: Callable[[Client], Any], user) -> list[Any]:
    """``count`` clients logged in as ``user`` send ``request`` at once; return their responses."""
    clients = []
    for _ in range(count):
        client = Client()
        client.force_login(user)
        clients.append(client)
    barrier = threading.Barrier(count)

    def run(client: Client) -> Any:
        try:
            barrier.wait()
            return request(client)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, clients))


@pytest.fixture
def persona_inquiries() -> Iterator[list[str]]:
    """Persona's API (``responses``: process-wide, so every thread's calls); each create, a new inquiry."""
    created: list[str] = []
    numbers = itertools.count(1)
    lock = threading.Lock()

    def create(_request):
        with lock:
            inquiry_id = f"inq_race{next(numbers):06d}"
            created.append(inquiry_id)
        return 201, {}, json.dumps({"data": inquiry_object(inquiry_id)})

    def resume(request):
        inquiry_id = request.url.rsplit("/", 2)[-2]
        body = {"data": inquiry_object(inquiry_id, "pending"), "meta": {"session-token": "tok"}}
        return 200, {}, json.dumps(body)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, f"{API_ROOT}/inquiries", callback=create)
        mock.add_callback(
            responses.POST,
            re.compile(re.escape(f"{API_ROOT}/inquiries/") + r"[^/]+/resume$"),
            callback=resume,
        )
        yield created


def test_twenty_parallel_persona_starts_make_one_attempt_and_one_inquiry(
    atomic_requests, make_user, persona_inquiries
):
    learner = make_user()

    responses_ = race(RACERS, lambda client: client.post("/idv/persona/start"), learner)

    assert sorted({response.status_code for response in responses_}) == [302]
    [attempt] = VerificationAttempt.objects.filter(user=learner, provider="persona")
    assert persona_inquiries == [attempt.external_id]
    assert PersonaInquiry.objects.get(attempt_id=attempt.pk).inquiry_id == attempt.external_id
    # Every learner was sent to that one inquiry (one created it, the others resumed it).
    assert all(f"inquiry-id={attempt.external_id}" in response.url for response in responses_)


def test_twenty_parallel_manual_requests_make_one_pending_attempt(atomic_requests, make_user):
    learner = make_user()

    responses_ = race(
        RACERS, lambda client: client.post("/idv/manual/start", {"name": "Ada Lovelace"}), learner
    )

    assert sorted({response.status_code for response in responses_}) == [302]
    assert list(
        VerificationAttempt.objects.filter(user=learner, provider="manual").values_list("status", flat=True)
    ) == ["pending"]


def test_the_rate_limit_holds_between_racing_starts(atomic_requests, make_user, settings):
    """
    The test provider approves each attempt at once, so every start finds nothing open and would create
    one: with a limit of 3 an hour, 3 of 20 racing starts create an attempt, 17 get the 429 page.
    """
    settings.IDV_START_RATE_LIMIT = "3/h"
    learner = make_user()

    responses_ = race(
        RACERS,
        lambda client: client.post("/idv/testprovider/start", {"name": "Ada Lovelace", "phrase": "I am me"}),
        learner,
    )

    codes = sorted(response.status_code for response in responses_)
    assert codes == [302] * 3 + [429] * (RACERS - 3)
    assert VerificationAttempt.objects.filter(user=learner, provider="testprovider").count() == 3


def test_racing_pending_starts_with_the_test_provider_find_one_open_attempt(atomic_requests, make_user):
    learner = make_user()

    responses_ = race(
        RACERS,
        lambda client: client.post("/idv/testprovider/start", {"name": "Ada Lovelace", "phrase": "no"}),
        learner,
    )

    assert sorted({response.status_code for response in responses_}) == [302]
    assert list(VerificationAttempt.objects.filter(user=learner).values_list("status", flat=True)) == [
        "pending"
    ]


def test_twenty_parallel_new_persona_events_for_one_inquiry_never_answer_500(atomic_requests, user):
    inquiry_id = "inq_webhookrace000001"
    attempt_id = api.create_verification_attempt(
        user, "Ada Lovelace", "created", provider="persona", external_id=inquiry_id
    )
    names = ["inquiry.started", "inquiry.completed", "inquiry.marked-for-review", "inquiry.approved"]
    bodies = [
        event_body(
            names[number % len(names)],
            inquiry_id,
            event_id=f"evt_race{number:06d}",
            created_at=f"2026-01-01T10:00:{number:02d}.000Z",
            **{"name-first": "Ada", "name-last": "Lovelace"},
        )
        for number in range(RACERS)
    ]
    posts = iter(bodies)
    lock = threading.Lock()

    def post(client: Client):
        with lock:
            body = next(posts)
        return client.post(
            "/idv/persona/webhook",
            data=body,
            content_type="application/json",
            HTTP_PERSONA_SIGNATURE=signature_header(body),
        )

    responses_ = race(RACERS, post, user)

    assert [response.status_code for response in responses_] == [200] * RACERS
    assert PersonaWebhookEvent.objects.filter(inquiry_id=inquiry_id).count() == RACERS
    # The newest event (an approval) wins whatever the order they were applied in.
    assert api.get_verification_attempt(attempt_id).status == "approved"
