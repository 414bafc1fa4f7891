"""
The local Persona simulator on its own: its REST API, its hosted flow, and its signed webhook deliveries
(retries, duplicates, out of order), its fault injection, and its refusal of non-local webhook URLs.

Deliveries go to a real HTTP server on 127.0.0.1 (``receiver``), and the signatures are checked here,
from Persona's documentation, without the simulator's or the provider's code.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import socket
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.checks import run_checks
from django.test import Client, override_settings

from idv_persona_simulator import control, flow
from idv_persona_simulator.delivery import DeliveryTimeout, WebhookDispatcher, WebhookURLRefused
from idv_persona_simulator.models import SimulatedEvent, SimulatedInquiry
from idv_persona_simulator.signing import signature_header

API_KEY = "sim_test_api_key"
SECRET = "wbhsec_simulator_test_secret"
API = "/persona-simulator/api/v1"
VERIFY = "/persona-simulator/verify"
RETURN = "http://testserver/idv/persona/return"
SIM = {
    "API_KEY": API_KEY,
    "WEBHOOK_URL": "",
    "WEBHOOK_SECRET": SECRET,
    "WEBHOOK_TIMEOUT_SECONDS": 5,
    "WEBHOOK_MAX_ATTEMPTS": 4,
    "WEBHOOK_RETRY_BACKOFF_SECONDS": 0.02,
}


@dataclass
class Delivery:
    """One webhook request the receiver got."""

    headers: dict[str, str]
    body: bytes

    @property
    def document(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def event_name(self) -> str:
        return self.document["data"]["attributes"]["name"]

    @property
    def event_id(self) -> str:
        return self.document["data"]["id"]


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: records each request, answers the queued statuses (then 200)."""

    server: ThreadingHTTPServer
    deliveries: list[Delivery] = field(default_factory=list)
    answers: deque[int] = field(default_factory=deque)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/webhook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A running webhook receiver, and the simulator configured to send to it."""
    holder: dict[str, Receiver] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state = holder["receiver"]
            state.deliveries.append(Delivery(dict(self.headers.items()), body))
            self.send_response(state.answers.popleft() if state.answers else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    holder["receiver"] = state = Receiver(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with override_settings(IDV_PERSONA_SIMULATOR={**SIM, "WEBHOOK_URL": state.url}):
            yield state
            control.flush(10)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def clean_simulator() -> Iterator[None]:
    """Every test starts and ends with no faults, automatic delivery on and no queued delivery."""
    control.reset()
    with override_settings(IDV_PERSONA_SIMULATOR=SIM):
        yield
    control.reset()


def _api(client: Client, method: str, path: str, body: Any = None, key: str | None = API_KEY, **headers: Any):
    if key is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    data = json.dumps(body) if body is not None else None
    return getattr(client, method)(f"{API}{path}", data=data, content_type="application/json", **headers)


def _create(client: Client, **attributes: Any) -> dict[str, Any]:
    attributes = {"inquiry-template-id": "itmpl_Test", "reference-id": "attempt-1", **attributes}
    response = _api(client, "post", "/inquiries", {"data": {"attributes": attributes}})
    assert response.status_code == 201, response.content
    return response.json()["data"]


def _verify_signature(header: str, body: bytes, secret: str) -> list[int]:
    """Persona's documented check, written here from the docs: the timestamps whose v1 matches."""
    matching = []
    for pair in header.split(" "):
        values = dict(item.split("=", 1) for item in pair.split(","))
        expected = hmac.new(secret.encode(), f"{values['t']}.".encode() + body, hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, values["v1"]):
            matching.append(int(values["t"]))
    return matching


def _open_flow(client: Client, inquiry_id: str, **params: str):
    return client.get(VERIFY, {"inquiry-id": inquiry_id, "redirect-uri": RETURN, **params})


def _submit(client: Client, inquiry_id: str, choice: str, token: str, **names: str):
    form = {
        "inquiry-id": inquiry_id,
        "redirect-uri": RETURN,
        "session-token": token,
        "choice": choice,
        "name-first": names.get("first", "Ada"),
        "name-last": names.get("last", "Lovelace"),
    }
    return client.post(VERIFY, form)


def _run_flow(client: Client, choice: str, **names: str) -> tuple[str, Any]:
    """Create an inquiry, open its flow, make the choice; return the inquiry id and the POST response."""
    inquiry_id = _create(client)["id"]
    page = _open_flow(client, inquiry_id)
    assert page.status_code == 200
    return inquiry_id, _submit(client, inquiry_id, choice, page.context["session_token"], **names)


