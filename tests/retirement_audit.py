"""
The retirement audit, shared by the default suite (tests/providers/test_retirement_audit.py) and LMS mode
(tests/lms/test_retirement_audit.py): a learner with a distinctive name, username and e-mail goes through
every provider's flow, then every text and JSON column of every table of openedx-idv's apps (history
tables included) is searched for them.

- Persona through the simulator: the provider's start view creates the inquiry with the simulator's REST
  API (``responses`` hands the provider's requests to the simulator's views, in-process), the learner goes
  through the simulator's hosted flow, and the simulator's signed events reach the provider's webhook.
- manual: the learner asks for a review, a reviewer approves it with a reason naming the learner.
- SSO: the social-auth pipeline's verification (``idv_sso.verifications.verify``) of a sign-in whose uid is
  the learner's e-mail.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import responses
from django.apps import apps
from django.db import models
from django.test import Client

from idv_core import api
from idv_manual.reviews import decide_attempt
from idv_persona.inquiries import persona_config
from idv_persona_simulator import control
from idv_persona_simulator.models import SimulatedEvent
from idv_persona_simulator.representations import event_body
from idv_persona_simulator.signing import signature_header
from idv_sso.trusted_backends import load_trusted_backends
from idv_sso.verifications import verify as sso_verify

#: The apps of openedx-idv (the core, the providers, the simulator); the platform's own tables are the
#: platform's retirement's job.
OPENEDX_IDV_APPS = frozenset({"idv_core", "idv_manual", "idv_sso", "idv_persona", "idv_persona_simulator"})
SIMULATOR_API_KEY = "sim_test_api_key"
SIMULATOR_API = "/persona-simulator/api/v1"

#: Who is retired: every value distinctive enough that finding it anywhere means it was kept.
FIRST_NAME, LAST_NAME = "Zebulon", "Quaxworthy"
LEARNER = {
    "username": "zq_retiree_8831",
    "email": "zebulon.quaxworthy@retire-audit.example",
    "first_name": FIRST_NAME,
    "last_name": LAST_NAME,
}
EVENT_ROUTES = {
    f"org.openedx.learning.idv_attempt.{kind}.v1": {
        "learning-idv": {"event_key_field": "idv_attempt.user.id", "enabled": True}
    }
    for kind in ("created", "pending", "approved", "denied")
}


def needles() -> dict[str, str]:
    """What must not be found after retirement, by what it is (case-insensitive)."""
    return {
        "first name": FIRST_NAME,
        "last name": LAST_NAME,
        "username": LEARNER["username"],
        "e-mail": LEARNER["email"],
    }


def _text_columns(model: type[models.Model]) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField | models.JSONField)
    ]


def audited_tables() -> list[str]:
    """The tables searched: every model of openedx-idv's apps (history models included)."""
    return sorted(
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in OPENEDX_IDV_APPS
    )


def find_learner_data() -> list[str]:
    """``table.column: what`` for every value of an openedx-idv table holding one of the ``needles``."""
    wanted = {what: value.casefold() for what, value in needles().items()}
    found: set[str] = set()
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in OPENEDX_IDV_APPS:
            continue
        columns = _text_columns(model)
        if not columns:
            continue
        for row in model._base_manager.values_list(*(field.attname for field in columns)):
            for field, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                for what, needle in wanted.items():
                    if needle in text.casefold():
                        found.add(f"{model._meta.db_table}.{field.column}: {what}")
    return sorted(found)


def simulator_api(mock: responses.RequestsMock, api_client: Client) -> None:
    """Hand every request to ``IDV_PERSONA["API_ROOT"]`` to the simulator's REST API views, in-process."""
    root = persona_config()["API_ROOT"].rstrip("/")

    def forward(request: Any) -> tuple[int, dict[str, str], bytes]:
        path = SIMULATOR_API + request.path_url[len(urlsplit(root).path) :]
        extra = {"HTTP_AUTHORIZATION": request.headers.get("Authorization", "")}
        if "Idempotency-Key" in request.headers:
            extra["HTTP_IDEMPOTENCY_KEY"] = request.headers["Idempotency-Key"]
        response = api_client.generic(
            request.method, path, request.body or b"", content_type="application/json", **extra
        )
        return response.status_code, {"Content-Type": "application/json"}, response.content

    for method in (responses.GET, responses.POST, responses.DELETE):
        mock.add_callback(method, re.compile(re.escape(root) + r"/.*"), callback=forward)


