"""
The paged lists and the admin changelists read an index on MariaDB: no filesort over the whole table.

The plans are MariaDB's own (EXPLAIN) on enough rows for its optimizer to choose as it would in production.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from idv_core.attempt_pages import UserAttempts
from idv_core.models import OutboxEvent, VerificationAttempt

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def _explain(sql: str, params: tuple = ()) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture
def many_rows(make_user):
    """300 learners with 10 attempts each, one with 2,000, and 3,000 outbox records on 2 topics."""
    learners = [make_user() for _ in range(300)]
    heavy = make_user()
    VerificationAttempt.objects.bulk_create(
        [
            VerificationAttempt(user=learner, name="N", status="denied")
            for learner in learners
            for _ in range(10)
        ]
        + [VerificationAttempt(user=heavy, name="N", status="denied") for _ in range(2000)]
    )
    OutboxEvent.objects.bulk_create(
        OutboxEvent(
            event_id=uuid.uuid4(),
            event_type="org.openedx.learning.idv_attempt.approved.v1",
            topic=f"topic-{number % 2}",
            attempt_id=number,
            user_id=learners[number % 300].pk,
            payload={},
            metadata={},
        )
        for number in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE TABLE idv_core_verificationattempt, idv_core_outboxevent, auth_user")
    return heavy


def test_a_learner_s_page_reads_the_user_id_index_backwards_without_sorting(many_rows):
    with CaptureQueriesContext(connection) as queries:
        assert len(UserAttempts(many_rows.pk, visible_only=True)[0:20]) == 20
    [query] = queries.captured_queries
    [plan] = _explain(query["sql"])
    assert plan["key"] == "idv_attempt_user_id"
    assert "filesort" not in (plan["Extra"] or "")


def _admin_queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in queries.captured_queries if "idv_core_" in query["sql"]]


@pytest.mark.parametrize("changelist", ["verificationattempt", "outboxevent"])
def test_the_admin_changelists_never_sort_a_whole_table(client, make_user, many_rows, changelist):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    sorted_queries = [
        sql for sql in _admin_queries(client, f"/admin/idv_core/{changelist}/") if "ORDER BY" in sql
    ]
    page_query = next(sql for sql in sorted_queries if "LIMIT 100" in sql)
    assert " JOIN " not in page_query  # a join lets MariaDB start from the users and sort everything
    for sql in sorted_queries:
        for plan in _explain(sql):
            assert "filesort" not in (plan["Extra"] or ""), (sql, plan)
    distinct_filters = [sql for sql in sorted_queries if sql.startswith("SELECT DISTINCT")]
    assert distinct_filters  # list_filter's choices (provider; event_type and topic)
    for sql in distinct_filters:
        [plan] = _explain(sql)
        assert "Using index for group-by" in plan["Extra"], (sql, plan)