# --- REST API -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_returns_the_inquiry_object_in_persona_shape(client: Client) -> None:
    data = _create(client, fields={"name-first": "Ada", "name-last": {"type": "string", "value": "Lovelace"}})
    assert data["type"] == "inquiry"
    assert data["id"].startswith("inq_")
    attributes = data["attributes"]
    assert attributes["status"] == "created"
    assert attributes["reference-id"] == "attempt-1"
    assert (attributes["name-first"], attributes["name-middle"], attributes["name-last"]) == (
        None,
        None,
        None,
    )
    assert attributes["created-at"].endswith("Z")
    assert "T" in attributes["created-at"]
    assert attributes["fields"]["name-last"] == {"type": "string", "value": "Lovelace"}
    assert data["relationships"]["inquiry-template"]["data"]["id"] == "itmpl_Test"
    assert [event.name for event in control.events(data["id"])] == ["inquiry.created"]


@pytest.mark.django_db
def test_retrieve_returns_the_current_inquiry_and_404_for_an_unknown_one(client: Client) -> None:
    inquiry_id = _create(client)["id"]
    response = _api(client, "get", f"/inquiries/{inquiry_id}", HTTP_PERSONA_VERSION="2023-01-05")
    assert response.status_code == 200
    assert response.json()["data"]["id"] == inquiry_id
    missing = _api(client, "get", "/inquiries/inq_missing")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["title"] == "Record not found"


