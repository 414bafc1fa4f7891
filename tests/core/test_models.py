"""Database-level guarantees of VerificationAttempt, whatever writes to it."""

import pytest
from django.db import IntegrityError, transaction

from idv_core.models import VerificationAttempt

pytestmark = pytest.mark.django_db


def test_provider_and_external_id_are_unique_in_the_database(user):
    VerificationAttempt.objects.create(user=user, name="A", provider="persona", external_id="inq_1")
    with pytest.raises(IntegrityError), transaction.atomic():
        VerificationAttempt.objects.create(user=user, name="A", provider="persona", external_id="inq_1")


def test_many_attempts_without_external_id_are_allowed(user):
    for _ in range(3):
        VerificationAttempt.objects.create(user=user, name="A", provider="persona", external_id=None)
    assert VerificationAttempt.objects.count() == 3


def test_the_database_refuses_an_unknown_status(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        VerificationAttempt.objects.create(user=user, name="A", status="verified")


def test_the_database_refuses_a_blank_external_id(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        VerificationAttempt.objects.create(user=user, name="A", provider="persona", external_id="")


def test_str_never_contains_the_name(user):
    attempt = VerificationAttempt.objects.create(user=user, name="Zebulon Quartermaine")
    assert str(attempt) == f"VerificationAttempt {attempt.pk} of user {user.pk} (created)"
