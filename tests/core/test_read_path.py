"""
The read path's SQL (idv_core.read_sql) answers exactly what the ORM answers.

The ORM versions below are the read functions as they were written with querysets; random populations
(every status, expirations None / past / the very moment of the read / future, hidden attempts, several
attempts per user) are read both ways at the same instant. The default suite runs this on SQLite,
``make test-integration`` on MariaDB and ``make test-postgres`` on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from idv_core import api, read_sql
from idv_core.data import UserVerificationStatus
from idv_core.exceptions import VerificationAttemptInvalidField, VerificationAttemptNotFound
from idv_core.models import VerificationAttempt
from idv_core.statuses import UserVerificationState, VerificationAttemptStatus

AGREE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
USERS = 4


# --- the ORM versions -----------------------------------------------------------------------------------


def _current_approval(now: datetime) -> Q:
    return Q(status="approved") & (Q(expiration_datetime__isnull=True) | Q(expiration_datetime__gt=now))


def orm_is_user_verified(user_id: int, now: datetime) -> bool:
    return VerificationAttempt.objects.filter(_current_approval(now), user_id=user_id).exists()


def orm_verified_user_ids(user_ids: list[int], now: datetime) -> set[int]:
    return set(
        VerificationAttempt.objects.filter(_current_approval(now), user_id__in=user_ids)
        .values_list("user_id", flat=True)
        .distinct()
    )


def orm_status(user_id: int, now: datetime) -> UserVerificationStatus:
    rows = list(
        VerificationAttempt.objects.filter(user_id=user_id)
        .order_by("-pk")
        .values_list("pk", "status", "expiration_datetime", "hide_status_from_user")
    )
    current = [row for row in rows if row[1] == "approved" and (row[2] is None or row[2] > now)]
    if current:
        # The approval that lasts longest (None: forever); the newest of equals.
        pk, _status, expiration, _hidden = max(
            current, key=lambda row: (row[2] is None, row[2] or now, -rows.index(row))
        )
        return UserVerificationStatus(UserVerificationState.APPROVED, True, expiration, pk)
    visible = [row for row in rows if not row[3]]
    if not visible:
        return UserVerificationStatus(UserVerificationState.NONE, False, None, None)
    pk, status, expiration, _hidden = visible[0]
    state = UserVerificationState.EXPIRED if status == "approved" else UserVerificationState(status)
    return UserVerificationStatus(state, False, expiration, pk)


def orm_attempt_from_event(attempt_id: int):
    candidates = VerificationAttempt.objects.filter(
        Q(platform_attempt_id=attempt_id) | Q(pk=attempt_id, platform_attempt_id__isnull=True)
    )
    attempts = sorted(candidates, key=lambda attempt: attempt.platform_attempt_id is None)
    return api._to_record(attempts[0]) if attempts else None


# --- random populations ---------------------------------------------------------------------------------

# The instant of the reads: a whole second (SQLite compares text) or not.
instants = st.sampled_from(
    [datetime(2031, 5, 17, 12, 0, 0, tzinfo=UTC), datetime(2031, 5, 17, 12, 0, 0, 500_001, tzinfo=UTC)]
)
# Expirations relative to the instant: none, long past, a microsecond either side, the very instant, future.
offsets = st.one_of(
    st.none(),
    st.sampled_from(
        [
            timedelta(days=-400),
            timedelta(microseconds=-1),
            timedelta(0),
            timedelta(microseconds=1),
            timedelta(seconds=1),
            timedelta(days=365),
        ]
    ),
    st.timedeltas(min_value=timedelta(days=-30), max_value=timedelta(days=30)),
)
attempts = st.tuples(st.sampled_from(VerificationAttemptStatus.values()), offsets, st.booleans())
populations = st.lists(st.lists(attempts, max_size=5), min_size=USERS, max_size=USERS)


@pytest.fixture
def learners(make_user):
    return [make_user().pk for _ in range(USERS)]


def _load(user_ids: list[int], population, now: datetime) -> None:
    VerificationAttempt.objects.all().delete()
    VerificationAttempt.objects.bulk_create(
        VerificationAttempt(
            user_id=user_id,
            name="N",
            status=status,
            expiration_datetime=None if offset is None else now + offset,
            hide_status_from_user=hidden,
        )
        for user_id, user_attempts in zip(user_ids, population, strict=True)
        for status, offset, hidden in user_attempts
    )


# The boundaries, always tried: an approval expiring at the very instant of the read (not current), a
# microsecond later (current), never; hidden approvals; an older longer approval behind newer attempts.
BOUNDARIES = [
    [("approved", timedelta(0), False)],
    [("approved", timedelta(microseconds=1), True), ("denied", None, False)],
    [("approved", None, True), ("approved", None, False), ("pending", None, True)],
    [
        ("approved", timedelta(days=9), False),
        ("approved", timedelta(days=-1), False),
        ("created", None, False),
    ],
]


@pytest.mark.django_db
@AGREE
@given(population=populations, now=instants)
@example(population=BOUNDARIES, now=datetime(2031, 5, 17, 12, 0, 0, tzinfo=UTC))
@example(population=BOUNDARIES, now=datetime(2031, 5, 17, 12, 0, 0, 500_001, tzinfo=UTC))
def test_the_read_functions_answer_as_the_orm(learners, population, now, monkeypatch):
    _load(learners, population, now)
    monkeypatch.setattr(timezone, "now", lambda: now)
    unknown = max(learners) + 1000

    for user_id in [*learners, unknown]:
        assert api.is_user_verified(user_id) is orm_is_user_verified(user_id, now)
        assert api.get_user_verification_status(user_id) == orm_status(user_id, now)
    assert api.get_verified_user_ids([*learners, unknown]) == orm_verified_user_ids([*learners, unknown], now)


@pytest.mark.django_db
@AGREE
@given(population=populations, now=instants)
def test_the_sql_reads_convert_values_as_the_orm(learners, population, now):
    _load(learners, population, now)
    for user_id in learners:
        expected = list(
            VerificationAttempt.objects.filter(user_id=user_id)
            .order_by("-pk")
            .values_list("pk", "status", "expiration_datetime", "hide_status_from_user")
        )
        rows = read_sql.user_attempt_rows(user_id)
        assert rows == expected
        # Aware datetimes and real booleans, as the ORM gives them (SQLite stores text and 0/1).
        assert all(isinstance(hidden, bool) for *_rest, hidden in rows)
        assert all(expiration is None or timezone.is_aware(expiration) for _pk, _s, expiration, _h in rows)
    mirrored = read_sql.mirrored_approved_user_ids_among(learners)
    assert mirrored == set()


def test_the_statements_name_the_models_table_and_columns():
    statements = read_sql._statements(connection.vendor, connection.alias)
    quote = connection.ops.quote_name
    meta = VerificationAttempt._meta
    for statement in (statements.is_verified, statements.verified_among):
        assert f"FROM {quote(meta.db_table)} " in statement
        assert quote(meta.get_field("expiration_datetime").column) in statement
        assert quote(meta.get_field("user").column) in statement
    assert quote(meta.get_field("hide_status_from_user").column) in statements.attempts_of_user
    assert quote(meta.get_field("platform_attempt_id").column) in statements.mirrored_approved_among
    # Built once: the same object for every later read on this vendor.
    assert read_sql._statements(connection.vendor, connection.alias) is statements


@pytest.mark.django_db
def test_mirrored_approvals_are_found_expired_or_not(make_user):
    mirrored, expired_mirrored, unmirrored = make_user().pk, make_user().pk, make_user().pk
    past = timezone.now() - timedelta(days=1)
    VerificationAttempt.objects.bulk_create(
        [
            VerificationAttempt(user_id=mirrored, name="N", status="approved", platform_attempt_id=1),
            VerificationAttempt(
                user_id=expired_mirrored,
                name="N",
                status="approved",
                platform_attempt_id=2,
                expiration_datetime=past,
            ),
            VerificationAttempt(user_id=unmirrored, name="N", status="approved"),
            VerificationAttempt(user_id=unmirrored, name="N", status="denied", platform_attempt_id=3),
        ]
    )
    found = read_sql.mirrored_approved_user_ids_among([mirrored, expired_mirrored, unmirrored])
    assert found == {mirrored, expired_mirrored}


@pytest.mark.django_db
def test_a_bulk_read_of_more_ids_than_a_chunk_reads_every_chunk(make_user, django_assert_num_queries):
    verified = make_user().pk
    VerificationAttempt.objects.create(user_id=verified, name="N", status="approved")
    ids = [verified, *range(10**9, 10**9 + api.VERIFIED_USER_IDS_CHUNK_SIZE)]
    with django_assert_num_queries(2):
        assert api.get_verified_user_ids(ids) == {verified}
    assert read_sql.verified_user_ids_among([], timezone.now()) == set()
    assert read_sql.mirrored_approved_user_ids_among([]) == set()


@pytest.mark.django_db
@pytest.mark.parametrize("bad", [[True], [1, False], [[1]], [1, "2"], [1.0]])
def test_the_bulk_read_refuses_what_is_not_a_user_id(bad):
    with pytest.raises(VerificationAttemptInvalidField):
        api.get_verified_user_ids(bad)


# --- one attempt by id and by the provider's reference ---------------------------------------------------

records = st.lists(
    st.tuples(
        st.sampled_from(VerificationAttemptStatus.values()),
        offsets,
        st.booleans(),
        st.sampled_from(["", "persona", "Persona", "manual"]),
        st.booleans(),  # with an external id
        # platform_attempt_id: small numbers, so that some equal another attempt's own id.
        st.one_of(st.none(), st.integers(min_value=0, max_value=20)),
        st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs"]), min_size=1, max_size=40),
    ),
    min_size=1,
    max_size=8,
)


@pytest.mark.django_db
@AGREE
@given(population=records, now=instants)
def test_one_attempt_is_read_as_the_orm_reads_it(learners, population, now):
    VerificationAttempt.objects.all().delete()
    attempts = VerificationAttempt.objects.bulk_create(
        VerificationAttempt(
            user_id=learners[index % USERS],
            name=name,
            status=status,
            expiration_datetime=None if offset is None else now + offset,
            hide_status_from_user=hidden,
            provider=provider,
            external_id=f"ext-{index}" if with_reference else None,
            platform_attempt_id=None if platform_id is None else platform_id * 100 + index + 1,
        )
        for index, (status, offset, hidden, provider, with_reference, platform_id, name) in enumerate(
            population
        )
    )
    for attempt in VerificationAttempt.objects.all():
        expected = api._to_record(attempt)
        assert api.get_verification_attempt(attempt.pk) == expected
        if attempt.external_id:
            assert (
                api.get_verification_attempt_by_external_id(attempt.provider, attempt.external_id) == expected
            )
            # Provider ids and references compare exactly (binary collation on MySQL/MariaDB).
            with pytest.raises(VerificationAttemptNotFound):
                api.get_verification_attempt_by_external_id(attempt.provider, attempt.external_id.upper())
    assert len(attempts) == len(population)
    # An event names the platform's row inside the LMS, our own id outside it: the mirrored attempt wins.
    named = {attempt.pk for attempt in attempts} | {
        a.platform_attempt_id for a in attempts if a.platform_attempt_id
    }
    for attempt_id in named | {0, 10**6}:
        expected = orm_attempt_from_event(attempt_id)
        try:
            found = api.get_verification_attempt_from_event(SimpleNamespace(attempt_id=attempt_id))
        except VerificationAttemptNotFound:
            found = None
        assert found == expected


@pytest.mark.django_db
@pytest.mark.parametrize("attempt_id", [0, -1, 2**63 - 1, 2**63, -(2**63) - 1, 10**30])
def test_an_attempt_id_that_no_attempt_has_is_not_found(attempt_id, django_assert_max_num_queries):
    with django_assert_max_num_queries(1), pytest.raises(VerificationAttemptNotFound):
        api.get_verification_attempt(attempt_id)


@pytest.mark.django_db
def test_one_attempt_is_one_query(user, django_assert_num_queries):
    attempt_id = api.create_verification_attempt(
        user, "Ada", "created", provider="persona", external_id="inq_1"
    )
    with django_assert_num_queries(1):
        assert api.get_verification_attempt(attempt_id).external_id == "inq_1"
    with django_assert_num_queries(1):
        assert api.get_verification_attempt_by_external_id("persona", "inq_1").id == attempt_id


@pytest.mark.django_db
def test_an_event_naming_both_a_platform_row_and_our_id_means_the_mirrored_attempt(make_user):
    unmirrored = VerificationAttempt.objects.create(user=make_user(), name="A", status="pending")
    mirrored = VerificationAttempt.objects.create(
        user=make_user(), name="B", status="pending", platform_attempt_id=unmirrored.pk
    )
    event = SimpleNamespace(attempt_id=unmirrored.pk)
    assert api.get_verification_attempt_from_event(event).id == mirrored.pk
    assert orm_attempt_from_event(unmirrored.pk).id == mirrored.pk
    # A mirrored attempt's own id is not what its events carry: it names nothing, for the ORM too.
    assert orm_attempt_from_event(mirrored.pk) is None
    with pytest.raises(VerificationAttemptNotFound):
        api.get_verification_attempt_from_event(SimpleNamespace(attempt_id=mirrored.pk))