@pytest.mark.django_db
@pytest.mark.parametrize("key", [None, "wrong-key", ""])
def test_api_refuses_requests_without_the_right_bearer_key(client: Client, key: str | None) -> None:
    response = _api(
        client, "post", "/inquiries", {"data": {"attributes": {"inquiry-template-id": "itmpl_X"}}}, key=key
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["title"]
    assert not SimulatedInquiry.objects.exists()


@pytest.mark.django_db
def test_api_refuses_everyone_when_no_api_key_is_configured(client: Client) -> None:
    with override_settings(IDV_PERSONA_SIMULATOR={**SIM, "API_KEY": ""}):
        assert _api(client, "post", "/inquiries", {}, key="").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        "not json",
        {"data": {}},
        {"data": {"attributes": {"reference-id": "x"}}},
        {"data": {"attributes": {"inquiry-template-id": "tmpl_wrong"}}},
        {"data": {"attributes": {"inquiry-template-id": "itmpl_X", "fields": ["a"]}}},
    ],
)
def test_create_answers_400_to_a_malformed_request(client: Client, body: Any) -> None:
    if isinstance(body, str):
        response = client.post(
            f"{API}/inquiries",
            data=body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {API_KEY}",
        )
    else:
        response = _api(client, "post", "/inquiries", body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["title"] == "Bad Request"
    assert not SimulatedInquiry.objects.exists()


@pytest.mark.django_db
def test_api_answers_405_to_the_wrong_method(client: Client) -> None:
    response = _api(client, "get", "/inquiries")
    assert response.status_code == 405
    assert response["Allow"] == "POST"


@pytest.mark.django_db
def test_create_with_a_known_idempotency_key_returns_the_first_inquiry(client: Client) -> None:
    body = {"data": {"attributes": {"inquiry-template-id": "itmpl_X"}}}
    first = _api(client, "post", "/inquiries", body, HTTP_IDEMPOTENCY_KEY="key-1")
    again = _api(client, "post", "/inquiries", body, HTTP_IDEMPOTENCY_KEY="key-1")
    other = _api(client, "post", "/inquiries", body, HTTP_IDEMPOTENCY_KEY="key-2")
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert first.json()["data"]["id"] == again.json()["data"]["id"] != other.json()["data"]["id"]
    assert SimulatedInquiry.objects.count() == 2


@pytest.mark.django_db
def test_resume_returns_a_session_token_that_opens_a_pending_flow(client: Client) -> None:
    inquiry_id = _create(client)["id"]
    _open_flow(client, inquiry_id)  # started: pending, and this browser has a session
    resumed = _api(client, "post", f"/inquiries/{inquiry_id}/resume")
    assert resumed.status_code == 200
    token = resumed.json()["meta"]["session-token"]
    assert resumed.json()["data"]["attributes"]["status"] == "pending"

    other_browser = Client()
    assert _open_flow(other_browser, inquiry_id).status_code == 403  # Persona: "Session expired"
    page = _open_flow(other_browser, inquiry_id, **{"session-token": token})
    assert page.status_code == 200
    assert page.context["session_token"] == token
    assert _open_flow(other_browser, inquiry_id).status_code == 200  # the session now lives in a cookie


@pytest.mark.django_db
def test_resume_makes_an_expired_inquiry_pending_and_refuses_a_finished_one(client: Client) -> None:
    expired_id, _ = _run_flow(client, "abandon")
    resumed = _api(client, "post", f"/inquiries/{expired_id}/resume")
    assert resumed.status_code == 200
    assert resumed.json()["data"]["attributes"]["status"] == "pending"
    assert resumed.json()["data"]["attributes"]["expired-at"] is None

    approved_id, _ = _run_flow(client, "approve")
    refused = _api(client, "post", f"/inquiries/{approved_id}/resume")
    assert refused.status_code == 409
    assert "approved" in refused.json()["errors"][0]["details"]
    assert _api(client, "post", "/inquiries/inq_missing/resume").status_code == 404


# --- Hosted flow ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_opening_the_flow_starts_the_inquiry_and_prefills_the_name(client: Client) -> None:
    inquiry_id = _create(client, fields={"name-first": "Grace", "name-last": "Hopper"})["id"]
    page = _open_flow(client, inquiry_id)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="Grace"' in html
    assert 'value="Hopper"' in html
    assert 'data-testid="persona-sim-approve"' in html
    inquiry = SimulatedInquiry.objects.get(pk=inquiry_id)
    assert inquiry.status == "pending"
    assert inquiry.started_at is not None
    assert [event.name for event in control.events(inquiry_id)] == ["inquiry.created", "inquiry.started"]
    assert page.cookies[f"persona_sim_session_{inquiry_id}"].value == page.context["session_token"]


@pytest.mark.django_db
def test_the_pages_buttons_submit_each_choice(client: Client) -> None:
    html = _open_flow(client, _create(client)["id"]).content.decode()
    buttons = dict(re.findall(r'name="choice" value="([a-z_]*)" data-testid="persona-sim-([a-z-]+)"', html))
    assert buttons == {
        "approve": "approve",
        "decline": "decline",
        "needs_review": "needs-review",
        "fail": "fail",
        "abandon": "abandon",
    }


@pytest.mark.django_db
def test_the_name_is_prefilled_with_a_sample_when_the_host_sent_none(client: Client) -> None:
    page = _open_flow(client, _create(client)["id"])
    assert (page.context["name_first"], page.context["name_last"]) == ("Jane", "Doe")


@pytest.mark.django_db
def test_approving_redirects_back_and_records_the_verified_name_and_events(client: Client) -> None:
    inquiry_id, response = _run_flow(client, "approve", first="Ada", last="Byron")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == RETURN
    assert parse_qs(location.query) == {
        "inquiry-id": [inquiry_id],
        "status": ["approved"],
        "reference-id": ["attempt-1"],
    }

    inquiry = SimulatedInquiry.objects.get(pk=inquiry_id)
    assert (inquiry.status, inquiry.name_first, inquiry.name_last) == ("approved", "Ada", "Byron")
    assert inquiry.completed_at is not None
    assert inquiry.decisioned_at is not None
    events = control.events(inquiry_id)
    assert [event.name for event in events] == [
        "inquiry.created",
        "inquiry.started",
        "inquiry.completed",
        "inquiry.approved",
    ]
    times = [event.payload["attributes"] for event in events]
    assert [attributes["status"] for attributes in times] == ["created", "pending", "completed", "approved"]
    created_at = [event.created_at for event in events]
    assert created_at == sorted(created_at)
    assert len(set(created_at)) == 4
    assert events[-1].payload["attributes"]["name-first"] == "Ada"
    retrieved = _api(client, "get", f"/inquiries/{inquiry_id}").json()["data"]["attributes"]
    assert (retrieved["status"], retrieved["name-first"], retrieved["name-last"]) == (
        "approved",
        "Ada",
        "Byron",
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("choice", "status", "names"),
    [
        ("decline", "declined", ["inquiry.completed", "inquiry.declined"]),
        ("needs_review", "needs_review", ["inquiry.completed", "inquiry.marked-for-review"]),
        ("fail", "failed", ["inquiry.failed"]),
        ("abandon", "expired", ["inquiry.expired"]),
    ],
)
def test_each_choice_sets_personas_status_and_events(
    client: Client, choice: str, status: str, names: list[str]
) -> None:
    inquiry_id, response = _run_flow(client, choice)
    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query)["status"] == [status]
    assert SimulatedInquiry.objects.get(pk=inquiry_id).status == status
    assert [event.name for event in control.events(inquiry_id)][2:] == names


@pytest.mark.django_db
def test_approving_without_a_name_shows_the_form_again(client: Client) -> None:
    inquiry_id, response = _run_flow(client, "approve", first=" ", last="Lovelace")
    assert response.status_code == 400
    assert b"names are required" in response.content
    assert SimulatedInquiry.objects.get(pk=inquiry_id).status == "pending"


