"""
The Persona provider against the Persona simulator, over HTTP, on a live server (pytest-django), on MariaDB.

The provider's start view calls the simulator's REST API (``IDV_PERSONA["API_ROOT"]``), the learner (an
HTTP session here; a browser in test_browser_flow.py) goes through the simulator's hosted flow, and the
simulator's signed webhooks reach the provider's ``/idv/persona/webhook``. Neither side stubs the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client, override_settings
from pytest_django.live_server_helper import LiveServer

from idv_core import api
from idv_persona_simulator import control
from idv_persona_simulator.models import SimulatedInquiry

SIM_KEY = "sim_live_api_key"
SECRET = "wbhsec_live_secret"

# On MariaDB (make test-integration) only: with the default suite's in-memory SQLite, pytest-django shares one
# connection between the test and every server thread, and the simulator's concurrent webhook requests
# then fail now and then in Django's connection handling (thread-sharing errors), not in our code.
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def live_server(django_db_setup: Any) -> Iterator[LiveServer]:
    """
    pytest-django's live server, with a STATIC_URL while it starts.

    Its static-files handler reads STATIC_URL when the server is made, and the test host sets none (then
    every request fails with a TypeError in Django's handler). This module-scoped copy gives it one.
    """
    with override_settings(STATIC_URL="/static/"):
        server = LiveServer("localhost")
    yield server
    server.stop()


@pytest.fixture
def persona_site(live_server: Any, settings: Any) -> Iterator[str]:
    """The provider and the simulator, both served by the live server and pointed at each other."""
    base = live_server.url
    settings.IDV_DEFAULT_PROVIDER = "persona"
    settings.IDV_PERSONA = {
        **settings.IDV_PERSONA,
        "API_KEY": SIM_KEY,
        "INQUIRY_TEMPLATE_ID": "itmpl_LiveSimulator",
        "API_ROOT": f"{base}/persona-simulator/api/v1",
        "HOSTED_FLOW_URL": f"{base}/persona-simulator/verify",
        "WEBHOOK_SECRETS": [SECRET],
        "TIMEOUT_SECONDS": 5,
    }
    settings.IDV_PERSONA_SIMULATOR = {
        "API_KEY": SIM_KEY,
        "WEBHOOK_URL": f"{base}/idv/persona/webhook",
        "WEBHOOK_SECRET": SECRET,
        "WEBHOOK_MAX_ATTEMPTS": 6,
        "WEBHOOK_RETRY_BACKOFF_SECONDS": 0.05,
        "REDIRECT_WAIT_SECONDS": 5,
    }
    control.reset()
    yield base
    control.flush(20)
    control.reset()


def _browser(user: Any) -> requests.Session:
    """An HTTP session logged in as ``user`` (its session cookie made by Django's test client)."""
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.trust_env = False  # only 127.0.0.1, directly
    session.cookies.set("sessionid", client.cookies["sessionid"].value)
    return session


def _start(browser: requests.Session, base: str) -> requests.Response:
    """The verify link's page (it creates nothing), then its button: a POST with the page's CSRF token."""
    page = browser.get(f"{base}/idv/persona/start", allow_redirects=False, timeout=30)
    assert page.status_code == 200, page.text
    token = _hidden(page.text, "csrfmiddlewaretoken")
    return browser.post(
        f"{base}/idv/persona/start",
        data={"csrfmiddlewaretoken": token},
        allow_redirects=False,
        timeout=30,
    )


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} in the page"
    return unescape(match.group(1))


def _choose(browser: requests.Session, flow_url: str, choice: str, first: str = "Ada", last: str = "Byron"):
    """Open the hosted flow and submit a choice; returns the POST's response (not followed)."""
    page = browser.get(flow_url, timeout=30)
    assert page.status_code == 200, page.text
    form = {
        "csrfmiddlewaretoken": _hidden(page.text, "csrfmiddlewaretoken"),
        "inquiry-id": _hidden(page.text, "inquiry-id"),
        "redirect-uri": _hidden(page.text, "redirect-uri"),
        "session-token": _hidden(page.text, "session-token"),
        "choice": choice,
        "name-first": first,
        "name-last": last,
    }
    return browser.post(flow_url.split("?")[0], data=form, allow_redirects=False, timeout=30)


def _inquiry_id(flow_url: str) -> str:
    return parse_qs(urlsplit(flow_url).query)["inquiry-id"][0]


def test_start_approve_webhook_verifies_the_learner_with_the_simulators_name(
    persona_site: str, user: Any
) -> None:
    browser = _browser(user)
    started = _start(browser, persona_site)
    assert started.status_code == 302
    flow_url = started.headers["Location"]
    assert flow_url.startswith(f"{persona_site}/persona-simulator/verify?")
    inquiry = SimulatedInquiry.objects.get(pk=_inquiry_id(flow_url))
    assert inquiry.inquiry_template_id == "itmpl_LiveSimulator"
    assert inquiry.reference_id == f"openedx-user-{user.pk}"

    done = _choose(browser, flow_url, "approve", "Ada", "Byron")
    assert done.status_code == 302
    assert done.headers["Location"].startswith(f"{persona_site}/idv/persona/return?inquiry-id={inquiry.id}")
    control.flush(20)

    [attempt] = api.get_verification_attempts(user)
    assert (attempt.provider, attempt.external_id, attempt.status) == ("persona", inquiry.id, "approved")
    assert attempt.name == "Ada Byron"
    assert attempt.expiration_datetime is not None
    assert api.is_user_verified(user)
    # Every delivery was accepted in the end (inquiry.created may come before the provider has linked it:
    # the provider answers 404 and the simulator retries, as Persona would).
    final = [a for a in control.delivery_log() if a.final]
    assert final
    assert all(a.succeeded for a in final)
    back = browser.get(done.headers["Location"], timeout=30)
    assert 'data-status="approved"' in back.text


def test_an_unfinished_inquiry_is_resumed_with_a_session_token(persona_site: str, user: Any) -> None:
    browser = _browser(user)
    first_flow = _start(browser, persona_site).headers["Location"]
    assert browser.get(first_flow, timeout=30).status_code == 200  # opened: pending, then left
    control.flush(20)

    again = _start(browser, persona_site)
    assert again.status_code == 302
    resumed_flow = again.headers["Location"]
    assert _inquiry_id(resumed_flow) == _inquiry_id(first_flow)
    token = parse_qs(urlsplit(resumed_flow).query)["session-token"][0]
    assert token in SimulatedInquiry.objects.get(pk=_inquiry_id(first_flow)).session_tokens

    other_device = _browser(user)  # no simulator cookie: only the session token opens the flow
    assert other_device.get(first_flow, timeout=30).status_code == 403
    done = _choose(other_device, resumed_flow, "approve")
    assert done.status_code == 302
    control.flush(20)
    attempts = api.get_verification_attempts(user)
    assert [a.status for a in attempts] == ["approved"]
    assert SimulatedInquiry.objects.count() == 1


def test_simulator_5xx_is_retried_by_the_provider_and_an_outage_reuses_the_attempt(
    persona_site: str, user: Any
) -> None:
    browser = _browser(user)
    control.set_api_outage(503)
    down = _start(browser, persona_site)
    assert down.status_code == 503
    assert down.headers["Retry-After"]
    assert not SimulatedInquiry.objects.exists()
    control.set_api_outage(None)

    control.fail_next_api_requests(status=503, count=2)  # the provider's client retries twice
    up = _start(browser, persona_site)
    assert up.status_code == 302
    assert SimulatedInquiry.objects.count() == 1
    attempts = api.get_verification_attempts(user)
    assert len(attempts) == 1  # the attempt made before the outage is reused
    assert attempts[0].external_id == _inquiry_id(up.headers["Location"])


def test_duplicate_and_out_of_order_deliveries_change_nothing_twice(
    persona_site: str, user: Any, signals: Any
) -> None:
    browser = _browser(user)
    flow_url = _start(browser, persona_site).headers["Location"]
    inquiry_id = _inquiry_id(flow_url)
    control.flush(20)
    with control.automatic_delivery_off():
        assert _choose(browser, flow_url, "approve", "Grace", "Hopper").status_code == 302
    events = control.events(inquiry_id)
    assert [e.name for e in events][-2:] == ["inquiry.completed", "inquiry.approved"]

    control.deliver_out_of_order(events)  # approved first, then completed, started, created
    control.deliver(events[-1], duplicate=True)  # and the approval twice more
    control.flush(20)

    [attempt] = api.get_verification_attempts(user)
    assert (attempt.status, attempt.name) == ("approved", "Grace Hopper")
    assert signals.types.count("approved") == 1  # one approval, one signal, whatever was redelivered
    assert signals.types[-1] == "approved"  # never moved backwards after it
    assert all(a.succeeded for a in control.delivery_log() if a.final)


def test_a_declined_inquiry_denies_the_attempt(persona_site: str, user: Any) -> None:
    browser = _browser(user)
    flow_url = _start(browser, persona_site).headers["Location"]
    assert _choose(browser, flow_url, "decline").status_code == 302
    control.flush(20)
    assert [a.status for a in api.get_verification_attempts(user)] == ["denied"]
