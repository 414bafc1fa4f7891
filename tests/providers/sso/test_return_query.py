"""The sign-in buttons come back to the start page with the LMS's course_id / next (the way back)."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

COURSE_QUERY = "course_id=course-v1%3AOpenedX%2BIDV101%2B2026"


@pytest.mark.urls("tests.providers.sso.urls")
def test_the_sign_in_comes_back_with_the_query(client, user):
    client.force_login(user)
    start = reverse("idv:sso:start")

    page = client.get(f"{start}?{COURSE_QUERY}&next=/dashboard").content.decode()

    assert f'name="next" value="{start}?{COURSE_QUERY}&amp;next=/dashboard"' in page
