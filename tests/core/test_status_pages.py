"""The learner's /idv/status page lists the visible attempts a page at a time, in constant queries."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from idv_core.attempt_pages import STATUS_PAGE_SIZE, UserAttempts
from idv_core.models import VerificationAttempt

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_provider_registry")]


def _bulk_attempts(user, count: int, **fields) -> None:
    VerificationAttempt.objects.bulk_create(
        VerificationAttempt(user=user, name=f"Ada Number{number:05d}", status="denied", **fields)
        for number in range(count)
    )


def _names_on(page: str) -> list[str]:
    return re.findall(r"Ada Number\d{5}", page)


def test_the_status_page_shows_twenty_attempts_per_page_newest_first(client, user):
    _bulk_attempts(user, 45)
    _bulk_attempts(user, 3, hide_status_from_user=True)  # never shown, never counted
    client.force_login(user)

    first = client.get("/idv/status").content.decode()
    assert STATUS_PAGE_SIZE == 20
    assert _names_on(first) == [f"Ada Number{number:05d}" for number in range(44, 24, -1)]
    assert "Page 1 of 3" in first
    assert 'href="?page=2"' in first

    last = client.get("/idv/status", {"page": 3}).content.decode()
    assert _names_on(last) == [f"Ada Number{number:05d}" for number in range(4, -1, -1)]
    assert 'href="?page=2"' in last
    assert 'rel="next"' not in last

    # A page number out of range or not a number: the last or the first page, never an error.
    assert _names_on(client.get("/idv/status", {"page": 99}).content.decode()) == _names_on(last)
    assert _names_on(client.get("/idv/status", {"page": "x"}).content.decode()) == _names_on(first)


def test_the_page_links_keep_the_course_to_return_to(client, user):
    _bulk_attempts(user, 25)
    client.force_login(user)
    page = client.get("/idv/status", {"course_id": "course-v1:Org+C+R", "page": 1}).content.decode()
    assert 'href="?course_id=course-v1%3AOrg%2BC%2BR&amp;page=2"' in page


def test_a_learner_with_few_attempts_sees_no_page_links(client, user):
    _bulk_attempts(user, 3)
    client.force_login(user)
    page = client.get("/idv/status").content.decode()
    assert len(_names_on(page)) == 3
    assert 'data-testid="idv-pages"' not in page


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/idv/status").status_code == 200
    return len(queries)


def test_the_status_page_costs_the_same_queries_for_5_or_2000_attempts(client, make_user):
    light, heavy = make_user(), make_user()
    _bulk_attempts(light, 5)
    _bulk_attempts(heavy, 2000)
    client.force_login(light)
    light_count = _queries(client)
    client.force_login(heavy)
    heavy_count = _queries(client)
    assert heavy_count == light_count


def test_user_attempts_reads_by_slices_only(user):
    _bulk_attempts(user, 2)
    attempts = UserAttempts(user.pk)
    assert len(attempts) == 2
    assert [record.name for record in attempts[0:1]] == ["Ada Number00001"]
    with pytest.raises(TypeError):
        attempts[0]
