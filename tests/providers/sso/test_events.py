"""The sso provider's events reach openedx-events receivers after the sign-in's transaction commits."""

from __future__ import annotations

import pytest
from openedx_events.learning.signals import IDV_ATTEMPT_APPROVED, IDV_ATTEMPT_CREATED

from idv_sso.models import SSOVerification

pytestmark = pytest.mark.urls("tests.providers.sso.urls")


@pytest.mark.django_db(transaction=True)
def test_events_are_sent_after_commit_once_per_status_change(sign_in, fake_idp):
    seen = []

    def receiver(signal, idv_attempt, **kwargs):
        # The provider's record is saved after the attempt, in the same transaction: a receiver that can
        # read it runs after the commit, not when the attempt was created.
        committed = SSOVerification.objects.filter(attempt_id=idv_attempt.attempt_id).exists()
        seen.append((signal.event_type.split(".")[-2], idv_attempt.attempt_id, committed))

    for signal in (IDV_ATTEMPT_CREATED, IDV_ATTEMPT_APPROVED):
        signal.connect(receiver, dispatch_uid="sso-test-receiver")
    try:
        sign_in()
        sign_in()  # same name, unexpired: no status change, no event
        fake_idp.identity["name"] = "Ada King"
        sign_in()  # a new attempt: its own two events
    finally:
        for signal in (IDV_ATTEMPT_CREATED, IDV_ATTEMPT_APPROVED):
            signal.disconnect(dispatch_uid="sso-test-receiver")

    first, second = SSOVerification.objects.order_by("pk").values_list("attempt_id", flat=True)
    assert seen == [
        ("created", first, True),
        ("approved", first, True),
        ("created", second, True),
        ("approved", second, True),
    ]