@pytest.mark.django_db
def test_a_finished_inquiry_cannot_be_submitted_again(client: Client) -> None:
    inquiry_id, _response = _run_flow(client, "approve")
    token = SimulatedInquiry.objects.get(pk=inquiry_id).session_tokens[0]
    again = _submit(client, inquiry_id, "decline", token)
    assert again.status_code == 200
    assert again.context["title"] == "Verification finished"
    assert again.context["continue_url"].startswith(RETURN + "?inquiry-id=")
    assert SimulatedInquiry.objects.get(pk=inquiry_id).status == "approved"
    assert _open_flow(client, inquiry_id).context["title"] == "Verification finished"


@pytest.mark.django_db
def test_an_expired_inquiry_shows_that_it_expired(client: Client) -> None:
    inquiry_id, _ = _run_flow(client, "abandon")
    assert _open_flow(client, inquiry_id).context["title"] == "Verification expired"


@pytest.mark.django_db
def test_submitting_without_a_valid_session_or_with_an_unknown_choice_changes_nothing(client: Client) -> None:
    inquiry_id = _create(client)["id"]
    page = _open_flow(client, inquiry_id)
    assert _submit(Client(), inquiry_id, "approve", "sim_session_forged").status_code == 403
    assert _submit(client, inquiry_id, "celebrate", page.context["session_token"]).status_code == 400
    assert SimulatedInquiry.objects.get(pk=inquiry_id).status == "pending"


@pytest.mark.django_db
def test_without_a_redirect_uri_the_flow_ends_on_its_own_page(client: Client) -> None:
    inquiry_id = _create(client)["id"]
    page = client.get(VERIFY, {"inquiry-id": inquiry_id})
    form = {"inquiry-id": inquiry_id, "session-token": page.context["session_token"], "choice": "fail"}
    done = client.post(VERIFY, form)
    assert done.status_code == 200
    assert done.context["message"] == "The inquiry is now failed."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({}, 400),
        ({"inquiry-id": "inq_missing"}, 404),
        ({"inquiry-id": "inq_x", "redirect-uri": "https://example.com/steal"}, 400),
        ({"inquiry-id": "inq_x", "redirect-uri": "javascript:alert(1)"}, 400),
    ],
)
def test_bad_links_are_refused(client: Client, params: dict[str, str], status: int) -> None:
    assert client.get(VERIFY, params).status_code == status


@pytest.mark.django_db
def test_a_redirect_keeps_the_hosts_own_query_parameters(client: Client) -> None:
    inquiry_id = _create(client)["id"]
    uri = "http://localhost:9000/back?next=%2Fcourse&status=stale"
    page = client.get(VERIFY, {"inquiry-id": inquiry_id, "redirect-uri": uri})
    form = {"inquiry-id": inquiry_id, "redirect-uri": uri, "session-token": page.context["session_token"]}
    response = client.post(VERIFY, {**form, "choice": "fail"})
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query == {
        "next": ["/course"],
        "status": ["failed"],
        "inquiry-id": [inquiry_id],
        "reference-id": ["attempt-1"],
    }


# --- Webhook deliveries ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_events_are_delivered_signed_in_personas_format(
    client: Client, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        inquiry_id, _ = _run_flow(client, "approve", first="Ada", last="Byron")
    control.flush(10)
    assert [delivery.event_name for delivery in receiver.deliveries] == [
        "inquiry.created",
        "inquiry.started",
        "inquiry.completed",
        "inquiry.approved",
    ]
    approved = receiver.deliveries[-1]
    assert approved.headers["Content-Type"] == "application/json"
    assert _verify_signature(approved.headers["Persona-Signature"], approved.body, SECRET)
    assert not _verify_signature(approved.headers["Persona-Signature"], approved.body, "wbhsec_other")
    data = approved.document["data"]
    assert data["type"] == "event"
    assert data["id"].startswith("evt_")
    assert data["attributes"]["created-at"].endswith("Z")
    inquiry = data["attributes"]["payload"]["data"]
    assert (inquiry["type"], inquiry["id"]) == ("inquiry", inquiry_id)
    assert inquiry["attributes"]["status"] == "approved"
    assert (inquiry["attributes"]["name-first"], inquiry["attributes"]["name-last"]) == ("Ada", "Byron")
    assert all(attempt.succeeded and attempt.attempt == 1 for attempt in control.delivery_log())


