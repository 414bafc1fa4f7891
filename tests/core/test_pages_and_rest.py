"""The learner's pages, the REST API (401/403, JWT and session) and the read-only admin."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from edx_rest_framework_extensions.auth.jwt.tests.utils import (
    generate_asymmetric_jwt_token,
    generate_jwt_token,
    generate_latest_version_payload,
)
from rest_framework.test import APIClient

from idv_core import api

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_provider_registry")]
FUTURE = datetime(2040, 1, 1, tzinfo=UTC)


# --- learner pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["idv:verify", "idv:status"])
def test_pages_need_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_verify_page_lists_enabled_providers_and_starts_the_default(client, user):
    client.force_login(user)
    page = client.get("/idv/verify").content.decode()
    assert 'data-provider="testprovider"' in page
    assert 'href="/idv/testprovider/start" data-testid="idv-start"' in page
    assert 'data-status="none"' in page


def test_a_disabled_provider_leaves_the_page_and_its_start_url_closes(client, user, settings):
    settings.IDV_ENABLED_PROVIDERS = []
    client.force_login(user)
    page = client.get("/idv/verify").content.decode()
    assert 'data-provider="testprovider"' not in page
    assert 'data-testid="idv-unavailable"' in page
    assert client.get("/idv/testprovider/start").status_code == 404


def test_verify_page_of_a_verified_learner_offers_no_start_button(client, user):
    api.create_verification_attempt(user, "Ada", "approved", FUTURE)
    client.force_login(user)
    page = client.get("/idv/verify").content.decode()
    assert 'data-status="approved"' in page
    assert 'data-testid="idv-start"' not in page


def test_a_learner_under_review_is_told_to_wait_and_offered_no_new_start(client, user):
    api.create_verification_attempt(user, "Ada", "pending")
    client.force_login(user)
    verify_page = client.get("/idv/verify").content.decode()
    assert 'data-status="pending"' in verify_page
    assert "nothing more to do" in verify_page
    assert 'data-testid="idv-start"' not in verify_page
    status_page = client.get("/idv/status").content.decode()
    assert ">Verify my identity</a>" not in status_page


def test_a_denied_learner_reads_that_abandoned_verifications_count_as_not_approved(client, user):
    api.create_verification_attempt(user, "Ada", "denied")
    client.force_login(user)
    page = client.get("/idv/verify").content.decode()
    assert "abandoned or expired before it was finished counts as not approved" in page
    assert 'data-testid="idv-start"' in page


def test_the_status_is_a_live_region(client, user):
    client.force_login(user)
    page = client.get("/idv/status").content.decode()
    assert 'data-testid="idv-status" data-status="none" role="status"' in page


@pytest.mark.parametrize(
    ("status", "refreshes"), [("created", True), ("pending", True), ("approved", False), ("denied", False)]
)
def test_the_status_page_refreshes_its_live_region_only_while_a_decision_is_awaited(
    client, user, status, refreshes
):
    api.create_verification_attempt(user, "Ada", status, FUTURE if status == "approved" else None)
    client.force_login(user)
    page = client.get("/idv/status").content.decode()
    assert ('data-testid="idv-status-refresh"' in page) is refreshes


def test_status_page_shows_the_learner_s_visible_attempts_only(client, user, make_user):
    api.create_verification_attempt(user, "Ada Visible", "denied")
    api.create_verification_attempt(user, "Ada Hidden", "pending", hide_status_from_user=True)
    api.create_verification_attempt(make_user(), "Someone Else", "approved")
    client.force_login(user)
    page = client.get("/idv/status").content.decode()
    assert 'data-status="denied"' in page
    assert "Ada Visible" in page
    assert "Ada Hidden" not in page
    assert "Someone Else" not in page


@pytest.mark.parametrize(
    ("expiration", "text"),
    [(datetime(2030, 3, 9, 12, tzinfo=UTC), "Verified until March 9, 2030."), (None, "Verified.")],
)
def test_status_page_says_verified_until_the_expiration_date(client, user, expiration, text):
    attempt_id = api.create_verification_attempt(user, "Ada", "created")
    api.update_verification_attempt(attempt_id, status="approved", expiration_datetime=expiration)
    client.force_login(user)
    page = client.get("/idv/status").content.decode()
    assert text in " ".join(page.split())


def test_the_test_provider_flow_goes_through_the_core_api(
    client, user, signals, django_capture_on_commit_callbacks
):
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/idv/testprovider/start", {"name": "Ada Lovelace", "phrase": "I am me"})
    assert response.status_code == 302
    [record] = api.get_verification_attempts(user)
    assert (record.provider, record.status, record.name) == ("testprovider", "approved", "Ada Lovelace")
    assert signals.types == ["created", "approved"]
    assert 'data-status="approved"' in client.get(response["Location"]).content.decode()


# --- REST API ----------------------------------------------------------------------------------------


@pytest.fixture
def api_client():
    return APIClient()


def _jwt(user):
    """A JWT as the LMS issues it (asymmetrically signed)."""
    return generate_asymmetric_jwt_token(generate_latest_version_payload(user))


def test_status_api_needs_authentication(api_client):
    response = api_client.get("/api/idv/v1/status")
    assert response.status_code == 401


def test_status_api_with_a_session(api_client, user):
    attempt_id = api.create_verification_attempt(user, "Ada", "approved", FUTURE)
    api_client.force_login(user)
    assert api_client.get("/api/idv/v1/status").json() == {
        "status": "approved",
        "is_verified": True,
        "expiration_datetime": "2040-01-01T00:00:00Z",
        "attempt_id": attempt_id,
        "verify_url": "/idv/testprovider/start",
    }


def test_status_api_with_a_jwt(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"JWT {_jwt(user)}")
    body = api_client.get("/api/idv/v1/status").json()
    assert (body["status"], body["is_verified"]) == ("none", False)


def test_status_api_rejects_a_jwt_signed_with_another_key(api_client, user):
    # A symmetric token with a key of the attacker's choosing: no configured key verifies it.
    token = generate_jwt_token(generate_latest_version_payload(user), signing_key="not-the-issuer-s-key-" * 2)
    api_client.credentials(HTTP_AUTHORIZATION=f"JWT {token}")
    assert api_client.get("/api/idv/v1/status").status_code == 401


def test_status_api_answers_only_about_the_requesting_user(api_client, user, make_user):
    api.create_verification_attempt(make_user(), "Other", "approved", FUTURE)
    api_client.force_login(user)
    assert api_client.get("/api/idv/v1/status").json()["is_verified"] is False


def test_user_attempts_api_needs_authentication(api_client, user):
    assert api_client.get(f"/api/idv/v1/users/{user.username}/attempts").status_code == 401


def test_learners_cannot_read_attempts_even_their_own(api_client, user, make_user):
    other = make_user()
    api.create_verification_attempt(other, "Secret Other", "approved")
    api_client.force_login(user)
    for username in (other.username, user.username):
        response = api_client.get(f"/api/idv/v1/users/{username}/attempts")
        assert response.status_code == 403
        assert "Secret" not in response.content.decode()


def test_staff_with_the_name_permission_read_a_user_s_attempts(api_client, user, staff_user):
    # Without idv_core.view_verified_name the names are redacted (tests/core/test_rest_attempts.py).
    staff_user.user_permissions.add(Permission.objects.get(codename="view_verified_name"))
    first = api.create_verification_attempt(user, "Ada", "denied", provider="persona", external_id="inq_1")
    second = api.create_verification_attempt(user, "Ada King", "approved", FUTURE)
    api_client.credentials(HTTP_AUTHORIZATION=f"JWT {_jwt(staff_user)}")
    body = api_client.get(f"/api/idv/v1/users/{user.username}/attempts").json()
    assert body["username"] == user.username
    assert body["verification"]["status"] == "approved"
    assert [(a["id"], a["name"], a["status"], a["external_id"]) for a in body["attempts"]] == [
        (second, "Ada King", "approved", ""),
        (first, "Ada", "denied", "inq_1"),
    ]


def test_staff_asking_for_an_unknown_user_get_404(api_client, staff_user):
    api_client.force_login(staff_user)
    assert api_client.get("/api/idv/v1/users/nobody/attempts").status_code == 404


# --- admin -------------------------------------------------------------------------------------------


@pytest.fixture
def superuser(make_user):
    return make_user(is_staff=True, is_superuser=True)


def test_admin_lists_filters_and_searches_attempts(client, superuser, make_user):
    ada = make_user(username="ada", email="ada@example.org")
    grace = make_user(username="grace", email="grace@example.org")
    api.create_verification_attempt(ada, "Ada", "approved", provider="testprovider")
    api.create_verification_attempt(grace, "Grace", "pending")
    client.force_login(superuser)
    url = "/admin/idv_core/verificationattempt/"
    assert client.get(url).status_code == 200
    assert client.get(url, {"status": "approved"}).context["cl"].result_count == 1
    assert client.get(url, {"provider": "testprovider"}).context["cl"].result_count == 1
    assert client.get(url, {"q": "grace@example.org"}).context["cl"].result_count == 1
    assert client.get(url, {"q": "ada"}).context["cl"].result_count == 1


def test_admin_is_read_only_and_shows_the_history(client, superuser, user):
    attempt_id = api.create_verification_attempt(user, "Ada", "created")
    api.update_verification_attempt(attempt_id, status="denied", changed_by=superuser, reason="fake document")
    client.force_login(superuser)
    base = f"/admin/idv_core/verificationattempt/{attempt_id}"
    assert client.get("/admin/idv_core/verificationattempt/add/").status_code == 403
    assert client.post(f"{base}/change/", {"status": "approved"}).status_code == 403
    assert client.get(f"{base}/delete/").status_code == 403
    assert api.get_verification_attempt(attempt_id).status == "denied"
    history = client.get(f"{base}/history/")
    assert history.status_code == 200
    assert "fake document" in history.content.decode()


def test_a_provider_view_turns_the_api_s_validation_error_into_a_400(client, user):
    client.force_login(user)
    response = client.post("/idv/testprovider/start", {"name": "   ", "phrase": "I am me"})
    assert response.status_code == 400
    assert "The name must not be blank." in response.content.decode()
    assert api.get_verification_attempts(user) == []