@contextlib.contextmanager
def the_simulator(settings: Any) -> Iterator[responses.RequestsMock]:
    """
    Point the provider at the simulator (its API key; its REST API answering in-process, its events sent
    by hand with :func:`deliver_events`), and have the outbox write every IDV event.
    """
    settings.IDV_PERSONA = {**settings.IDV_PERSONA, "API_KEY": SIMULATOR_API_KEY}
    settings.IDV_EVENT_BUS_PRODUCER_CONFIG = EVENT_ROUTES
    control.reset()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        simulator_api(mock, Client())
        yield mock
    control.reset()


def deliver_events(client: Client, inquiry_id: str, names: set[str] | None = None) -> list[tuple[str, Any]]:
    """POST the simulator's events of ``inquiry_id`` to the provider's webhook, signed, oldest first."""
    secrets = persona_config()["WEBHOOK_SECRETS"]
    answers = []
    for event in SimulatedEvent.objects.filter(inquiry_id=inquiry_id).order_by("created_at", "id"):
        if names is not None and event.name not in names:
            continue
        body = event_body(event)
        response = client.post(
            "/idv/persona/webhook",
            data=body,
            content_type="application/json",
            HTTP_PERSONA_SIGNATURE=signature_header(secrets, body),
        )
        answers.append((event.name, response))
    return answers


@dataclass
class Journey:
    """What the learner's journey through every provider left: the attempts and the Persona inquiry."""

    inquiry_id: str
    attempt_ids: dict[str, int]


def run_journey(learner: Any, reviewer: Any, capture: Callable[[], Any]) -> Journey:
    """
    Run ``learner`` through every provider (see the module); ``capture`` is a context manager that runs
    the after-commit callbacks of what happens inside it (pytest-django's, or a no-op where the test's
    transactions really commit).
    """
    browser = Client()
    browser.force_login(learner)
    webhooks = Client()
    # manual: the learner asks for a review (decided below).
    with capture():
        asked = browser.post("/idv/manual/start", {"name": f"{FIRST_NAME} {LAST_NAME}"})
    assert asked.status_code == 302, asked.content
    # Persona, through the simulator.
    with capture():
        started = browser.post("/idv/persona/start")
    assert started.status_code == 302, started.content
    inquiry_id = parse_qs(urlsplit(started["Location"]).query)["inquiry-id"][0]
    opened = browser.get("/persona-simulator/verify", {"inquiry-id": inquiry_id})
    assert opened.status_code == 200, opened.content
    submitted = browser.post(
        "/persona-simulator/verify",
        {
            "inquiry-id": inquiry_id,
            "session-token": opened.context["session_token"],
            "choice": "approve",
            "name-first": FIRST_NAME,
            "name-last": LAST_NAME,
        },
    )
    assert submitted.status_code == 200, submitted.content
    with capture():
        answers = deliver_events(webhooks, inquiry_id)
    assert [response.status_code for _name, response in answers] == [200] * len(answers)
    persona_attempt = api.get_verification_attempt_by_external_id("persona", inquiry_id)
    assert (persona_attempt.status, persona_attempt.name) == ("approved", f"{FIRST_NAME} {LAST_NAME}")

    # manual: a reviewer approves the review the learner asked for (before Persona verified them).
    [manual_attempt] = [a for a in api.get_verification_attempts(learner) if a.provider == "manual"]
    with capture():
        decide_attempt(
            manual_attempt.id,
            status="approved",
            reviewer=reviewer,
            reason=f"{FIRST_NAME}'s passport, {LEARNER['email']}",
        )

    # SSO: a sign-in through a trusted identity provider, which knows the learner by their e-mail.
    trusted = load_trusted_backends({"uni-oidc": {"TITLE": "University of Testing"}})["uni-oidc"]
    with capture():
        sso_verify(learner, trusted, LEARNER["email"], f"{FIRST_NAME} {LAST_NAME}")
    attempts = {record.provider: record.id for record in api.get_verification_attempts(learner)}
    assert set(attempts) == {"persona", "manual", "sso"}
    return Journey(inquiry_id=inquiry_id, attempt_ids=attempts)