@pytest.mark.django_db
def test_during_a_rotation_the_header_carries_one_pair_per_secret(client: Client, receiver: Receiver) -> None:
    inquiry_id = _create(client)["id"]
    with override_settings(
        IDV_PERSONA_SIMULATOR={**SIM, "WEBHOOK_URL": receiver.url, "WEBHOOK_SECRET": ["wbhsec_new", SECRET]}
    ):
        control.deliver(control.events(inquiry_id)[0])
    control.flush(10)
    header = receiver.deliveries[0].headers["Persona-Signature"]
    assert len(header.split(" ")) == 2
    assert len(_verify_signature(header, receiver.deliveries[0].body, "wbhsec_new")) == 1
    assert len(_verify_signature(header, receiver.deliveries[0].body, SECRET)) == 1


@pytest.mark.django_db
def test_a_failed_delivery_is_retried_with_backoff_until_it_succeeds(
    client: Client, receiver: Receiver
) -> None:
    event = control.events(_create(client)["id"])[0]
    receiver.answers.extend([500, 503])
    control.deliver(event)
    control.flush(10)
    log = control.delivery_log()
    assert [(a.attempt, a.status_code, a.succeeded, a.final) for a in log] == [
        (1, 500, False, False),
        (2, 503, False, False),
        (3, 200, True, True),
    ]
    assert len({delivery.body for delivery in receiver.deliveries}) == 1  # the same event each time
    assert all(_verify_signature(d.headers["Persona-Signature"], d.body, SECRET) for d in receiver.deliveries)


@pytest.mark.django_db
def test_a_delivery_is_given_up_after_the_maximum_number_of_attempts(
    client: Client, receiver: Receiver
) -> None:
    event = control.events(_create(client)["id"])[0]
    receiver.answers.extend([500] * 10)
    control.deliver(event)
    control.flush(10)
    assert [(a.attempt, a.final) for a in control.delivery_log()] == [
        (1, False),
        (2, False),
        (3, False),
        (4, True),
    ]
    assert len(receiver.deliveries) == SIM["WEBHOOK_MAX_ATTEMPTS"]


@pytest.mark.django_db
def test_only_200_201_202_204_count_as_delivered(client: Client, receiver: Receiver) -> None:
    event = control.events(_create(client)["id"])[0]
    receiver.answers.extend([203, 302, 202])
    control.deliver(event)
    control.flush(10)
    assert [a.status_code for a in control.delivery_log()] == [203, 302, 202]
    assert [a.succeeded for a in control.delivery_log()] == [False, False, True]


@pytest.mark.django_db
def test_a_connection_error_counts_as_a_failed_delivery(client: Client) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]  # nothing listens once the socket is closed
    event = control.events(_create(client)["id"])[0]
    with override_settings(
        IDV_PERSONA_SIMULATOR={
            **SIM,
            "WEBHOOK_URL": f"http://127.0.0.1:{closed_port}/hook",
            "WEBHOOK_MAX_ATTEMPTS": 2,
        }
    ):
        control.deliver(event)
    control.flush(10)
    assert [(a.status_code, a.error, a.final) for a in control.delivery_log()] == [
        (None, "ConnectionError", False),
        (None, "ConnectionError", True),
    ]


@pytest.mark.django_db
def test_duplicate_delivery_sends_the_same_event_twice(client: Client, receiver: Receiver) -> None:
    event = control.events(_create(client)["id"])[0]
    control.deliver(event.id, duplicate=True)
    control.flush(10)
    assert len(receiver.deliveries) == 2
    assert receiver.deliveries[0].body == receiver.deliveries[1].body
    assert receiver.deliveries[0].event_id == event.id


