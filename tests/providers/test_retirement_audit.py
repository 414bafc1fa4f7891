"""
Retirement leaves nothing of the learner in openedx-idv: after a learner went through every provider
(Persona through the simulator, manual with a review, SSO with a sign-in, the outbox on) and was retired,
no text or JSON column of any table of openedx-idv's apps (the simulator's and the history tables
included) holds their name, username or e-mail. The simulator stands in for Persona's servers: its
tables are cleared by Persona's redaction, which the Persona provider asks for after the retirement
commits. LMS mode runs the same audit: tests/lms/test_retirement_audit.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses
from celery import current_app
from django.test import Client

from idv_core import api
from idv_persona.models import PersonaRedaction
from idv_persona_simulator.models import SimulatedInquiry
from tests.retirement_audit import (
    LEARNER,
    audited_tables,
    deliver_events,
    find_learner_data,
    run_journey,
    the_simulator,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Celery tasks run at once, in the test (as a worker would run them), their errors raised."""
    conf = current_app.conf
    saved = conf.task_always_eager, conf.task_eager_propagates
    conf.task_always_eager = conf.task_eager_propagates = True
    yield
    conf.task_always_eager, conf.task_eager_propagates = saved


@pytest.fixture
def simulator(settings) -> Iterator[responses.RequestsMock]:
    """The provider pointed at the simulator (``the_simulator``)."""
    with the_simulator(settings) as mock:
        yield mock


def test_after_retirement_no_table_of_openedx_idv_holds_the_learner(
    make_user, simulator, eager_tasks, django_capture_on_commit_callbacks
):
    learner = make_user(**LEARNER)
    reviewer = make_user(is_staff=True)
    bystander = make_user(first_name="Grace", last_name="Hopper")
    kept = api.create_verification_attempt(bystander, "Grace Hopper", "approved", provider="manual")
    journey = run_journey(learner, reviewer, lambda: django_capture_on_commit_callbacks(execute=True))
    before = find_learner_data()
    # The audit sees what the flows wrote, in the core, the providers and the simulator alike.
    for expected in (
        "idv_core_verificationattempt.name: first name",
        "idv_core_historicalverificationattempt.name: last name",
        "idv_core_outboxevent.payload: username",
        "idv_core_outboxevent.payload: e-mail",
        "idv_manual_manualreview.reason: e-mail",
        "idv_sso_ssoverification.uid: e-mail",
        "idv_persona_simulator_simulatedinquiry.name_first: first name",
        "idv_persona_simulator_simulatedevent.payload: last name",
    ):
        assert expected in before
    assert {"idv_core_historicalverificationattempt", "idv_persona_simulator_simulatedevent"} <= set(
        audited_tables()
    )

    with django_capture_on_commit_callbacks(execute=True):
        api.retire_user_verification_names(learner)
    # Persona (the simulator) redacted the inquiry after the commit, and said so with a webhook, which
    # the provider accepts and ignores.
    assert PersonaRedaction.objects.get(inquiry_id=journey.inquiry_id).redacted_at is not None
    [(name, response)] = deliver_events(Client(), journey.inquiry_id, {"inquiry.redacted"})
    assert (name, response.status_code, response.json()) == ("inquiry.redacted", 200, {"status": "ignored"})

    assert find_learner_data() == [], find_learner_data()
    # What stays: the decisions, and what is not personal data.
    assert api.get_verification_attempt(journey.attempt_ids["persona"]).status == "approved"
    inquiry = SimulatedInquiry.objects.get(pk=journey.inquiry_id)
    assert (inquiry.status, inquiry.reference_id) == ("approved", f"openedx-user-{learner.pk}")
    assert api.get_verification_attempt(kept).name == "Grace Hopper"
