"""idv_core.webhooks: the signed-webhook check and the memory of applied vendor events, for any provider."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from idv_core import api
from idv_core.exceptions import VerificationAttemptInvalidField, VerificationAttemptNotFound
from idv_core.models import ProcessedWebhookEvent
from idv_core.webhooks import (
    InvalidWebhookSignature,
    WebhookEventOutcome,
    record_webhook_event,
    sign_webhook,
    signature_header,
    verify_webhook_signature,
)

BODY = b'{"data": {"id": "evt_1"}}'
NOW = 1_800_000_000
SECRET = "whsec_current"


def _verify(header, *, secrets=(SECRET,), now=NOW, tolerance=300):
    verify_webhook_signature(
        header, BODY, list(secrets), tolerance=tolerance, now=now, header_name="Vendor-Signature"
    )


def test_a_good_signature_passes():
    _verify(signature_header(SECRET, BODY, timestamp=NOW))
    _verify(signature_header(SECRET, BODY, timestamp=NOW), now=lambda: NOW + 299)


def test_a_rotation_accepts_the_old_or_the_new_secret_and_several_groups():
    old = signature_header("whsec_old", BODY, timestamp=NOW)
    _verify(old, secrets=[SECRET, "whsec_old"])
    _verify(f"t={NOW},v1={'0' * 64} {old}", secrets=["whsec_old"])
    _verify(f"t={NOW},v1={'0' * 64},v1={sign_webhook(SECRET, NOW, BODY)}")


@pytest.mark.parametrize(
    ("header", "secrets", "now", "reason"),
    [
        (None, [SECRET], NOW, "no Vendor-Signature header"),
        ("t=1,v1=2", [], NOW, "no webhook secret is configured"),
        ("t=1,v1=2", ["", None], NOW, "no webhook secret is configured"),
        ("x" * 3000, [SECRET], NOW, "the Vendor-Signature header is too long"),
        ("garbage", [SECRET], NOW, "malformed Vendor-Signature header"),
        (f"t={NOW},v1=nothex", [SECRET], NOW, "malformed Vendor-Signature header"),
        (signature_header(SECRET, BODY, timestamp=NOW), [SECRET], NOW + 301, "outside the tolerance"),
        (signature_header(SECRET, BODY, timestamp=NOW), [SECRET], NOW - 301, "outside the tolerance"),
        (signature_header("whsec_other", BODY, timestamp=NOW), [SECRET], NOW, "matches no configured secret"),
    ],
)
def test_a_bad_signature_is_refused_with_the_reason(header, secrets, now, reason):
    with pytest.raises(InvalidWebhookSignature, match=reason):
        _verify(header, secrets=secrets, now=now)


def test_the_body_is_what_is_signed():
    header = signature_header(SECRET, BODY, timestamp=NOW)
    with pytest.raises(InvalidWebhookSignature, match="matches no configured secret"):
        verify_webhook_signature(header, BODY + b" ", [SECRET], tolerance=300, now=NOW)


# --- the memory of applied events ---------------------------------------------------------------------


@pytest.fixture
def attempt_id(user):
    return api.create_verification_attempt(user, "Ada Lovelace", "pending", provider="vendor")


def _record(event_id, attempt_id=None, occurred_at=None):
    with transaction.atomic():
        return record_webhook_event("vendor", event_id, attempt_id=attempt_id, occurred_at=occurred_at)


T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_a_redelivered_event_is_a_duplicate(attempt_id):
    assert _record("evt_1", attempt_id, T0) == WebhookEventOutcome.NEW
    assert _record("evt_1", attempt_id, T0) == WebhookEventOutcome.DUPLICATE
    assert ProcessedWebhookEvent.objects.count() == 1


def test_event_ids_are_per_provider_and_exact(attempt_id):
    assert _record("evt_A") == WebhookEventOutcome.NEW
    assert _record("evt_a") == WebhookEventOutcome.NEW
    with transaction.atomic():
        assert record_webhook_event("other", "evt_A") == WebhookEventOutcome.NEW


def test_an_older_event_arriving_late_is_stale(attempt_id):
    assert _record("evt_approved", attempt_id, T0 + timedelta(minutes=5)) == WebhookEventOutcome.NEW
    assert _record("evt_submitted", attempt_id, T0) == WebhookEventOutcome.STALE
    assert _record("evt_later", attempt_id, T0 + timedelta(minutes=9)) == WebhookEventOutcome.NEW


@pytest.mark.django_db(transaction=True)  # no test transaction around it: autocommit, as a plain script
def test_it_must_run_in_the_transaction_that_applies_the_event(attempt_id):
    with pytest.raises(VerificationAttemptInvalidField, match="inside the transaction"):
        record_webhook_event("vendor", "evt_1", attempt_id=attempt_id)


@pytest.mark.parametrize(
    ("event_id", "occurred_at"), [("", None), ("x" * 256, None), (None, None), ("evt", datetime(2026, 1, 1))]
)
def test_bad_arguments_are_refused(db, event_id, occurred_at):
    with pytest.raises(VerificationAttemptInvalidField), transaction.atomic():
        record_webhook_event("vendor", event_id, occurred_at=occurred_at)


def test_an_unknown_attempt_is_not_found(db):
    with pytest.raises(VerificationAttemptNotFound), transaction.atomic():
        record_webhook_event("vendor", "evt_1", attempt_id=999_999)