@pytest.mark.django_db
def test_out_of_order_delivery_sends_the_newest_event_first(
    client: Client, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    with control.automatic_delivery_off(), django_capture_on_commit_callbacks(execute=True):
        inquiry_id, _ = _run_flow(client, "approve")
    control.flush(10)
    assert receiver.deliveries == []  # recorded, not sent
    sent = control.deliver_out_of_order(control.events(inquiry_id))
    control.flush(10)
    expected = ["inquiry.approved", "inquiry.completed", "inquiry.started", "inquiry.created"]
    assert [event.name for event in sent] == expected
    assert [delivery.event_name for delivery in receiver.deliveries] == expected


@pytest.mark.django_db
def test_only_the_enabled_events_are_sent(
    client: Client, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    config = {**SIM, "WEBHOOK_URL": receiver.url, "ENABLED_EVENTS": ["inquiry.approved"]}
    with override_settings(IDV_PERSONA_SIMULATOR=config), django_capture_on_commit_callbacks(execute=True):
        _run_flow(client, "approve")
    control.flush(10)
    assert [delivery.event_name for delivery in receiver.deliveries] == ["inquiry.approved"]


@pytest.mark.django_db
def test_reset_drops_queued_deliveries(client: Client, receiver: Receiver) -> None:
    event = control.events(_create(client)["id"])[0]
    receiver.answers.extend([500] * 10)
    with override_settings(
        IDV_PERSONA_SIMULATOR={**SIM, "WEBHOOK_URL": receiver.url, "WEBHOOK_RETRY_BACKOFF_SECONDS": 60}
    ):
        control.deliver(event)
        dispatcher_log = []
        for _ in range(200):  # wait for the first attempt; its retry is a minute away
            dispatcher_log = control.delivery_log()
            if dispatcher_log:
                break
            threading.Event().wait(0.01)
    assert [a.final for a in dispatcher_log] == [False]
    with pytest.raises(DeliveryTimeout):
        control.flush(0.05)
    control.reset()
    control.flush(1)
    assert control.delivery_log() == []


def test_a_dispatcher_survives_a_bug_in_a_delivery() -> None:
    dispatcher = WebhookDispatcher()
    with override_settings(
        IDV_PERSONA_SIMULATOR={**SIM, "WEBHOOK_URL": "http://127.0.0.1:9/hook", "WEBHOOK_SECRET": [None]}
    ):
        dispatcher.enqueue("evt_1", "inquiry.created", b"{}")  # a None secret cannot sign: TypeError
    dispatcher.flush(5)
    assert [(a.error, a.final) for a in dispatcher.log()] == [("AttributeError", True)]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/idv/persona/webhook",
        "http://10.0.0.1/hook",
        "ftp://127.0.0.1/hook",
        "http://127.0.0.1.example.com/",
    ],
)
def test_non_local_webhook_urls_are_refused(
    client: Client, url: str, caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks: Any
) -> None:
    inquiry_id = _create(client)["id"]
    with override_settings(IDV_PERSONA_SIMULATOR={**SIM, "WEBHOOK_URL": url}):
        with pytest.raises(WebhookURLRefused):
            control.deliver(control.events(inquiry_id)[0])
        # In the hosted flow the page still works; the error is logged (without PII) and nothing is sent.
        with django_capture_on_commit_callbacks(execute=True):
            response = _open_flow(client, inquiry_id)
        assert response.status_code == 200
        assert "not a local URL" in caplog.text
        assert [m.id for m in run_checks() if m.id.startswith("idv_persona_simulator.E")] == [
            "idv_persona_simulator.E001"
        ]
    control.flush(1)
    assert control.delivery_log() == []


# --- Faults of the REST API -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_next_api_requests_fail_as_injected_then_work(client: Client) -> None:
    control.fail_next_api_requests(status=503, count=2)
    body = {"data": {"attributes": {"inquiry-template-id": "itmpl_X"}}}
    statuses = [_api(client, "post", "/inquiries", body).status_code for _ in range(3)]
    assert statuses == [503, 503, 201]
    assert SimulatedInquiry.objects.count() == 1


@pytest.mark.django_db
def test_an_injected_4xx_answers_a_jsonapi_error(client: Client) -> None:
    control.fail_next_api_requests(status=422, count=1)
    response = _api(client, "get", "/inquiries/inq_x")
    assert response.status_code == 422
    assert response.json() == {
        "errors": [{"title": "Unprocessable Entity", "details": "Injected by the Persona simulator."}]
    }


@pytest.mark.django_db
def test_an_outage_fails_every_request_until_it_ends(client: Client) -> None:
    inquiry_id = _create(client)["id"]
    control.set_api_outage(503)
    assert [_api(client, "get", f"/inquiries/{inquiry_id}").status_code for _ in range(3)] == [503] * 3
    control.set_api_outage(None)
    assert _api(client, "get", f"/inquiries/{inquiry_id}").status_code == 200


# --- Overview page, control actions, checks -------------------------------------------------------------


@pytest.mark.django_db
def test_the_overview_is_for_staff_only(client: Client, user: Any, staff_user: Any) -> None:
    assert client.get("/persona-simulator/").status_code == 302  # to the login page
    client.force_login(user)
    assert client.get("/persona-simulator/").status_code == 302
    inquiry_id = _create(client)["id"]
    client.force_login(staff_user)
    page = client.get("/persona-simulator/")
    assert page.status_code == 200
    assert inquiry_id in page.content.decode()


