"""
LMS mode: the LMS's retirement signal reaches idv_core through the LMS's own plugin-receiver wiring and erases
the learner's verified names everywhere openedx-idv keeps them; retiring one learner never touches another
learner's verified name in edx-name-affirmation.
"""

from __future__ import annotations

import pytest
from edx_name_affirmation.models import VerifiedName
from lms.djangoapps.verify_student import api as platform_api
from lms.djangoapps.verify_student.models import VerificationAttempt as PlatformAttempt
from openedx.core.djangoapps.user_api.accounts.signals import USER_RETIRE_LMS_MISC

from idv_core import api
from idv_core.handlers import retire_user_on_lms_retirement
from idv_core.models import OutboxEvent, VerificationAttempt
from idv_manual.models import ManualReview
from idv_persona.models import PersonaInquiry, PersonaWebhookEvent
from idv_sso.models import SSOVerification

pytestmark = pytest.mark.django_db(transaction=True)

ROUTES = {
    "org.openedx.learning.idv_attempt.approved.v1": {
        "learning-idv": {"event_key_field": "idv_attempt.user.id", "enabled": True}
    }
}


def _retire(user) -> None:
    # As the LMS's retirement pipeline sends it (its "misc" step).
    USER_RETIRE_LMS_MISC.send(sender=None, user=user)


def test_the_lms_retirement_signal_erases_names_everywhere(make_user, settings):
    settings.IDV_EVENT_BUS_PRODUCER_CONFIG = ROUTES
    learner, other, reviewer = make_user(), make_user(), make_user(is_staff=True)
    manual_id = api.create_verification_attempt(learner, "Ada Lovelace", "pending", provider="manual")
    api.update_verification_attempt(manual_id, name="Augusta Ada King", status="approved")
    ManualReview.objects.create(
        attempt_id=manual_id, learner=learner, reviewer=reviewer, decision="approved", reason="Ada's passport"
    )
    persona_id = api.create_verification_attempt(
        learner, "Ada Lovelace", "created", provider="persona", external_id="inq_retired1"
    )
    PersonaInquiry.objects.create(inquiry_id="inq_retired1", attempt_id=persona_id, status="created")
    PersonaWebhookEvent.objects.create(
        event_id="evt_retired1", inquiry_id="inq_retired1", name="inquiry.created"
    )
    sso_id = api.create_verification_attempt(
        learner, "Ada Lovelace", "approved", provider="sso", external_id="sso-retired1"
    )
    SSOVerification.objects.create(
        user=learner, attempt_id=sso_id, external_id="sso-retired1", backend="uni-oidc", uid="ada@uni.example"
    )
    kept_id = api.create_verification_attempt(other, "Grace Hopper", "approved", provider="manual")

    _retire(learner)

    assert set(VerificationAttempt.objects.filter(user=learner).values_list("name", flat=True)) == {""}
    assert set(VerificationAttempt.history.filter(user_id=learner.pk).values_list("name", flat=True)) == {""}
    for row in OutboxEvent.objects.filter(user_id=learner.pk):
        assert row.payload["idv_attempt"]["name"] == ""
        assert row.payload["idv_attempt"]["user"]["pii"]["name"] == ""
    assert list(ManualReview.objects.filter(learner=learner).values_list("reason", flat=True)) == [""]
    assert not PersonaWebhookEvent.objects.filter(inquiry_id="inq_retired1").exists()
    assert not SSOVerification.objects.filter(user=learner).exists()
    # The platform deletes its own rows on the same signal; the attempts keep their status.
    assert not PlatformAttempt.objects.filter(user=learner).exists()
    assert api.get_verification_attempt(sso_id).status == "approved"
    # Nobody else's.
    assert api.get_verification_attempt(kept_id).name == "Grace Hopper"
    assert PlatformAttempt.objects.get(user=other).name == "Grace Hopper"


def test_our_receiver_is_connected_by_the_lms_plugin_wiring():
    dispatch_uids = [lookup_key[0] for lookup_key, *_rest in USER_RETIRE_LMS_MISC.receivers]
    assert "idv_core.handlers.retire_user_on_lms_retirement" in dispatch_uids


def test_retiring_one_learner_keeps_another_learner_s_verified_name(make_user):
    ada, bob = make_user(), make_user()
    ada_attempt = api.create_verification_attempt(ada, "Ada Lovelace", "pending", provider="manual")
    api.update_verification_attempt(ada_attempt, status="approved")
    # Bob was verified by the platform's own API, in a platform row that carries the number of Ada's
    # attempt in openedx-idv's table: the case that lost Ada's name when our events carried our own ids.
    bob_row = PlatformAttempt.objects.create(id=ada_attempt, user=bob, name="Bob Builder", status="created")
    platform_api.update_verification_attempt(bob_row.pk, name="Bob Builder", status="approved")
    ada_name = VerifiedName.objects.get(user=ada)
    assert (
        ada_name.platform_verification_attempt_id
        == api.get_verification_attempt(ada_attempt).platform_attempt_id
    )
    assert ada_name.status == "approved"
    assert VerifiedName.objects.get(user=bob).platform_verification_attempt_id == ada_attempt

    _retire(bob)

    assert not VerifiedName.objects.filter(user=bob).exists()
    assert VerifiedName.objects.get(user=ada).verified_name == "Ada Lovelace"


def test_a_retirement_without_a_user_changes_nothing(user, caplog):
    api.create_verification_attempt(user, "Ada Lovelace", "approved", provider="manual")

    retire_user_on_lms_retirement(sender=None)

    assert VerificationAttempt.objects.get(user=user).name == "Ada Lovelace"
    assert "without a user" in caplog.text


def test_a_provider_that_fails_to_retire_makes_the_whole_retirement_fail(user, monkeypatch):
    from idv_core.providers import get_installed_providers

    api.create_verification_attempt(user, "Ada Lovelace", "approved", provider="manual")

    def refuse(user_id: int) -> None:
        raise RuntimeError("the provider's tables are locked")

    monkeypatch.setattr(get_installed_providers()["persona"], "retire_user", refuse)
    with pytest.raises(RuntimeError):
        api.retire_user_verification_names(user)

    assert VerificationAttempt.objects.get(user=user).name == "Ada Lovelace"


def test_a_late_update_of_a_retired_learner_writes_no_platform_row(user):
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "pending", provider="persona")
    _retire(user)
    assert not PlatformAttempt.objects.filter(user=user).exists()

    api.update_verification_attempt(attempt_id, status="approved")  # a late vendor webhook

    assert not PlatformAttempt.objects.filter(user=user).exists()
    assert api.get_verification_attempt(attempt_id).status == "approved"
