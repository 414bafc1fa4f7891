"""Fixtures of the manual provider's tests: a reviewer (a staff user with the review permission)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission


@pytest.fixture(autouse=True)
def _fresh_provider_registry(fresh_provider_registry):
    """Each test sees the providers its settings enable."""


def grant_review_permission(user) -> None:
    """Give ``user`` idv_manual.review_verification (and forget the cached permissions)."""
    user.user_permissions.add(
        Permission.objects.get(codename="review_verification", content_type__app_label="idv_manual")
    )
    for cache in ("_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)


@pytest.fixture
def reviewer(make_user):
    """A staff user with the review permission."""
    user = make_user(is_staff=True)
    grant_review_permission(user)
    return user


@pytest.fixture
def reviewer_client(client, reviewer):
    """The test client, logged in as the reviewer."""
    client.force_login(reviewer)
    return client