@pytest.mark.django_db
def test_staff_control_actions(client: Client, staff_user: Any, receiver: Receiver) -> None:
    client.force_login(staff_user)
    inquiry_id = _create(client)["id"]
    _open_flow(client, inquiry_id)
    event = control.events(inquiry_id)[0]
    control.flush(10)  # the automatic deliveries (none: created outside on_commit capture)
    receiver.deliveries.clear()

    assert (
        client.post("/persona-simulator/control", {"action": "duplicate", "event": event.id}).status_code
        == 302
    )
    assert (
        client.post(
            "/persona-simulator/control", {"action": "out_of_order", "inquiry": inquiry_id}
        ).status_code
        == 302
    )
    control.flush(10)
    assert [d.event_name for d in receiver.deliveries] == [
        "inquiry.created",
        "inquiry.created",
        "inquiry.started",
        "inquiry.created",
    ]
    assert "inquiry.started" in client.get("/persona-simulator/").content.decode()

    client.post("/persona-simulator/control", {"action": "fail_next", "status": "500"})
    assert _api(client, "get", f"/inquiries/{inquiry_id}").status_code == 500
    client.post("/persona-simulator/control", {"action": "outage_on"})
    assert _api(client, "get", f"/inquiries/{inquiry_id}").status_code == 503
    client.post("/persona-simulator/control", {"action": "outage_off"})
    assert _api(client, "get", f"/inquiries/{inquiry_id}").status_code == 200
    assert client.post("/persona-simulator/control", {"action": "explode"}).status_code == 400
    assert (
        client.post("/persona-simulator/control", {"action": "fail_next", "status": "x"}).status_code == 400
    )


@pytest.mark.django_db
def test_control_actions_are_refused_to_non_staff(client: Client, user: Any) -> None:
    client.force_login(user)
    client.post("/persona-simulator/control", {"action": "outage_on"})
    assert (
        _api(
            client, "post", "/inquiries", {"data": {"attributes": {"inquiry-template-id": "itmpl_X"}}}
        ).status_code
        == 201
    )


def test_the_simulator_warns_when_installed_with_debug_off() -> None:
    with override_settings(DEBUG=False):
        assert "idv_persona_simulator.W001" in [m.id for m in run_checks()]
    with override_settings(DEBUG=True):
        assert "idv_persona_simulator.W001" not in [m.id for m in run_checks()]


@pytest.mark.django_db
def test_models_read_well_in_the_admin_and_logs(client: Client) -> None:
    inquiry_id = _create(client)["id"]
    assert str(SimulatedInquiry.objects.get(pk=inquiry_id)) == f"{inquiry_id} (created)"
    event = SimulatedEvent.objects.get(inquiry_id=inquiry_id)
    assert str(event) == f"{event.id} inquiry.created"


@pytest.mark.django_db
def test_flow_transitions_refuse_an_inquiry_that_is_not_open(client: Client) -> None:
    inquiry = SimulatedInquiry.objects.get(pk=_run_flow(client, "approve")[0])
    with pytest.raises(flow.InquiryNotOpen):
        flow.start(inquiry)
    with pytest.raises(flow.InquiryNotOpen):
        flow.finish(inquiry, flow.Choice.DECLINE)


