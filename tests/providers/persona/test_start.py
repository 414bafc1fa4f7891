"""The learner's start view: create or resume the inquiry, survive Persona's outages, lose nothing."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.urls import reverse

from idv_core import api
from idv_persona.client import PersonaClient, PersonaInvalidResponse, PersonaUnavailable
from idv_persona.models import PersonaInquiry

from .conftest import API_ROOT, inquiry_object, new_id

pytestmark = pytest.mark.django_db

START = "/idv/persona/start"


@pytest.fixture
def learner(client, make_user):
    user = make_user(first_name="Ada", last_name="Lovelace")
    client.force_login(user)
    return user


def persona_attempts(user):
    return [attempt for attempt in api.get_verification_attempts(user) if attempt.provider == "persona"]


def add_create(persona_api, inquiry_id, status=201):
    return persona_api.add(
        responses.POST, f"{API_ROOT}/inquiries", json={"data": inquiry_object(inquiry_id)}, status=status
    )


def query_of(url):
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_start_creates_an_attempt_and_an_inquiry_and_redirects_to_the_hosted_flow(
    client, learner, persona_api, signals, django_capture_on_commit_callbacks
):
    inquiry_id = new_id("inq")
    create = add_create(persona_api, inquiry_id)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START)
    assert response.status_code == 302
    assert response.url.startswith("http://127.0.0.1:9/verify?")
    assert query_of(response.url) == {
        "inquiry-id": inquiry_id,
        "redirect-uri": "http://testserver/idv/persona/return",
    }
    [attempt] = persona_attempts(learner)
    assert (attempt.status, attempt.external_id, attempt.name) == ("created", inquiry_id, "Ada Lovelace")
    assert signals.types == ["created"]
    request = create.calls[0].request
    assert request.headers["Authorization"] == "Bearer persona_sandbox_test_key"
    assert request.headers["Idempotency-Key"]
    assert json.loads(request.body) == {
        "data": {
            "attributes": {
                "inquiry-template-id": "itmpl_test_template",
                "reference-id": f"openedx-user-{learner.pk}",
                # The learner's name prefills Persona's flow (issue 14).
                "fields": {"name-first": "Ada", "name-last": "Lovelace"},
            }
        }
    }
    assert PersonaInquiry.objects.get(inquiry_id=inquiry_id).attempt_id == attempt.id


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        ("Ada", "Lovelace", {"name-first": "Ada", "name-last": "Lovelace"}),
        ("  Ada\x00 ", "", {"name-first": "Ada"}),
        ("", "", {}),
    ],
)
def test_the_learner_name_prefills_the_inquiry_fields(client, make_user, persona_api, first, last, expected):
    client.force_login(make_user(first_name=first, last_name=last))
    create = add_create(persona_api, new_id("inq"))
    assert client.post(START).status_code == 302
    attributes = json.loads(create.calls[0].request.body)["data"]["attributes"]
    assert attributes.get("fields", {}) == expected


def test_the_prefilled_name_is_never_logged(client, make_user, persona_api, caplog):
    client.force_login(make_user(first_name="Zebediah", last_name="Quixotic"))
    add_create(persona_api, new_id("inq"))
    with caplog.at_level(logging.DEBUG):
        assert client.post(START).status_code == 302
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Zebediah" not in logged
    assert "Quixotic" not in logged


def test_the_environment_id_is_sent_when_configured(client, learner, persona_api, settings):
    settings.IDV_PERSONA = {**settings.IDV_PERSONA, "ENVIRONMENT_ID": "env_test"}
    create = add_create(persona_api, new_id("inq"))
    client.post(START)
    assert json.loads(create.calls[0].request.body)["data"]["attributes"]["environment-id"] == "env_test"


def test_the_name_falls_back_to_the_username(client, make_user, persona_api):
    user = make_user(first_name="", last_name="")
    client.force_login(user)
    add_create(persona_api, new_id("inq"))
    client.post(START)
    assert persona_attempts(user)[0].name == user.username


def test_the_lms_profile_name_wins(client, make_user, persona_api):
    from idv_persona.views import learner_name

    user = make_user()
    user.profile = type("Profile", (), {"name": "Augusta Ada King"})()
    assert learner_name(user) == "Augusta Ada King"


def test_start_needs_a_login(client):
    response = client.get(START)
    assert response.status_code == 302
    assert "/login/" in response.url


def test_start_is_404_while_the_provider_is_disabled(client, learner, settings):
    settings.IDV_ENABLED_PROVIDERS = ["testprovider"]
    assert client.get(START).status_code == 404


def test_the_provider_offers_its_start_url():
    from idv_core.providers import get_installed_providers

    provider = get_installed_providers()["persona"]
    assert provider.get_start_url() == START
    assert provider.django_app == "idv_persona"


def test_a_persona_5xx_is_retried_then_succeeds(client, learner, persona_api):
    inquiry_id = new_id("inq")
    persona_api.add(responses.POST, f"{API_ROOT}/inquiries", json={"errors": [{"title": "oops"}]}, status=503)
    create = add_create(persona_api, inquiry_id)
    response = client.post(START)
    assert response.status_code == 302
    assert query_of(response.url)["inquiry-id"] == inquiry_id
    assert len(persona_api.calls) == 2
    # The retry is the same request: same Idempotency-Key, so Persona cannot create two inquiries.
    keys = {call.request.headers["Idempotency-Key"] for call in persona_api.calls}
    assert len(keys) == 1
    assert create.call_count == 1


def test_a_persona_outage_shows_try_again_later_and_the_attempt_is_reused(
    client, learner, persona_api, signals, django_capture_on_commit_callbacks
):
    failing = persona_api.add(responses.POST, f"{API_ROOT}/inquiries", status=500)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(START)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert b"try again in a few minutes" in response.content
    assert failing.call_count == 3  # the first try and two retries
    [attempt] = persona_attempts(learner)
    assert (attempt.status, attempt.external_id) == ("created", "")

    # Persona is back: the same attempt gets the inquiry; no second attempt is created.
    persona_api.remove(failing)
    inquiry_id = new_id("inq")
    add_create(persona_api, inquiry_id)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(START).status_code == 302
    [again] = persona_attempts(learner)
    assert (again.id, again.external_id) == (attempt.id, inquiry_id)
    assert signals.types == ["created"]


def test_a_persona_4xx_is_not_retried_and_shows_a_clear_page(client, learner, persona_api):
    rejected = persona_api.add(
        responses.POST, f"{API_ROOT}/inquiries", json={"errors": [{"title": "Unauthorized"}]}, status=401
    )
    response = client.post(START)
    assert response.status_code == 503
    assert b"could not start your verification" in response.content
    assert rejected.call_count == 1


def test_an_unreachable_persona_is_an_outage_page(client, learner):
    # No stand-in: API_ROOT is a closed port on 127.0.0.1, so the connection is really refused (and retried).
    response = client.post(START)
    assert response.status_code == 503
    assert len(persona_attempts(learner)) == 1
    assert b'href="/idv/persona/start">Try again</a>' in response.content


def test_an_unfinished_inquiry_is_resumed_with_a_session_token(client, learner, persona_api):
    inquiry_id = new_id("inq")
    add_create(persona_api, inquiry_id)
    client.post(START)
    [attempt] = persona_attempts(learner)
    api.update_verification_attempt(attempt.id, status="pending")  # the learner started the flow
    resume = persona_api.add(
        responses.POST,
        f"{API_ROOT}/inquiries/{inquiry_id}/resume",
        json={"data": inquiry_object(inquiry_id, "pending"), "meta": {"session-token": "tok_123"}},
    )
    response = client.post(START)
    assert response.status_code == 302
    assert query_of(response.url) == {
        "inquiry-id": inquiry_id,
        "session-token": "tok_123",
        "redirect-uri": "http://testserver/idv/persona/return",
    }
    assert resume.call_count == 1
    assert len(persona_attempts(learner)) == 1
    assert len([c for c in persona_api.calls if c.request.url.endswith("/inquiries")]) == 1


def test_a_resume_refused_by_persona_applies_the_inquiry_s_real_status(
    client, learner, persona_api, persona_attempt
):
    attempt_id, inquiry_id = persona_attempt("pending", owner=learner)
    persona_api.add(
        responses.POST, f"{API_ROOT}/inquiries/{inquiry_id}/resume", status=409, json={"errors": []}
    )
    persona_api.add(
        responses.GET,
        f"{API_ROOT}/inquiries/{inquiry_id}",
        json={"data": inquiry_object(inquiry_id, "approved", **{"name-first": "Ada", "name-last": "King"})},
    )
    response = client.post(START)
    assert response.status_code == 302
    assert response.url == reverse("idv:status")
    attempt = api.get_verification_attempt(attempt_id)
    assert (attempt.status, attempt.name) == ("approved", "Ada King")


def test_a_resume_refused_for_a_declined_inquiry_starts_a_new_one(
    client, learner, persona_api, persona_attempt
):
    attempt_id, inquiry_id = persona_attempt("pending", owner=learner)
    persona_api.add(
        responses.POST, f"{API_ROOT}/inquiries/{inquiry_id}/resume", status=409, json={"errors": []}
    )
    persona_api.add(
        responses.GET,
        f"{API_ROOT}/inquiries/{inquiry_id}",
        json={"data": inquiry_object(inquiry_id, "declined")},
    )
    new_inquiry = new_id("inq")
    add_create(persona_api, new_inquiry)
    response = client.post(START)
    assert query_of(response.url)["inquiry-id"] == new_inquiry
    assert api.get_verification_attempt(attempt_id).status == "denied"
    assert [a.external_id for a in persona_attempts(learner)] == [new_inquiry, inquiry_id]


def test_another_resume_error_is_an_outage_page(client, learner, persona_api, persona_attempt):
    _attempt_id, inquiry_id = persona_attempt("pending", owner=learner)
    persona_api.add(
        responses.POST, f"{API_ROOT}/inquiries/{inquiry_id}/resume", status=403, json={"errors": []}
    )
    assert client.post(START).status_code == 503


def test_an_inquiry_known_to_be_under_review_goes_to_the_status_page(
    client, learner, persona_api, persona_attempt, post_webhook
):
    from .conftest import event_body

    _attempt_id, inquiry_id = persona_attempt("created", owner=learner)
    post_webhook(event_body("inquiry.completed", inquiry_id))
    response = client.post(START)
    assert response.status_code == 302
    assert response.url == reverse("idv:status")
    assert len(persona_api.calls) == 0


def test_a_finished_attempt_gets_a_new_inquiry(client, learner, persona_api, persona_attempt):
    persona_attempt("denied", owner=learner)
    new_inquiry = new_id("inq")
    add_create(persona_api, new_inquiry)
    response = client.post(START)
    assert query_of(response.url)["inquiry-id"] == new_inquiry
    assert len(persona_attempts(learner)) == 2


def test_the_return_page_sends_the_learner_to_their_status(client, learner):
    response = client.get("/idv/persona/return?inquiry-id=inq_x&status=completed")
    assert response.status_code == 302
    assert response.url == reverse("idv:status")


def test_the_hosted_flow_url_keeps_an_existing_query(settings):
    from idv_persona.client import Inquiry
    from idv_persona.views import hosted_flow_url

    settings.IDV_PERSONA = {**settings.IDV_PERSONA, "HOSTED_FLOW_URL": "https://example.test/verify?x=1"}
    url = hosted_flow_url(Inquiry(id="inq_1", status="created"), "https://lms.test/back?a=1&b=2")
    assert url.startswith("https://example.test/verify?x=1&inquiry-id=inq_1&")
    assert query_of(url)["redirect-uri"] == "https://lms.test/back?a=1&b=2"


# --- the client's edges ------------------------------------------------------------------------------


def test_the_client_refuses_answers_that_are_not_inquiries(persona_api):
    client = PersonaClient()
    persona_api.add(responses.GET, f"{API_ROOT}/inquiries/inq_a", body="not json")
    persona_api.add(responses.GET, f"{API_ROOT}/inquiries/inq_b", json=[1])
    persona_api.add(responses.GET, f"{API_ROOT}/inquiries/inq_c", json={"data": {"type": "account"}})
    persona_api.add(
        responses.GET, f"{API_ROOT}/inquiries/inq_d", json={"data": {"type": "inquiry", "id": "inq_d"}}
    )
    persona_api.add(
        responses.GET,
        f"{API_ROOT}/inquiries/inq_e",
        json={"data": {"type": "inquiry", "id": "inq_e", "attributes": {}}},
    )
    for suffix in "abcde":
        with pytest.raises(PersonaInvalidResponse):
            client.retrieve_inquiry(f"inq_{suffix}")


def test_the_client_does_not_retry_a_get_on_4xx_and_retries_on_5xx(persona_api):
    from idv_persona.client import PersonaRequestRejected

    client = PersonaClient()
    not_found = persona_api.add(responses.GET, f"{API_ROOT}/inquiries/inq_missing", status=404, body="nope")
    with pytest.raises(PersonaRequestRejected) as raised:
        client.retrieve_inquiry("inq_missing")
    assert raised.value.status_code == 404
    assert not_found.call_count == 1
    down = persona_api.add(responses.GET, f"{API_ROOT}/inquiries/inq_down", status=502)
    with pytest.raises(PersonaUnavailable):
        client.retrieve_inquiry("inq_down")
    assert down.call_count == 3


def test_the_verified_name_joins_the_parts():
    from idv_persona.client import Inquiry

    assert (
        Inquiry(
            id="i", status="approved", name_first=" Ada ", name_middle=None, name_last="King"
        ).verified_name
        == "Ada King"
    )


def test_the_return_page_still_answers_while_the_provider_is_disabled(client, learner, settings):
    # A learner already in Persona's flow when the operator disables the provider still comes back.
    settings.IDV_ENABLED_PROVIDERS = ["testprovider"]
    response = client.get("/idv/persona/return?course_id=course-v1:X+Y+Z")
    assert response.status_code == 302
    assert response.url.startswith(reverse("idv:status"))
