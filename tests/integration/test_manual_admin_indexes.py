"""
The manual provider's admin lists read a page in index order on MariaDB: no filesort of the whole table
for each page (``EXPLAIN`` of the very query the admin runs).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from idv_manual.models import ManualReview, PendingAttempt

# transaction=True: ANALYZE TABLE commits (an implicit commit on MariaDB), so a test transaction could not
# roll these rows back; the tables are flushed after each test instead.
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
START = datetime(2026, 1, 1, tzinfo=UTC)
QUEUE_TABLE = "idv_manual_pendingattempt"


def _page_query(client, url: str, table: str) -> str:
    """The SQL of the admin list's page query (the one that reads ``table`` in order, with a LIMIT)."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    [sql] = [
        query["sql"]
        for query in queries.captured_queries
        if f"FROM `{table}`" in query["sql"] and "ORDER BY" in query["sql"] and "LIMIT" in query["sql"]
    ]
    return sql


def _explain(sql: str) -> dict:
    """The plan of the table MariaDB reads first (the list's own)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        columns = [column[0] for column in cursor.description]
        return dict(zip(columns, cursor.fetchone(), strict=True))


def _learners(count: int) -> list:
    """``count`` users, made in bulk."""
    user_model = get_user_model()
    user_model.objects.bulk_create(
        user_model(username=f"bulk{number}", email=f"bulk{number}@example.org") for number in range(count)
    )
    return list(user_model.objects.filter(username__startswith="bulk").order_by("pk"))


# As in an LMS: more users than rows in these tables, each row its own learner's. (With a few thousand
# rows MariaDB still prefers to read the small auth_user first and sort; at 10,000 the plans below hold.)
ROWS = 10000


def test_the_queue_page_reads_the_queue_index_in_order(client, make_user):
    PendingAttempt.objects.bulk_create(
        PendingAttempt(
            attempt_id=number + 1,
            learner=learner,
            provider="sso",
            pending_since=START + timedelta(minutes=number % 97),
        )
        for number, learner in enumerate(_learners(ROWS))
    )
    connection.cursor().execute(f"ANALYZE TABLE auth_user, {QUEUE_TABLE}")
    client.force_login(make_user(is_staff=True, is_superuser=True))

    sql = _page_query(client, "/admin/idv_manual/pendingattempt/", QUEUE_TABLE)

    assert f"ORDER BY `{QUEUE_TABLE}`.`pending_since` ASC, `{QUEUE_TABLE}`.`attempt_id` ASC LIMIT 50" in sql
    plan = _explain(sql)
    assert (plan["table"], plan["key"], plan["rows"]) == (QUEUE_TABLE, "idv_manual_queue_order", "50")
    assert "filesort" not in plan["Extra"]
    # Without the index (as before migration 0002), every page sorted the whole queue.
    without = _explain(
        sql.replace(f"FROM `{QUEUE_TABLE}`", f"FROM `{QUEUE_TABLE}` IGNORE INDEX (idv_manual_queue_order)")
    )
    assert "Using filesort" in without["Extra"]


def test_the_reviews_page_reads_the_primary_key_in_order(client, make_user):
    reviewer = make_user(is_staff=True, is_superuser=True)
    ManualReview.objects.bulk_create(
        ManualReview(attempt_id=number + 1, learner=learner, reviewer=reviewer, decision="approved")
        for number, learner in enumerate(_learners(ROWS))
    )
    connection.cursor().execute("ANALYZE TABLE auth_user, idv_manual_manualreview")
    client.force_login(reviewer)

    plan = _explain(_page_query(client, "/admin/idv_manual/manualreview/", "idv_manual_manualreview"))

    # A page of 100 (the admin's default) read backwards along the primary key.
    assert (plan["table"], plan["key"], plan["rows"]) == ("idv_manual_manualreview", "PRIMARY", "100")
    assert "filesort" not in plan["Extra"]