@pytest.mark.django_db
def test_without_a_webhook_url_events_are_only_recorded(
    client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        inquiry_id, _ = _run_flow(client, "approve")
    assert callbacks  # the deliveries were due...
    control.flush(1)
    assert control.delivery_log() == []  # ...but there is nowhere to send them
    assert len(control.events(inquiry_id)) == 4


def test_signature_header_with_one_secret_matches_personas_documented_scheme() -> None:
    header = signature_header(SECRET, b'{"a":1}', timestamp=1700000000)
    expected = hmac.new(SECRET.encode(), b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


@pytest.mark.django_db
def test_opening_the_control_address_answers_a_405_page_that_says_what_to_do(
    client: Client, staff_user: Any
) -> None:
    client.force_login(staff_user)
    response = client.get("/persona-simulator/control")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    page = response.content.decode()
    assert "buttons of the simulator" in page
    assert 'href="/persona-simulator/"' in page


@pytest.mark.django_db
@pytest.mark.parametrize(("first", "last"), [("A" * 200, "B" * 111), ("C" * 256, "D")])
def test_a_name_longer_than_255_characters_is_refused_with_a_message_not_cut(
    client: Client, first: str, last: str
) -> None:
    inquiry_id, response = _run_flow(client, "approve", first=first, last=last)
    assert response.status_code == 400
    assert f"The name is {len(first) + 1 + len(last)} characters long".encode() in response.content
    assert b'role="alert"' in response.content
    inquiry = SimulatedInquiry.objects.get(pk=inquiry_id)
    assert (inquiry.status, inquiry.name_first) == ("pending", "")


@pytest.mark.django_db
def test_a_name_of_exactly_255_characters_is_accepted(client: Client) -> None:
    inquiry_id, response = _run_flow(client, "approve", first="A" * 127, last="B" * 127)
    assert response.status_code == 302
    assert SimulatedInquiry.objects.get(pk=inquiry_id).status == "approved"


# --- Redact an Inquiry (DELETE /inquiries/{id}) ---------------------------------------------------------


@pytest.mark.django_db
def test_redacting_nulls_the_pii_keeps_status_times_and_reference_and_says_so(
    client: Client, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    inquiry_id = _create(client, fields={"name-first": "Ada", "address-city": "London", "favourite": "tea"})[
        "id"
    ]
    _submit(
        client, inquiry_id, "approve", _open_flow(client, inquiry_id).context["session_token"], last="Byron"
    )
    before = _api(client, "get", f"/inquiries/{inquiry_id}").json()["data"]["attributes"]

    with django_capture_on_commit_callbacks(execute=True):
        response = _api(client, "delete", f"/inquiries/{inquiry_id}")
    control.flush(10)

    assert response.status_code == 200
    attributes = response.json()["data"]["attributes"]
    assert attributes["redacted-at"].endswith("Z")
    assert (attributes["name-first"], attributes["name-middle"], attributes["name-last"]) == (
        None,
        None,
        None,
    )
    assert attributes["fields"]["name-first"]["value"] is None
    assert attributes["fields"]["address-city"]["value"] is None
    assert attributes["fields"]["favourite"]["value"] == "tea"
    # Persona keeps the status, the operational times and (a direct redaction) the reference-id.
    kept = ("status", "reference-id", "created-at", "started-at", "completed-at", "decisioned-at")
    assert {key: attributes[key] for key in kept} == {key: before[key] for key in kept}
    assert _api(client, "get", f"/inquiries/{inquiry_id}").json()["data"]["attributes"] == attributes
    inquiry = SimulatedInquiry.objects.get(pk=inquiry_id)
    assert (inquiry.name_first, inquiry.name_last, inquiry.status) == ("", "", "approved")
    # The events recorded about it hold no name any more, and inquiry.redacted was sent.
    events = control.events(inquiry_id)
    assert events[-1].name == "inquiry.redacted"
    for event in events:
        assert event.payload["attributes"]["name-first"] is None
        assert event.payload["attributes"]["name-last"] is None
        assert event.payload["attributes"]["fields"]["name-first"]["value"] is None
    assert [event.payload["attributes"]["status"] for event in events][:2] == ["created", "pending"]
    redacted = receiver.deliveries[-1]
    assert redacted.event_name == "inquiry.redacted"
    payload = redacted.document["data"]["attributes"]["payload"]["data"]["attributes"]
    assert payload == attributes
    assert _verify_signature(redacted.headers["Persona-Signature"], redacted.body, SECRET)


@pytest.mark.django_db
def test_redacting_again_changes_nothing_and_an_unknown_inquiry_is_404(client: Client) -> None:
    inquiry_id = _create(client)["id"]
    first = _api(client, "delete", f"/inquiries/{inquiry_id}")
    second = _api(client, "delete", f"/inquiries/{inquiry_id}")
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json()
    assert [event.name for event in control.events(inquiry_id)] == ["inquiry.created", "inquiry.redacted"]
    assert _api(client, "delete", "/inquiries/inq_Unknown").status_code == 404
    assert _api(client, "delete", f"/inquiries/{inquiry_id}", key="wrong").status_code == 401
    refused = _api(client, "put", f"/inquiries/{inquiry_id}")
    assert (refused.status_code, refused["Allow"]) == (405, "GET, DELETE")


@pytest.mark.django_db
def test_a_redacted_inquiry_cannot_be_resumed_started_or_finished(client: Client) -> None:
    pending = _create(client)["id"]
    token = _open_flow(client, pending).context["session_token"]
    created = _create(client)["id"]
    for inquiry_id in (pending, created):
        assert _api(client, "delete", f"/inquiries/{inquiry_id}").status_code == 200
        assert _api(client, "post", f"/inquiries/{inquiry_id}/resume").status_code == 409
    assert "Verification deleted" in _open_flow(client, created).content.decode()
    assert "Verification deleted" in _submit(client, pending, "approve", token).content.decode()
    assert SimulatedInquiry.objects.get(pk=created).status == "created"
    assert SimulatedInquiry.objects.get(pk=pending).name_first == ""
    with pytest.raises(flow.InquiryNotOpen):
        flow.start(SimulatedInquiry.objects.get(pk=created))
    with pytest.raises(flow.InquiryNotOpen):
        flow.finish(
            SimulatedInquiry.objects.get(pk=pending), flow.Choice.APPROVE, name_first="A", name_last="B"
        )
