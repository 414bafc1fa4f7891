"""
LMS mode: every "verify your identity" link of the LMS (IDVerificationService.get_verify_location) reaches the
default provider's start page with its course kept, and the learner finds the way back once verified.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from django.urls import reverse
from lms.djangoapps.verify_student.services import IDVerificationService, XBlockVerificationService

from idv_core import api

COURSE_ID = "course-v1:OpenedX+IDV101+2026"


def test_the_lms_verify_link_goes_to_the_default_provider_with_its_course():
    url = IDVerificationService.get_verify_location(COURSE_ID)

    parts = urlsplit(url)
    assert parts.path == reverse("idv:testprovider:start")
    assert parse_qs(parts.query) == {"course_id": [COURSE_ID]}


def test_the_lms_verify_link_without_a_course_is_the_start_url():
    assert IDVerificationService.get_verify_location() == reverse("idv:testprovider:start")
    assert XBlockVerificationService().reverify_url() == reverse("idv:testprovider:start")


def test_with_no_provider_enabled_the_lms_keeps_its_own_page(settings, fresh_provider_registry):
    settings.IDV_ENABLED_PROVIDERS = []

    assert IDVerificationService.get_verify_location(COURSE_ID) == (
        "http://apps.local.openedx.io:1997/account/id-verification?course_id=course-v1%3AOpenedX%2BIDV101%2B2026"
    )


def test_a_learner_coming_from_a_course_finds_the_way_back_once_verified(client, user):
    client.force_login(user)
    start = IDVerificationService.get_verify_location(COURSE_ID)
    api.create_verification_attempt(user, "Ada Lovelace", "approved", provider="testprovider")

    page = client.get(reverse("idv:status") + "?" + urlsplit(start).query)

    assert f'href="/courses/{COURSE_ID}/course/"'.encode() in page.content


def test_the_lms_verify_link_lands_on_a_button_whose_post_verifies_and_keeps_the_course(client, user):
    """End to end, under ATOMIC_REQUESTS: the link's GET creates nothing; the button's POST starts."""
    client.force_login(user)
    start = IDVerificationService.get_verify_location(COURSE_ID)

    page = client.get(start)
    assert page.status_code == 200
    assert b'method="post"' in page.content
    assert api.get_verification_attempts(user) == []

    # The form has no action: it posts back to the link itself, course and all.
    response = client.post(start, {"name": "Ada Lovelace", "phrase": "I am me"})

    assert urlsplit(response.url).path == reverse("idv:status")
    assert parse_qs(urlsplit(response.url).query) == {"course_id": [COURSE_ID]}
    [attempt] = api.get_verification_attempts(user)
    assert attempt.status == "approved"
    assert f'href="/courses/{COURSE_ID}/course/"'.encode() in client.get(response.url).content
