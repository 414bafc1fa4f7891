"""
Racing starts and racing webhooks on MariaDB, with the LMS's ``ATOMIC_REQUESTS`` off and on (issue 13).

The probe: 20 parallel Persona starts of one learner answered 8-10 times 500 and left 4-7 attempts and 14-15
inquiries; 20 parallel manual requests left 7-16 pending attempts; with ``ATOMIC_REQUESTS`` 20 parallel new
Persona events for one inquiry deadlocked (MySQL 1213) and answered 500 (here, under REPEATABLE READ, 19 of
20 answered 500: the link row another request committed was invisible to the request-wide snapshot). Each
request here is a thread with
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
from django.db import connection, connections, transaction
from django.test import Client

from idv_core import api
from idv_core.models import VerificationAttempt
from idv_persona.models import PersonaInquiry, PersonaWebhookEvent
from tests.providers.persona.conftest import API_ROOT, event_body, inquiry_object, signature_header

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
RACERS = 20
#: Generous: only a broken lock makes a test wait this long (it then fails instead of hanging).
DEADLOCK_GUARD_SECONDS = 60


@pytest.fixture(
    params=[(False, "read committed"), (True, "read committed"), (True, "repeatable read")],
    ids=["autocommit", "atomic_requests", "atomic_requests-repeatable_read"],
)
def atomic_requests(request) -> Iterator[bool]:
    """
    Run the test with ``ATOMIC_REQUESTS`` off, then on (the LMS's setting), for every connection the
    threads open; on, also under REPEATABLE READ (MySQL's own default, which an operator may configure):
    there a request's first read fixes its snapshot, so a view inside one request-wide transaction would
    not see what a racing request committed after that.
    """
    database = connections.settings["default"]
    before = database["ATOMIC_REQUESTS"], database["OPTIONS"].get("isolation_level")
    database["ATOMIC_REQUESTS"], database["OPTIONS"]["isolation_level"] = request.param
    yield request.param[0]
    database["ATOMIC_REQUESTS"], database["OPTIONS"]["isolation_level"] = before


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


def test_events_piled_up_behind_an_uncommitted_link_do_not_deadlock(atomic_requests, user):
    """
    The interleaving behind the probe's deadlocks, forced: the inquiry's link row is inserted by a
    transaction that has not committed yet, and three webhook deliveries pile up behind it, each inserting
    the link too (INSERT IGNORE). When it commits, each holds a shared lock on the duplicate; inside one
    request-wide transaction (ATOMIC_REQUESTS) each then asks for the row's exclusive lock: a deadlock
    (MySQL 1213, a 500). In the webhook's own short transactions the shared locks end with each statement.
    A delivery now first asks for the linked row's lock (the start view links the inquiry before Persona
    sends anything): behind an uncommitted link it waits there, or at the INSERT IGNORE when it found none.
    """
    inquiry_id = "inq_pileup0000000001"
    attempt_id = api.create_verification_attempt(
        user, "Ada Lovelace", "created", provider="persona", external_id=inquiry_id
    )
    bodies = iter(
        event_body("inquiry.started", inquiry_id, event_id=f"evt_pileup{number}", status="pending")
        for number in range(3)
    )
    lock = threading.Lock()
    holder_ready, release = threading.Event(), threading.Event()

    def hold_the_link_uncommitted() -> None:
        try:
            with transaction.atomic():
                PersonaInquiry.objects.create(inquiry_id=inquiry_id, attempt_id=attempt_id)
                holder_ready.set()
                assert release.wait(DEADLOCK_GUARD_SECONDS)
        finally:
            connections.close_all()

    def post(client: Client):
        with lock:
            body = next(bodies)
        return client.post(
            "/idv/persona/webhook",
            data=body,
            content_type="application/json",
            HTTP_PERSONA_SIGNATURE=signature_header(body),
        )

    at_the_link = threading.Semaphore(0)

    def signal_at_the_link(execute, sql, params, many, context):
        inserts = sql.startswith("INSERT IGNORE INTO `idv_persona_personainquiry`")
        locks = "FROM `idv_persona_personainquiry`" in sql and sql.endswith("FOR UPDATE")
        if inserts or locks:
            at_the_link.release()
        return execute(sql, params, many, context)

    holder = threading.Thread(target=hold_the_link_uncommitted)
    holder.start()
    assert holder_ready.wait(DEADLOCK_GUARD_SECONDS)
    clients = []
    for _ in range(3):
        client = Client()
        client.force_login(user)
        clients.append(client)
    with ThreadPoolExecutor(max_workers=3) as pool:

        def deliver(client: Client):
            try:
                with connection.execute_wrapper(signal_at_the_link):
                    return post(client)
            finally:
                connections.close_all()

        futures = [pool.submit(deliver, client) for client in clients]
        # Commit the link once the three deliveries are at its lock or INSERT IGNORE (blocked behind it).
        for _ in range(3):
            assert at_the_link.acquire(timeout=DEADLOCK_GUARD_SECONDS)
        release.set()
        holder.join()
        responses_ = [future.result() for future in futures]

    assert [response.status_code for response in responses_] == [200] * 3
    assert PersonaWebhookEvent.objects.filter(inquiry_id=inquiry_id).count() == 3
    assert api.get_verification_attempt(attempt_id).status == "pending"


def _start_then_fail(user) -> None:
    with api.start_lock(user, provider="persona"):
        api.get_or_create_open_attempt(user, "Ada", provider="persona")
        raise RuntimeError("the vendor call failed")


def test_a_failure_inside_the_start_lock_leaves_no_attempt_and_sends_nothing(user, signals):
    """On a database that locks rows, the start lock's block is one transaction."""
    with pytest.raises(RuntimeError):
        _start_then_fail(user)
    assert not VerificationAttempt.objects.filter(user=user).exists()
    assert signals.types == []
