"""
idv_core.rows (one-row statements for providers' hot paths) does what the ORM call it stands for does: the
same instance loaded, the same row written. The default suite runs this on SQLite, ``make test-integration``
on MariaDB and ``make test-postgres`` on PostgreSQL (READ_PATH_TESTS in the Makefile).
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import IntegrityError, connection, models, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import isolate_apps
from django.utils import timezone

from idv_core import rows
from idv_core.models import OutboxEvent, OutboxRelayLease, ProcessedWebhookEvent, VerificationAttempt


def _fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def _outbox(**overrides) -> OutboxEvent:
    values = {
        "event_id": uuid.uuid4(),
        "event_type": "org.openedx.learning.idv_attempt.approved.v1",
        "topic": "learning-idv",
        "attempt_id": 7,
        "sequence": 2,
        "user_id": 3,
        "payload": {"idv_attempt": {"name": "Zoë Ångström", "status": "approved", "ids": [1, 2]}},
        "metadata": {"id": "x", "time": "2026-01-01T00:00:00+00:00", "nested": {"a": None, "b": True}},
        "delivered": datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=UTC),
        "message_id": "1700000000000-0",
        "tries": 4,
        "last_error": "",
    }
    return OutboxEvent(**{**values, **overrides})


@pytest.mark.django_db
@pytest.mark.parametrize("delivered", [None, datetime(2026, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)])
def test_get_row_loads_what_the_orm_loads(delivered):
    OutboxEvent.objects.bulk_create([_outbox(delivered=delivered), _outbox(topic="other")])
    expected = OutboxEvent.objects.get(topic="learning-idv")
    for lookup in (
        {"pk": expected.pk},
        {"id": expected.pk},
        {"event_id": expected.event_id, "topic": "learning-idv"},
    ):
        found = rows.get_row(OutboxEvent, **lookup)
        assert type(found) is OutboxEvent
        assert _fields(found) == _fields(expected)
        # Converted as the ORM converts them: a UUID, decoded JSON, an aware datetime.
        assert isinstance(found.event_id, uuid.UUID)
        assert found.payload["idv_attempt"]["ids"] == [1, 2]
        assert found.delivered == delivered
        # Loaded from the database: saving it updates the row rather than inserting another.
        assert not found._state.adding
        assert found._state.db == expected._state.db
    # A UUID given as text finds the row too, as the ORM's lookup does.
    assert rows.get_row(OutboxEvent, event_id=str(expected.event_id), topic="learning-idv").pk == expected.pk


@pytest.mark.django_db
def test_get_row_of_no_row_is_none():
    assert rows.get_row(OutboxRelayLease, name="nobody") is None
    assert rows.get_row(ProcessedWebhookEvent, provider="persona", event_id="evt_missing") is None


@pytest.mark.django_db
def test_get_row_by_a_foreign_key_by_name_or_column(make_user):
    user = make_user()
    attempt = VerificationAttempt.objects.create(user=user, name="N", status="created", external_id="a1")
    assert rows.get_row(VerificationAttempt, user=user.pk).pk == attempt.pk
    assert rows.get_row(VerificationAttempt, user_id=user.pk).pk == attempt.pk
    assert rows.get_row(VerificationAttempt, user=user).pk == attempt.pk
    assert rows.row_exists(VerificationAttempt, user=user, status="created")


@pytest.mark.django_db
def test_get_row_refuses_a_key_that_matches_two_rows(make_user):
    user = make_user()
    for external_id in ("a1", "a2"):
        VerificationAttempt.objects.create(user=user, name="N", status="created", external_id=external_id)
    with pytest.raises(VerificationAttempt.MultipleObjectsReturned):
        rows.get_row(VerificationAttempt, user_id=user.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lookup", "error", "message"),
    [
        ({"delivered": None}, ValueError, "isnull"),
        ({"outbox_relay": 1}, FieldDoesNotExist, "outbox_relay"),
    ],
)
def test_get_row_and_row_exists_refuse_what_sql_equality_cannot_say(lookup, error, message):
    for call in (rows.get_row, rows.row_exists):
        with pytest.raises(error, match=message):
            call(OutboxEvent, **lookup)


@pytest.mark.django_db
def test_a_call_without_a_key_is_refused():
    # filter() with no condition would be every row: never what a one-row statement means.
    for call in (rows.get_row, rows.row_exists):
        with pytest.raises(ValueError, match="No key given"):
            call(OutboxEvent)


@pytest.mark.django_db
def test_a_relation_that_is_not_a_column_is_refused():
    with pytest.raises(ValueError, match="not a column"):
        rows.row_exists(get_user_model(), idv_attempts=1)


@pytest.mark.django_db(transaction=True)
def test_get_row_for_update_in_a_transaction_only_where_it_would_lock():
    OutboxRelayLease.objects.create(name="relay", owner="w1", expires=timezone.now())
    with transaction.atomic():
        assert rows.get_row(OutboxRelayLease, for_update=True, name="relay").owner == "w1"
    if not connection.features.has_select_for_update:
        # SQLite: no row locks, as the ORM's select_for_update() there.
        assert rows.get_row(OutboxRelayLease, for_update=True, name="relay").owner == "w1"
        return
    with pytest.raises(TransactionManagementError):
        rows.get_row(OutboxRelayLease, for_update=True, name="relay")


def test_the_locking_select_locks_where_the_database_has_row_locks():
    statement = rows._select(OutboxRelayLease, ("name",), connection.vendor, connection.alias)
    if connection.features.has_select_for_update:
        assert statement.locking_select == f"{statement.select} {connection.ops.for_update_sql()}"
    else:
        assert statement.locking_select == statement.select
    assert f"FROM {connection.ops.quote_name(OutboxRelayLease._meta.db_table)} " in statement.select
    # Built once per model, key and vendor.
    assert rows._select(OutboxRelayLease, ("name",), connection.vendor, connection.alias) is statement


@pytest.mark.django_db
def test_row_exists_answers_as_the_orm_on_random_keys():
    picker = random.Random(12)  # noqa: S311 -- test data
    providers, events = ["persona", "manual", "sso"], [f"evt_{n}" for n in range(12)]
    ProcessedWebhookEvent.objects.bulk_create(
        [
            ProcessedWebhookEvent(provider=provider, event_id=event_id, attempt_id=picker.randint(1, 3))
            for provider in providers
            for event_id in picker.sample(events, 6)
        ]
    )
    for _ in range(60):
        lookup = {"provider": picker.choice(providers), "event_id": picker.choice(events)}
        if picker.random() < 0.5:
            lookup["attempt_id"] = picker.randint(1, 3)
        assert rows.row_exists(ProcessedWebhookEvent, **lookup) is (
            ProcessedWebhookEvent.objects.filter(**lookup).exists()
        )


@pytest.mark.django_db
def test_insert_row_writes_what_bulk_create_writes():
    before = timezone.now()
    ours, theirs = _outbox(topic="ours"), _outbox(topic="theirs")
    assert rows.insert_row(ours) is True
    OutboxEvent.objects.bulk_create([theirs])
    # auto_now_add set on the instance, as the ORM sets it.
    assert ours.created >= before
    written = OutboxEvent.objects.get(topic="ours")
    expected = OutboxEvent.objects.get(topic="theirs")
    skip = {"id", "topic", "event_id", "created"}
    assert {k: v for k, v in _fields(written).items() if k not in skip} == {
        k: v for k, v in _fields(expected).items() if k not in skip
    }
    assert written.event_id == ours.event_id
    assert written.created == ours.created
    # As bulk_create(ignore_conflicts=...): the auto primary key is not read back.
    assert ours.pk is None


@pytest.mark.django_db
def test_insert_row_with_its_own_primary_key():
    expires = datetime(2027, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    assert rows.insert_row(OutboxRelayLease(name="relay", owner="w1", expires=expires)) is True
    assert _fields(OutboxRelayLease.objects.get(pk="relay")) == {
        "name": "relay",
        "owner": "w1",
        "expires": expires,
    }


@pytest.mark.django_db(transaction=True)
def test_insert_row_on_a_taken_key_raises_or_keeps_the_row():
    first = _outbox()
    rows.insert_row(first)
    again = _outbox(event_id=first.event_id, attempt_id=99)
    assert rows.insert_row(again, ignore_conflicts=True) is False
    assert OutboxEvent.objects.get().attempt_id == 7
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.insert_row(again)
    assert OutboxEvent.objects.count() == 1


@pytest.mark.django_db
def test_update_row_writes_what_save_with_update_fields_writes():
    ours, theirs = _outbox(topic="ours"), _outbox(topic="theirs")
    OutboxEvent.objects.bulk_create([ours, theirs])
    ours, theirs = OutboxEvent.objects.get(topic="ours"), OutboxEvent.objects.get(topic="theirs")
    for attempt in (ours, theirs):
        attempt.tries, attempt.payload, attempt.delivered, attempt.attempt_id = 5, {"b": [1]}, None, 123
    assert rows.update_row(ours, ["tries", "payload", "delivered"]) is True
    theirs.save(update_fields=["tries", "payload", "delivered"])
    skip = {"id", "topic", "event_id", "created"}
    written, expected = OutboxEvent.objects.get(topic="ours"), OutboxEvent.objects.get(topic="theirs")
    assert {k: v for k, v in _fields(written).items() if k not in skip} == {
        k: v for k, v in _fields(expected).items() if k not in skip
    }
    # attempt_id was not among the fields: unchanged in both.
    assert written.attempt_id == 7


@pytest.mark.django_db
def test_update_row_sets_an_auto_now_field_as_save_does(make_user):
    attempt = VerificationAttempt.objects.create(user=make_user(), name="N", status="created")
    earlier = attempt.modified
    attempt.modified = earlier - timedelta(days=3)
    attempt.status = "pending"
    assert rows.update_row(attempt, ["status", "modified"]) is True
    stored = VerificationAttempt.objects.get(pk=attempt.pk)
    assert stored.status == "pending"
    assert stored.modified == attempt.modified >= earlier


@pytest.mark.django_db
def test_update_row_of_a_gone_row_is_false_and_refuses_what_it_cannot_do():
    lease = OutboxRelayLease.objects.create(name="relay", owner="w1", expires=timezone.now())
    OutboxRelayLease.objects.all().delete()
    assert rows.update_row(lease, ["owner"]) is False
    with pytest.raises(ValueError, match="primary key"):
        rows.update_row(lease, ["name"])
    with pytest.raises(ValueError, match="saved"):
        rows.update_row(OutboxEvent(), ["tries"])
    with pytest.raises(ValueError, match="No field"):
        rows.update_row(lease, [])


@isolate_apps("tests")
def test_a_model_whose_row_spreads_over_several_tables_is_refused():
    class Parent(models.Model):  # noqa: DJ008 -- a throwaway test model
        name = models.CharField(max_length=10)

        class Meta:
            app_label = "tests"

    class Child(Parent):  # noqa: DJ008
        extra = models.CharField(max_length=10)

        class Meta:
            app_label = "tests"

    for call in (lambda: rows.get_row(Child, pk=1), lambda: rows.insert_row(Child(name="a", extra="b"))):
        with pytest.raises(ValueError, match="inherits another model's table"):
            call()
    child = Child(name="a", extra="b")
    child.pk = 1
    with pytest.raises(ValueError, match="inherits"):
        rows.update_row(child, ["extra"])
