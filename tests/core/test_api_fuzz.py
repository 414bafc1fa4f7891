"""Fuzzing the write API: any input is either stored correctly or refused with a documented error."""

from datetime import UTC

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idv_core import api
from idv_core.exceptions import (
    VerificationAttemptAlreadyExists,
    VerificationAttemptInvalidExpiration,
    VerificationAttemptInvalidField,
    VerificationAttemptInvalidName,
    VerificationAttemptInvalidStatus,
    VerificationAttemptInvalidTransition,
)
from idv_core.models import VerificationAttempt

DOCUMENTED = (
    VerificationAttemptInvalidExpiration,
    VerificationAttemptInvalidField,
    VerificationAttemptInvalidName,
    VerificationAttemptInvalidStatus,
    VerificationAttemptInvalidTransition,
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Hypothesis leaves lone surrogates (category Cs) out of text by default: they cannot be encoded as UTF-8.
surrogates = st.text(st.characters(categories=["Cs", "Lu", "Zs"]), min_size=1, max_size=8)
names = st.one_of(st.text(max_size=300), surrogates, st.none(), st.integers(), st.binary(max_size=10))
statuses = st.one_of(
    st.sampled_from(["created", "pending", "approved", "denied"]), st.text(max_size=12), st.none()
)
expirations = st.one_of(
    st.none(),
    st.datetimes(timezones=st.just(UTC)),
    st.datetimes(),  # naive
    st.dates(),
    st.text(max_size=5),
)
flags = st.one_of(st.booleans(), st.integers(), st.none())


@pytest.mark.django_db
@FUZZ
@given(
    name=names,
    status=statuses,
    expiration=expirations,
    hide=flags,
    external_id=st.one_of(st.text(max_size=300), surrogates),
)
def test_create_stores_or_refuses_cleanly(user, name, status, expiration, hide, external_id):
    before = VerificationAttempt.objects.count()
    try:
        attempt_id = api.create_verification_attempt(
            user, name, status, expiration, hide, provider="fuzz", external_id=external_id
        )
    except DOCUMENTED:
        assert VerificationAttempt.objects.count() == before
        return
    except VerificationAttemptAlreadyExists:
        return
    record = api.get_verification_attempt(attempt_id)
    assert record.name == name.strip()
    assert record.status == status
    assert record.external_id == external_id
    assert record.hide_status_from_user is hide


@pytest.mark.django_db
@FUZZ
@given(name=names, status=statuses, expiration=expirations, hide=flags)
def test_update_changes_or_refuses_cleanly(user, name, status, expiration, hide):
    attempt_id = api.create_verification_attempt(user, "Ada", "pending")
    before = api.get_verification_attempt(attempt_id)
    try:
        api.update_verification_attempt(
            attempt_id, name=name, status=status, expiration_datetime=expiration, hide_status_from_user=hide
        )
    except DOCUMENTED:
        assert api.get_verification_attempt(attempt_id) == before
        return
    record = api.get_verification_attempt(attempt_id)
    assert (record.name, record.status, record.hide_status_from_user) == (name.strip(), status, hide)
    if status != "approved" or expiration is not None:
        assert record.expiration_datetime == expiration
