"""
The simulator's hosted flow of an inquiry made for a learner of this site (its reference-id names them) is
that learner's only: another learner can neither open nor decide it by its id (issue 13, point 4).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks
from django.test import Client, override_settings

from idv_persona_simulator.models import SimulatedInquiry

from .test_simulator import SIM, _create, _open_flow, _submit, clean_simulator  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.django_db


def _learners_inquiry(client: Client, learner: Any) -> str:
    # openedx-idv-persona names its learners so in every inquiry it creates.
    return _create(client, **{"reference-id": f"openedx-user-{learner.pk}"})["id"]


def test_only_the_learner_opens_and_decides_their_inquiry(make_user) -> None:
    ada, bob = make_user(), make_user()
    ada_browser, bob_browser = Client(), Client()
    ada_browser.force_login(ada)
    bob_browser.force_login(bob)
    inquiry_id = _learners_inquiry(Client(), ada)

    refused = _open_flow(bob_browser, inquiry_id)
    assert refused.status_code == 403
    assert b"belongs to another account" in refused.content
    assert SimulatedInquiry.objects.get(pk=inquiry_id).status == "created"  # Bob did not even start it

    page = _open_flow(ada_browser, inquiry_id)
    assert page.status_code == 200
    token = page.context["session_token"]
    # Even with Ada's session token (a leaked link), Bob cannot decide it.
    assert _submit(bob_browser, inquiry_id, "approve", token).status_code == 403
    assert SimulatedInquiry.objects.get(pk=inquiry_id).status == "pending"

    assert _submit(ada_browser, inquiry_id, "approve", token).status_code == 302
    assert SimulatedInquiry.objects.get(pk=inquiry_id).status == "approved"


def test_nobody_signed_in_is_sent_to_log_in_first(make_user, client: Client) -> None:
    inquiry_id = _learners_inquiry(client, make_user())
    response = _open_flow(client, inquiry_id)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/persona-simulator/verify%3Finquiry-id%3D")
    assert _submit(client, inquiry_id, "approve", "any-token").status_code == 403
    assert SimulatedInquiry.objects.get(pk=inquiry_id).status == "created"


def test_an_inquiry_naming_no_learner_opens_for_the_first_session_as_on_persona(client: Client) -> None:
    inquiry_id = _create(client, **{"reference-id": "attempt-1"})["id"]
    assert _open_flow(client, inquiry_id).status_code == 200


def test_without_a_learner_reference_format_every_inquiry_opens_as_on_persona(
    make_user, client: Client
) -> None:
    inquiry_id = _learners_inquiry(client, make_user())
    with override_settings(IDV_PERSONA_SIMULATOR={**SIM, "LEARNER_REFERENCE_ID": None}):
        assert _open_flow(client, inquiry_id).status_code == 200


def test_a_custom_learner_reference_format_is_followed(make_user) -> None:
    ada, bob = make_user(), make_user()
    with override_settings(IDV_PERSONA_SIMULATOR={**SIM, "LEARNER_REFERENCE_ID": "site-a:{user_id}:x"}):
        inquiry_id = _create(Client(), **{"reference-id": f"site-a:{ada.pk}:x"})["id"]
        browser = Client()
        browser.force_login(bob)
        assert _open_flow(browser, inquiry_id).status_code == 403
        browser.force_login(ada)
        assert _open_flow(browser, inquiry_id).status_code == 200


@pytest.mark.parametrize("value", ["openedx-user", "{user_id}-{user_id}", 5])
def test_a_malformed_learner_reference_format_is_e002(value: Any) -> None:
    with override_settings(IDV_PERSONA_SIMULATOR={**SIM, "LEARNER_REFERENCE_ID": value}):
        assert "idv_persona_simulator.E002" in [message.id for message in run_checks()]
    assert "idv_persona_simulator.E002" not in [message.id for message in run_checks()]
