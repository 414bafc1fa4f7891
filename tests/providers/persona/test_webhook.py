"""The webhook: signature first, then shape, then the status rules (duplicates, order, transitions)."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from idv_core import api
from idv_core.providers import get_provider_infos
from idv_persona.models import PersonaInquiry, PersonaWebhookEvent
from idv_persona.webhooks import MAX_BODY_BYTES, InvalidSignature, verify_signature

from .conftest import SECRET, WEBHOOK_URL, event_body, new_id, signature_header

pytestmark = pytest.mark.django_db


def status_of(attempt_id: int) -> str:
    return api.get_verification_attempt(attempt_id).status


# --- signature ---------------------------------------------------------------------------------------


def test_a_signed_approval_approves_with_the_verified_name_and_an_expiration(
    persona_attempt, post_webhook, signals, django_capture_on_commit_callbacks, settings
):
    settings.IDV_PERSONA = {**settings.IDV_PERSONA, "DAYS_GOOD_FOR": 30}
    attempt_id, inquiry_id = persona_attempt("pending")
    body = event_body(
        "inquiry.approved", inquiry_id, **{"name-first": "Ada", "name-middle": "King", "name-last": "Byron"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(body)
    assert response.status_code == 200
    assert response.json() == {"status": "applied"}
    attempt = api.get_verification_attempt(attempt_id)
    assert attempt.status == "approved"
    assert attempt.name == "Ada King Byron"
    expected = timezone.now() + timedelta(days=30)
    assert abs((attempt.expiration_datetime - expected).total_seconds()) < 60
    assert signals.types == ["approved"]


def test_an_approval_with_a_days_good_for_past_the_last_date_never_expires_rather_than_failing(
    persona_attempt, post_webhook, settings
):
    # manage.py check refuses it (persona.E006); set anyway, the webhook must not answer 500 forever.
    settings.IDV_PERSONA = {**settings.IDV_PERSONA, "DAYS_GOOD_FOR": 3_000_000}
    attempt_id, inquiry_id = persona_attempt("pending")
    assert post_webhook(event_body("inquiry.approved", inquiry_id)).status_code == 200
    attempt = api.get_verification_attempt(attempt_id)
    assert (attempt.status, attempt.expiration_datetime) == ("approved", None)


def test_an_approval_without_a_verified_name_keeps_the_attempt_s_name(persona_attempt, post_webhook):
    attempt_id, inquiry_id = persona_attempt("pending")
    assert post_webhook(event_body("inquiry.approved", inquiry_id)).status_code == 200
    attempt = api.get_verification_attempt(attempt_id)
    assert (attempt.status, attempt.name) == ("approved", "Ada Lovelace")


def test_a_verified_name_with_control_characters_is_cleaned(persona_attempt, post_webhook):
    attempt_id, inquiry_id = persona_attempt("pending")
    body = event_body("inquiry.approved", inquiry_id, **{"name-first": "Ada\n\x00", "name-last": "\tByron"})
    assert post_webhook(body).status_code == 200
    assert api.get_verification_attempt(attempt_id).name == "Ada Byron"


@pytest.mark.parametrize(
    "signature",
    [
        "",  # no header
        "garbage",
        "t=,v1=",
        "v1=" + "0" * 64,  # no timestamp
        "t=notanumber,v1=" + "0" * 64,
        "t={now},v1=nothex",
        "t={now},v1=" + "0" * 64,  # well-formed, wrong
    ],
)
def test_a_missing_malformed_or_wrong_signature_is_refused_and_changes_nothing(
    signature, persona_attempt, post_webhook, signals, django_capture_on_commit_callbacks
):
    attempt_id, inquiry_id = persona_attempt("pending")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(
            event_body("inquiry.approved", inquiry_id), signature=signature.format(now=int(time.time()))
        )
    assert response.status_code == 401
    assert status_of(attempt_id) == "pending"
    assert signals.events == []
    assert not PersonaWebhookEvent.objects.exists()


def test_a_signature_over_another_body_is_refused(persona_attempt, post_webhook):
    attempt_id, inquiry_id = persona_attempt("pending")
    body = event_body("inquiry.approved", inquiry_id)
    other = event_body("inquiry.declined", inquiry_id)
    assert post_webhook(body, signature=signature_header(other)).status_code == 401
    assert status_of(attempt_id) == "pending"


def test_a_signature_with_another_secret_is_refused(persona_attempt, post_webhook):
    attempt_id, inquiry_id = persona_attempt("pending")
    body = event_body("inquiry.approved", inquiry_id)
    assert post_webhook(body, signature=signature_header(body, secret="wbhsec_other")).status_code == 401
    assert status_of(attempt_id) == "pending"


# Just past the 300 s tolerance: 302, since int(time.time()) already drops up to a second of the gap.
@pytest.mark.parametrize("offset", [-302, 302, -3600 * 24])
def test_a_timestamp_outside_the_tolerance_is_refused(offset, persona_attempt, post_webhook):
    attempt_id, inquiry_id = persona_attempt("pending")
    body = event_body("inquiry.approved", inquiry_id)
    stale = signature_header(body, timestamp=int(time.time()) + offset)
    assert post_webhook(body, signature=stale).status_code == 401
    assert status_of(attempt_id) == "pending"


def test_a_timestamp_inside_a_configured_tolerance_is_accepted(persona_attempt, post_webhook, settings):
    settings.IDV_PERSONA = {**settings.IDV_PERSONA, "SIGNATURE_TOLERANCE_SECONDS": 3600}
    attempt_id, inquiry_id = persona_attempt("pending")
    body = event_body("inquiry.approved", inquiry_id)
    assert (
        post_webhook(body, signature=signature_header(body, timestamp=int(time.time()) - 1800)).status_code
        == 200
    )
    assert status_of(attempt_id) == "approved"


def test_rotation_any_configured_secret_and_any_signature_group_is_accepted(
    persona_attempt, post_webhook, settings
):
    settings.IDV_PERSONA = {**settings.IDV_PERSONA, "WEBHOOK_SECRETS": ["wbhsec_new", "wbhsec_old"]}
    first_id, first_inquiry = persona_attempt("pending")
    # Persona signs with both secrets during a rotation: two groups, space-separated; the first is junk
    # for us (a secret we do not have), the second matches our old secret.
    body = event_body("inquiry.approved", first_inquiry)
    header = (
        f"{signature_header(body, secret='wbhsec_unknown')} {signature_header(body, secret='wbhsec_old')}"
    )
    assert post_webhook(body, signature=header).status_code == 200
    assert status_of(first_id) == "approved"
    # A body signed only with the new secret is accepted too.
    second_id, second_inquiry = persona_attempt("pending")
    body = event_body("inquiry.declined", second_inquiry)
    assert post_webhook(body, signature=signature_header(body, secret="wbhsec_new")).status_code == 200
    assert status_of(second_id) == "denied"


def test_with_no_secret_configured_every_webhook_is_refused(persona_attempt, post_webhook, settings):
    settings.IDV_PERSONA = {**settings.IDV_PERSONA, "WEBHOOK_SECRETS": []}
    attempt_id, inquiry_id = persona_attempt("pending")
    body = event_body("inquiry.approved", inquiry_id)
    assert post_webhook(body, signature=signature_header(body, secret="")).status_code == 401
    assert status_of(attempt_id) == "pending"


def test_the_signature_is_checked_before_the_body_is_parsed(post_webhook):
    # Unsigned garbage is a 401, not a 400: nothing is parsed before the signature is checked.
    assert post_webhook(b"{not json", signature="t=1,v1=00").status_code == 401
    assert post_webhook(b"{not json").status_code == 400


def test_verify_signature_accepts_upper_case_hex():
    body = b"{}"
    now = int(time.time())
    header = signature_header(body, timestamp=now).upper().replace("T=", "t=").replace("V1=", "v1=")
    verify_signature(header, body, [SECRET], tolerance=300, now=now)
    with pytest.raises(InvalidSignature, match="too long"):
        verify_signature("t=1," * 1000, body, [SECRET], tolerance=300)


# --- methods, sizes, shapes --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_other_methods_are_405(method, client):
    assert getattr(client, method)(WEBHOOK_URL).status_code == 405


def test_the_url_works_with_a_trailing_slash(persona_attempt, client):
    attempt_id, inquiry_id = persona_attempt("pending")
    body = event_body("inquiry.approved", inquiry_id)
    response = client.post(
        WEBHOOK_URL + "/",
        data=body,
        content_type="application/json",
        HTTP_PERSONA_SIGNATURE=signature_header(body),
    )
    assert response.status_code == 200
    assert status_of(attempt_id) == "approved"


def test_the_webhook_needs_no_csrf_token(persona_attempt):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    _attempt_id, inquiry_id = persona_attempt("pending")
    body = event_body("inquiry.approved", inquiry_id)
    response = csrf_client.post(
        WEBHOOK_URL, data=body, content_type="application/json", HTTP_PERSONA_SIGNATURE=signature_header(body)
    )
    assert response.status_code == 200


def test_a_body_over_the_limit_is_413_even_when_signed(persona_attempt, post_webhook):
    attempt_id, inquiry_id = persona_attempt("pending")
    event = json.loads(event_body("inquiry.approved", inquiry_id))
    event["padding"] = "x" * MAX_BODY_BYTES
    assert post_webhook(json.dumps(event).encode()).status_code == 413
    assert status_of(attempt_id) == "pending"


def test_a_body_at_the_limit_is_accepted(persona_attempt, post_webhook):
    attempt_id, inquiry_id = persona_attempt("pending")
    event = json.loads(event_body("inquiry.approved", inquiry_id))
    event["padding"] = ""
    event["padding"] = "x" * (MAX_BODY_BYTES - len(json.dumps(event).encode()))
    body = json.dumps(event).encode()
    assert len(body) == MAX_BODY_BYTES
    assert post_webhook(body).status_code == 200
    assert status_of(attempt_id) == "approved"


def test_a_body_larger_than_django_s_own_limit_is_413(post_webhook, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    assert post_webhook(b"x" * 200).status_code == 413


def envelope(**attributes) -> bytes:
    return json.dumps({"data": {"type": "event", "id": "evt_1", "attributes": attributes}}).encode()


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"\xff\xfe\x00garbage",
        b"[" * 100_000 + b"]" * 100_000,  # too deep for the parser
        b"[]",
        b'{"data": []}',
        b'{"data": {"type": "account", "id": "evt_1", "attributes": {"name": "inquiry.approved"}}}',
        b'{"data": {"type": "event", "id": 12, "attributes": {"name": "inquiry.approved"}}}',
        b'{"data": {"type": "event", "id": " evt_1", "attributes": {"name": "inquiry.approved"}}}',
        b'{"data": {"type": "event", "id": "evt_1", "attributes": []}}',
        b'{"data": {"type": "event", "id": "evt_1", "attributes": {"name": 5}}}',
        envelope(**{"name": "inquiry.approved", "created-at": 5}),
        envelope(**{"name": "x", "created-at": "yesterday"}),
        envelope(**{"name": "x", "created-at": "9999-12-31T23:59:59-23:59"}),  # overflows in UTC
        envelope(name="inquiry.approved"),  # no payload
        envelope(name="inquiry.approved", payload={"data": {"type": "inquiry", "id": None}}),
        envelope(
            name="inquiry.approved", payload={"data": {"type": "inquiry", "id": "inq_1", "attributes": 3}}
        ),
        envelope(
            name="inquiry.approved",
            payload={"data": {"type": "inquiry", "id": "inq_1", "attributes": {"name-first": 7}}},
        ),
        b'{"data": {"type": "event", "id": "evt_\\ud800", "attributes": {"name": "inquiry.approved"}}}',
        (
            '{"data": {"type": "event", "id": "'
            + "e" * 300
            + '", "attributes": {"name": "inquiry.approved"}}}'
        ).encode(),
    ],
)
def test_a_signed_but_malformed_body_is_400(body, post_webhook, persona_attempt):
    attempt_id, _inquiry_id = persona_attempt("pending")
    assert post_webhook(body).status_code == 400
    assert status_of(attempt_id) == "pending"


def test_an_unknown_event_type_is_acknowledged_and_ignored(persona_attempt, post_webhook, signals):
    attempt_id, inquiry_id = persona_attempt("pending")
    for name in ("inquiry.transitioned", "account.created", "report.run"):
        response = post_webhook(event_body(name, inquiry_id, status="approved"))
        assert response.status_code == 200
        assert response.json() == {"status": "ignored"}
    assert status_of(attempt_id) == "pending"
    assert signals.events == []
    assert not PersonaWebhookEvent.objects.exists()


def test_an_unknown_inquiry_is_404_so_persona_retries(post_webhook, persona_attempt):
    response = post_webhook(event_body("inquiry.approved", new_id("inq")))
    assert response.status_code == 404
    assert not PersonaWebhookEvent.objects.exists()
    # ...and the retry succeeds once the attempt exists.
    _attempt_id, inquiry_id = persona_attempt("pending")
    body = event_body("inquiry.approved", inquiry_id)
    assert post_webhook(body).status_code == 200


def test_inquiry_created_before_the_start_view_linked_it_is_acknowledged(
    post_webhook, persona_attempt, caplog
):
    # Persona sends inquiry.created while the start view has not stored the inquiry id yet: nothing to
    # apply (the start view records "created" itself), so no 404, no retry, no warning.
    inquiry_id = new_id("inq")
    # The registry's first load (when this test runs first) warns about the suite's deliberately broken
    # providers: not this webhook's doing.
    get_provider_infos()
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = post_webhook(event_body("inquiry.created", inquiry_id))
    assert response.status_code == 200
    assert response.json() == {"status": "ignored"}
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
    assert not PersonaWebhookEvent.objects.exists()
    # Any later event of an inquiry still unknown is a 404, so Persona retries it.
    assert post_webhook(event_body("inquiry.started", inquiry_id, status="pending")).status_code == 404
    # Once linked, the inquiry's events apply as usual.
    attempt_id, linked = persona_attempt("created", inquiry_id=inquiry_id)
    assert post_webhook(event_body("inquiry.started", linked, status="pending")).status_code == 200
    assert status_of(attempt_id) == "pending"


def test_an_inquiry_of_another_provider_is_unknown(post_webhook, user):
    inquiry_id = new_id("inq")
    attempt_id = api.create_verification_attempt(
        user, "Ada", "pending", provider="manual", external_id=inquiry_id
    )
    assert post_webhook(event_body("inquiry.approved", inquiry_id)).status_code == 404
    assert status_of(attempt_id) == "pending"


# --- the status rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ("inquiry.created", "created"),
        ("inquiry.started", "pending"),
        ("inquiry.completed", "pending"),
        ("inquiry.marked-for-review", "pending"),
        ("inquiry.approved", "approved"),
        ("inquiry.declined", "denied"),
        ("inquiry.failed", "denied"),
        ("inquiry.expired", "denied"),
    ],
)
def test_each_inquiry_event_maps_to_its_attempt_status(event, expected, persona_attempt, post_webhook):
    attempt_id, inquiry_id = persona_attempt("created")
    assert post_webhook(event_body(event, inquiry_id)).status_code == 200
    assert status_of(attempt_id) == expected


def test_a_redelivered_event_changes_nothing_and_sends_no_second_signal(
    persona_attempt, post_webhook, signals, django_capture_on_commit_callbacks
):
    attempt_id, inquiry_id = persona_attempt("pending")
    body = event_body("inquiry.approved", inquiry_id, event_id="evt_once")
    with django_capture_on_commit_callbacks(execute=True):
        first = post_webhook(body)
    # A staff member revokes the approval; a redelivery of the old approval must not re-approve.
    with django_capture_on_commit_callbacks(execute=True):
        api.update_verification_attempt(attempt_id, status="denied")
        second = post_webhook(body)
    assert (first.json(), second.json()) == ({"status": "applied"}, {"status": "duplicate"})
    assert status_of(attempt_id) == "denied"
    assert signals.types == ["approved", "denied"]
    assert PersonaWebhookEvent.objects.filter(event_id="evt_once").count() == 1


def test_an_older_event_arriving_after_a_newer_one_is_stale(
    persona_attempt, post_webhook, signals, django_capture_on_commit_callbacks
):
    attempt_id, inquiry_id = persona_attempt("created")
    with django_capture_on_commit_callbacks(execute=True):
        approved = post_webhook(event_body("inquiry.approved", inquiry_id, created_at="2026-01-01T10:05:00Z"))
        completed = post_webhook(
            event_body("inquiry.completed", inquiry_id, created_at="2026-01-01T10:03:00Z")
        )
        declined = post_webhook(event_body("inquiry.declined", inquiry_id, created_at="2026-01-01T10:04:00Z"))
    assert approved.json() == {"status": "applied"}
    assert completed.json() == {"status": "stale"}
    assert declined.json() == {"status": "stale"}
    assert status_of(attempt_id) == "approved"
    assert signals.types == ["approved"]
    assert set(PersonaWebhookEvent.objects.values_list("outcome", flat=True)) == {"applied", "stale"}


def test_a_newer_decline_after_an_approval_revokes_it(persona_attempt, post_webhook):
    attempt_id, inquiry_id = persona_attempt("pending")
    post_webhook(event_body("inquiry.approved", inquiry_id, created_at="2026-01-01T10:05:00Z"))
    response = post_webhook(event_body("inquiry.declined", inquiry_id, created_at="2026-01-01T11:00:00Z"))
    assert response.json() == {"status": "applied"}
    assert status_of(attempt_id) == "denied"


def test_a_backwards_transition_is_stale_not_an_error(persona_attempt, post_webhook, signals):
    # No created-at to order by: the core's transition rules decide (approved -> pending is refused).
    attempt_id, inquiry_id = persona_attempt("approved")
    body = json.loads(event_body("inquiry.completed", inquiry_id))
    del body["data"]["attributes"]["created-at"]
    response = post_webhook(json.dumps(body).encode())
    assert response.status_code == 200
    assert response.json() == {"status": "stale"}
    assert status_of(attempt_id) == "approved"
    assert signals.events == []


def test_nothing_follows_a_denial(persona_attempt, post_webhook):
    attempt_id, inquiry_id = persona_attempt("denied")
    response = post_webhook(event_body("inquiry.approved", inquiry_id))
    assert response.json() == {"status": "stale"}
    assert status_of(attempt_id) == "denied"


def test_the_same_status_again_is_unchanged_and_silent(
    persona_attempt, post_webhook, signals, django_capture_on_commit_callbacks
):
    _attempt_id, inquiry_id = persona_attempt("created")
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook(event_body("inquiry.started", inquiry_id, created_at="2026-01-01T10:00:00Z"))
        second = post_webhook(event_body("inquiry.completed", inquiry_id, created_at="2026-01-01T10:01:00Z"))
    assert second.json() == {"status": "unchanged"}
    assert signals.types == ["pending"]
    assert PersonaInquiry.objects.get(inquiry_id=inquiry_id).status == "completed"


def test_an_attempt_written_through_the_core_api_alone_is_found_and_linked(persona_attempt, post_webhook):
    # A migrating site backfills attempts with api.create_verification_attempt only: no inquiry row yet.
    attempt_id, inquiry_id = persona_attempt("pending")
    assert not PersonaInquiry.objects.filter(inquiry_id=inquiry_id).exists()
    assert post_webhook(event_body("inquiry.approved", inquiry_id)).status_code == 200
    assert status_of(attempt_id) == "approved"
    row = PersonaInquiry.objects.get(inquiry_id=inquiry_id)
    assert (row.attempt_id, row.status) == (attempt_id, "approved")


def test_the_webhook_works_while_the_provider_is_disabled(persona_attempt, post_webhook, settings):
    settings.IDV_ENABLED_PROVIDERS = ["testprovider"]
    attempt_id, inquiry_id = persona_attempt("pending")
    assert post_webhook(event_body("inquiry.approved", inquiry_id)).status_code == 200
    assert status_of(attempt_id) == "approved"


def test_no_name_reaches_the_logs(persona_attempt, post_webhook, caplog):
    attempt_id, inquiry_id = persona_attempt("pending")
    body = event_body("inquiry.approved", inquiry_id, **{"name-first": "Zebediah", "name-last": "Quuxworth"})
    with caplog.at_level(logging.DEBUG):
        post_webhook(body)
        post_webhook(body)  # duplicate
        post_webhook(event_body("inquiry.approved", new_id("inq"), **{"name-first": "Zebediah"}))  # 404
    assert status_of(attempt_id) == "approved"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert inquiry_id in logged
    for name in ("Zebediah", "Quuxworth", "Lovelace"):
        assert name not in logged


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_one_event_at_once_apply_once(persona_attempt, signals):
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("threads need a shared database (make test-integration runs this on MariaDB)")
    _attempt_id, inquiry_id = persona_attempt("pending")
    body = event_body("inquiry.approved", inquiry_id, event_id="evt_concurrent")
    header = signature_header(body)
    results = []
    barrier = threading.Barrier(4)

    def deliver():
        from django.test import Client

        barrier.wait()
        try:
            response = Client().post(
                WEBHOOK_URL, data=body, content_type="application/json", HTTP_PERSONA_SIGNATURE=header
            )
            results.append(response.json()["status"])
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["applied", "duplicate", "duplicate", "duplicate"]
    assert signals.types.count("approved") == 1


# --- the linked inquiry's path -----------------------------------------------------------------------


def test_an_event_of_a_linked_inquiry_whose_attempt_is_gone_is_unknown(persona_attempt, post_webhook, user):
    from idv_persona.inquiries import link_inquiry

    attempt_id, inquiry_id = persona_attempt("pending")
    link_inquiry(inquiry_id, attempt_id, status="pending")
    user.delete()  # the attempt goes with its learner; the inquiry's row (no foreign key) stays
    response = post_webhook(event_body("inquiry.approved", inquiry_id))
    assert (response.status_code, response.json()) == (404, {"error": "unknown inquiry"})
    # Not recorded: Persona's retry is processed, not taken for a duplicate.
    assert not PersonaWebhookEvent.objects.exists()


def test_a_webhook_of_a_linked_inquiry_reads_neither_the_attempt_nor_the_event_twice(
    persona_attempt, post_webhook, django_assert_num_queries
):
    from idv_persona.inquiries import link_inquiry

    attempt_id, inquiry_id = persona_attempt("created")
    link_inquiry(inquiry_id, attempt_id, status="created")
    # Inside the test's transaction (no BEGIN/COMMIT, no savepoint of the core's): lock the inquiry, look
    # for the event, lock the attempt, UPDATE it, its history row, the learner (for the event), UPDATE the
    # inquiry, INSERT the event. The attempt is neither looked up by the inquiry id nor read unlocked.
    with django_assert_num_queries(10):  # + the savepoint of the webhook's transaction and its release
        response = post_webhook(event_body("inquiry.started", inquiry_id, status="pending"))
    assert response.json() == {"status": "applied"}
    # Another report of the status it has: lock, event, the attempt's lock (unchanged), UPDATE the
    # inquiry, INSERT the event.
    with django_assert_num_queries(7):
        response = post_webhook(event_body("inquiry.completed", inquiry_id, status="completed"))
    assert response.json() == {"status": "unchanged"}
