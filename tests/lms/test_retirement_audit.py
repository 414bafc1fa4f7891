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
from django.test import Client
from lms.djangoapps.verify_student.models import VerificationAttempt as PlatformAttempt
from openedx.core.djangoapps.user_api.accounts.signals import USER_RETIRE_LMS_MISC

from idv_core import api
from idv_persona.models import PersonaRedaction
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
