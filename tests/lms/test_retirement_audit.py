"""
LMS mode: the retirement audit of tests/providers/test_retirement_audit.py, with the LMS's retirement
signal, its ``ATOMIC_REQUESTS``, transactions that really commit, its Celery app (eager) and the platform's
``verify_student`` rows mirrored. No table of openedx-idv holds the learner's name, username or e-mail
afterwards; the platform's own tables (its users, its mirrored attempts) are the platform's retirement's
job and are not searched here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
import responses
from django.core.management import call_command
from django.test import Client
from lms.djangoapps.verify_student.models import VerificationAttempt as PlatformAttempt
from openedx.core.djangoapps.user_api.accounts.signals import USER_RETIRE_LMS_MISC

from idv_core import api
from idv_persona import client
from idv_persona.models import PersonaRedaction
from idv_persona_simulator import control
from tests.retirement_audit import LEARNER, deliver_events, find_learner_data, run_journey, the_simulator

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def simulator(settings) -> Iterator[responses.RequestsMock]:
    """The provider pointed at the simulator (``the_simulator``)."""
    with the_simulator(settings) as mock:
        yield mock


def test_after_the_lms_retirement_no_table_of_openedx_idv_holds_the_learner(make_user, simulator):
    learner = make_user(**LEARNER)
    reviewer = make_user(is_staff=True)
    # Every transaction commits for real here: the after-commit work runs by itself.
    journey = run_journey(learner, reviewer, contextlib.nullcontext)
    assert PlatformAttempt.objects.filter(user=learner).count() == 3  # mirrored
    assert "idv_persona_simulator_simulatedinquiry.name_last: last name" in find_learner_data()

    USER_RETIRE_LMS_MISC.send(sender=None, user=learner)

    assert PersonaRedaction.objects.get(inquiry_id=journey.inquiry_id).redacted_at is not None
    [(_name, response)] = deliver_events(Client(), journey.inquiry_id, {"inquiry.redacted"})
    assert response.json() == {"status": "ignored"}
    assert find_learner_data() == [], find_learner_data()
    assert api.get_verification_attempt(journey.attempt_ids["sso"]).status == "approved"


def test_with_persona_down_the_lms_retirement_succeeds_and_the_sync_command_redacts_later(
    make_user, simulator, monkeypatch
):
    monkeypatch.setattr(client, "BACKOFF_FACTOR", 0)  # the client's own retries, without their waits
    learner = make_user(**LEARNER)
    journey = run_journey(learner, make_user(is_staff=True), contextlib.nullcontext)
    control.set_api_outage(503)

    USER_RETIRE_LMS_MISC.send(sender=None, user=learner)  # the task runs (eagerly) and retries, in vain

    assert api.get_verification_attempt(journey.attempt_ids["persona"]).name == ""
    assert PersonaRedaction.objects.get(inquiry_id=journey.inquiry_id).redacted_at is None
    assert "idv_persona_simulator_simulatedinquiry.name_first: first name" in find_learner_data()

    control.set_api_outage(None)
    call_command("idv_persona_sync")

    assert PersonaRedaction.objects.get(inquiry_id=journey.inquiry_id).redacted_at is not None
    assert find_learner_data() == [], find_learner_data()
