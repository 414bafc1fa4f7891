"""
One open start per learner and provider (``idv_core.api.get_or_create_open_attempt`` under ``start_lock``),
starts as POSTs, and the rate limit on new starts (``IDV_START_RATE_LIMIT``), on SQLite: the logic, step by
step, with an injected clock. The races themselves run on MariaDB
(tests/integration/test_start_and_webhook_races.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve

from idv_core import api, starts
from idv_core.exceptions import (
    VerificationAttemptInvalidField,
    VerificationAttemptInvalidStatus,
    VerificationStartRateLimited,
)
from idv_core.models import StartLock, VerificationAttempt

pytestmark = pytest.mark.django_db
NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


def _created_at(attempt_id: int, when: datetime) -> None:
    VerificationAttempt.objects.filter(pk=attempt_id).update(created=when)


# --- the open attempt --------------------------------------------------------------------------------


def test_a_second_start_finds_the_open_attempt_instead_of_creating_one(
    user, signals, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first, created = api.get_or_create_open_attempt(user, "Ada Lovelace", provider="persona")
        again, created_again = api.get_or_create_open_attempt(user, "Someone Else", provider="persona")

    assert (created, created_again) == (True, False)
    assert again == first
    assert (first.status, first.name, first.provider) == ("created", "Ada Lovelace", "persona")
    assert VerificationAttempt.objects.filter(user=user).count() == 1
    assert signals.types == ["created"]


def test_a_pending_attempt_is_open_too_and_the_newest_open_one_is_returned(user):
    older = api.create_verification_attempt(user, "Ada", "pending", provider="manual")
    newer = api.create_verification_attempt(user, "Ada", "created", provider="manual")

    attempt, created = api.get_or_create_open_attempt(user, "Ada", "pending", provider="manual")

    assert (attempt.id, created) == (newer, False)
    assert older < newer


@pytest.mark.parametrize("final", ["approved", "denied"])
def test_a_finished_attempt_is_not_open_a_start_creates_a_new_one(user, final):
    finished = api.create_verification_attempt(user, "Ada", final, provider="manual")

    attempt, created = api.get_or_create_open_attempt(user, "Ada", "pending", provider="manual")

    assert created
    assert attempt.id != finished
    assert attempt.status == "pending"


def test_open_attempts_are_per_provider_and_per_learner(make_user):
    ada, grace = make_user(), make_user()
    persona, _ = api.get_or_create_open_attempt(ada, "Ada", provider="persona")
    manual, created_manual = api.get_or_create_open_attempt(ada, "Ada", provider="manual")
    other, created_other = api.get_or_create_open_attempt(grace, "Grace", provider="persona")

    assert created_manual
    assert created_other
    assert len({persona.id, manual.id, other.id}) == 3


def test_only_created_or_pending_can_start_an_attempt(user):
    with pytest.raises(VerificationAttemptInvalidStatus):
        api.get_or_create_open_attempt(user, "Ada", "approved", provider="manual")
    assert not VerificationAttempt.objects.exists()


def test_the_start_lock_needs_a_provider(user):
    with (
        pytest.raises(VerificationAttemptInvalidField, match="per provider"),
        api.start_lock(user, provider=""),
    ):
        pass


def test_the_lock_is_taken_before_the_open_attempt_is_read(user):
    """The order that makes racing starts converge: lock the (learner, provider) row, then look."""
    with CaptureQueriesContext(connection) as queries:
        api.get_or_create_open_attempt(user, "Ada", provider="persona")
    tables = [
        "lock" if "idv_core_startlock" in query["sql"] else "attempt"
        for query in queries.captured_queries
        if "idv_core_startlock" in query["sql"]
        or f"FROM {connection.ops.quote_name('idv_core_verificationattempt')}" in query["sql"]
    ]
    assert tables[:3] == ["lock", "lock", "attempt"]
    lock = StartLock.objects.get(user_id=user.pk, provider="persona")
    assert lock.last_start is not None


def test_the_start_lock_row_is_reused_by_the_next_start(user):
    with api.start_lock(user, provider="persona"):
        pass
    with api.start_lock(user, provider="persona"):
        pass
    assert StartLock.objects.filter(user_id=user.pk).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_start_lock_holds_a_transaction_only_where_the_database_locks_rows(user):
    """
    SQLite locks the whole database for a write: held during a vendor call, it would stop the site, so there
    the block runs in autocommit. MySQL/MariaDB and PostgreSQL hold the lock row's transaction.
    """
    assert starts.locks_rows() is (connection.vendor != "sqlite")
    with api.start_lock(user, provider="persona"):
        assert connection.in_atomic_block is starts.locks_rows()
        attempt, created = api.get_or_create_open_attempt(user, "Ada", provider="persona")
        assert connection.in_atomic_block is starts.locks_rows()
    assert created
    assert VerificationAttempt.objects.get().pk == attempt.id


# --- the rate limit (an injected clock) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("5/h", starts.StartRate(5, 3600)),
        ("20/d", starts.StartRate(20, 86400)),
        ("3/10m", starts.StartRate(3, 600)),
        (" 2 / 90 ", starts.StartRate(2, 90)),
        ("1/s", starts.StartRate(1, 1)),
    ],
)
def test_rates_are_parsed(value, expected):
    assert starts.parse_start_rate(value) == expected


@pytest.mark.parametrize("value", ["", "5", "5/w", "0/h", "5/0s", "5/400d", "-1/h", 5, ("5", "h"), "5/h/d"])
def test_malformed_rates_are_refused_and_reported_by_the_checks(value, settings):
    with pytest.raises(ValueError, match="IDV_START_RATE_LIMIT"):
        starts.parse_start_rate(value)
    settings.IDV_START_RATE_LIMIT = value
    with pytest.raises(SystemCheckError, match=r"idv_core\.E013"):
        call_command("check")


def test_the_limit_counts_new_attempts_in_the_window(user, settings):
    settings.IDV_START_RATE_LIMIT = "2/h"
    for minutes_ago in (50, 10):
        attempt_id = api.create_verification_attempt(user, "Ada", "denied", provider="persona")
        _created_at(attempt_id, NOW - timedelta(minutes=minutes_ago))

    with pytest.raises(VerificationStartRateLimited) as refused:
        starts.check_start_rate(user.pk, "persona", now=NOW)
    # The older of the two leaves the window in 10 minutes.
    assert refused.value.retry_after == 600
    assert (refused.value.limit, refused.value.period_seconds) == (2, 3600)
    # Ten minutes later it has left: one more start is allowed.
    starts.check_start_rate(user.pk, "persona", now=NOW + timedelta(minutes=10, seconds=1))
    # Other providers and other learners have their own count.
    starts.check_start_rate(user.pk, "manual", now=NOW)


def test_no_limit_when_the_setting_is_none(user, settings):
    settings.IDV_START_RATE_LIMIT = None
    for _ in range(10):
        api.create_verification_attempt(user, "Ada", "denied", provider="persona")
    starts.check_start_rate(user.pk, "persona", now=NOW)


def test_the_default_allows_five_new_starts_an_hour(user):
    for _ in range(5):
        attempt, created = api.get_or_create_open_attempt(user, "Ada", provider="persona")
        assert created
        api.update_verification_attempt(attempt.id, status="denied")
    with pytest.raises(VerificationStartRateLimited):
        api.get_or_create_open_attempt(user, "Ada", provider="persona")
    assert VerificationAttempt.objects.filter(user=user).count() == 5


def test_finding_the_open_attempt_is_never_limited(user, settings):
    settings.IDV_START_RATE_LIMIT = "1/h"
    first, _ = api.get_or_create_open_attempt(user, "Ada", provider="persona")
    for _ in range(5):
        assert api.get_or_create_open_attempt(user, "Ada", provider="persona") == (first, False)


# --- starts are POSTs, and the 429 page ------------------------------------------------------------------


def test_a_start_page_reached_by_get_creates_nothing(client, user):
    client.force_login(user)
    for url in ("/idv/testprovider/start", "/idv/manual/start"):
        page = client.get(url)
        assert page.status_code == 200
        assert 'method="post"' in page.content.decode()
    assert not VerificationAttempt.objects.exists()


@pytest.mark.parametrize("url", ["/idv/testprovider/start", "/idv/manual/start", "/idv/persona/start"])
def test_a_cross_site_post_without_the_csrf_token_is_refused(user, url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(url, {"name": "Ada", "phrase": "I am me"}).status_code == 403
    assert not VerificationAttempt.objects.exists()


def test_over_the_limit_the_start_page_answers_429_with_retry_after(client, user, settings):
    settings.IDV_START_RATE_LIMIT = "1/h"
    client.force_login(user)
    assert client.post("/idv/testprovider/start", {"name": "Ada", "phrase": "I am me"}).status_code == 302

    response = client.post("/idv/testprovider/start", {"name": "Ada", "phrase": "I am me"})

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    assert 'data-testid="idv-start-rate-limited"' in response.content.decode()
    assert "Test provider" in response.content.decode()
    assert VerificationAttempt.objects.filter(user=user).count() == 1


@pytest.mark.parametrize(
    "url",
    ["/idv/persona/webhook", "/idv/persona/start", "/idv/manual/start", "/idv/testprovider/start"],
)
def test_webhooks_and_starts_keep_their_own_transactions_under_atomic_requests(url):
    """The mounted view (the core's wrapper around it) tells Django's handler not to wrap it."""
    assert resolve(url).func._non_atomic_requests == {"default"}


def test_other_provider_views_stay_in_the_request_s_transaction():
    assert not hasattr(resolve("/idv/persona/return").func, "_non_atomic_requests")
