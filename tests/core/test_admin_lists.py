"""The attempts changelist: no join in its page query, constant queries, a "created" filter."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from idv_core import api
from idv_core.models import VerificationAttempt

pytestmark = [pytest.mark.django_db]
CHANGELIST = "/admin/idv_core/verificationattempt/"


@pytest.fixture
def admin_client(client, make_user):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def _attempts_of_new_users(make_user, count: int) -> None:
    VerificationAttempt.objects.bulk_create(
        VerificationAttempt(user=make_user(), name="N", status="denied") for _ in range(count)
    )


def _queries(client, url: str, params: dict | None = None) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_the_changelist_costs_the_same_queries_for_3_or_120_attempts_of_different_users(
    admin_client, make_user
):
    _attempts_of_new_users(make_user, 3)
    few = _queries(admin_client, CHANGELIST)
    _attempts_of_new_users(make_user, 117)
    many = _queries(admin_client, CHANGELIST)
    assert len(many) == len(few)
    page_query = next(sql for sql in many if "idv_core_verificationattempt" in sql and "LIMIT 100" in sql)
    assert " JOIN " not in page_query


def test_the_changelist_shows_each_attempt_s_user(admin_client, make_user):
    ada = make_user(username="ada_changelist")
    api.create_verification_attempt(ada, "Ada", "approved")
    assert "ada_changelist" in admin_client.get(CHANGELIST).content.decode()


def test_the_created_filter_replaces_the_date_hierarchy(admin_client, user):
    api.create_verification_attempt(user, "Ada", "approved")
    old = api.create_verification_attempt(user, "Ada", "denied")
    VerificationAttempt.objects.filter(pk=old).update(created="2001-01-01T00:00:00Z")
    queries = _queries(admin_client, CHANGELIST)
    assert not [sql for sql in queries if "DISTINCT" in sql and "created" in sql]
    response = admin_client.get(CHANGELIST, {"created__gte": "2020-01-01 00:00:00+00:00"})
    assert response.context["cl"].result_count == 1
