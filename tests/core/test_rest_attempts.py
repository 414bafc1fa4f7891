"""
The staff attempts list of the REST API: names only with ``idv_core.view_verified_name``, one page at a time.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from idv_core import api
from idv_core.models import VerificationAttempt

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def api_client():
    return APIClient()


def _url(user) -> str:
    return f"/api/idv/v1/users/{user.username}/attempts"


def _name_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="idv_core", codename="view_verified_name")


def test_the_permission_exists_with_a_clear_name():
    assert _name_permission().name == "Can read learners' verified names through the REST API"


def test_staff_without_the_permission_get_the_attempts_with_names_redacted(api_client, user, staff_user):
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "approved")
    api_client.force_login(staff_user)
    response = api_client.get(_url(user))
    assert response.status_code == 200
    assert [(a["id"], a["name"], a["status"]) for a in response.json()["attempts"]] == [
        (attempt_id, None, "approved")
    ]
    assert "Ada Lovelace" not in response.content.decode()


@pytest.mark.parametrize("granted", ["user", "group"])
def test_staff_with_the_permission_read_the_names(api_client, user, staff_user, granted):
    api.create_verification_attempt(user, "Ada Lovelace", "approved")
    if granted == "user":
        staff_user.user_permissions.add(_name_permission())
    else:
        group = Group.objects.create(name="IDV support")
        group.permissions.add(_name_permission())
        staff_user.groups.add(group)
    api_client.force_login(staff_user)
    assert [a["name"] for a in api_client.get(_url(user)).json()["attempts"]] == ["Ada Lovelace"]


def test_a_superuser_reads_the_names(api_client, user, make_user):
    api.create_verification_attempt(user, "Ada Lovelace", "approved")
    api_client.force_login(make_user(is_staff=True, is_superuser=True))
    assert [a["name"] for a in api_client.get(_url(user)).json()["attempts"]] == ["Ada Lovelace"]


def test_the_permission_alone_does_not_open_the_list_to_a_learner(api_client, user):
    user.user_permissions.add(_name_permission())
    api.create_verification_attempt(user, "Ada Lovelace", "approved")
    api_client.force_login(user)
    assert api_client.get(_url(user)).status_code == 403


def _bulk_attempts(user, count: int) -> list[int]:
    VerificationAttempt.objects.bulk_create(
        VerificationAttempt(user=user, name=f"Ada {number}", status="denied") for number in range(count)
    )
    return list(VerificationAttempt.objects.filter(user=user).order_by("-pk").values_list("pk", flat=True))


def test_the_list_is_paged_newest_first(api_client, user, staff_user):
    ids = _bulk_attempts(user, 25)
    api_client.force_login(staff_user)

    first = api_client.get(_url(user)).json()
    assert [a["id"] for a in first["attempts"]] == ids[:10]
    assert (first["count"], first["num_pages"], first["current_page"], first["start"]) == (25, 3, 1, 0)
    assert first["previous"] is None
    assert first["next"].endswith(f"{_url(user)}?page=2")
    assert first["username"] == user.username
    assert first["verification"]["status"] == "denied"

    last = api_client.get(_url(user), {"page": 3}).json()
    assert [a["id"] for a in last["attempts"]] == ids[20:]
    assert last["next"] is None

    big = api_client.get(_url(user), {"page_size": 1000}).json()
    assert [a["id"] for a in big["attempts"]] == ids[:25]  # at most 100 per page; 25 here
    assert api_client.get(_url(user), {"page_size": 100, "page": 2}).status_code == 404


def _queries(api_client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api_client.get(url).status_code == 200
    return len(queries)


def test_a_page_costs_the_same_queries_for_12_or_2000_attempts(api_client, user, make_user, staff_user):
    heavy = make_user()
    _bulk_attempts(user, 12)
    _bulk_attempts(heavy, 2000)
    api_client.force_login(staff_user)
    light_count = _queries(api_client, _url(user))
    heavy_count = _queries(api_client, _url(heavy))
    assert heavy_count == light_count
    assert len(api_client.get(_url(heavy)).json()["attempts"]) == 10
