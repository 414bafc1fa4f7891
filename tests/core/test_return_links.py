"""
The LMS's verify links keep their course: the filter step keeps the incoming query, never answers a blank
URL and never raises; every bundled provider keeps ``course_id`` / ``next`` through its flow, and the status
partial offers the way back (a same-site ``next`` only) once the learner is verified.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.urls import reverse

from idv_core import api
from idv_core.pipeline import DefaultProviderVerifyURL, keep_query
from idv_core.providers import get_installed_providers

pytestmark = pytest.mark.django_db

COURSE_ID = "course-v1:OpenedX+IDV101+2026"
COURSE_QUERY = "course_id=course-v1%3AOpenedX%2BIDV101%2B2026"
LMS_LINK = (
    "http://apps.local.openedx.io:1997/account/id-verification?course_id=course-v1%3AOpenedX%2BIDV101%2B2026"
)


def _step() -> DefaultProviderVerifyURL:
    return DefaultProviderVerifyURL("org.openedx.learning.idv.page.url.requested.v1", 0)


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_the_step_keeps_the_incoming_course_and_next():
    url = _step().run_filter(f"{LMS_LINK}&next=/dashboard")["url"]

    assert urlsplit(url).path == "/idv/testprovider/start"
    assert _query(url) == {"course_id": [COURSE_ID], "next": ["/dashboard"]}


def test_keep_query_keeps_the_start_url_s_own_parameters_first():
    assert keep_query("/start?flow=a", "/x?flow=b&course_id=c") == "/start?flow=a&course_id=c"
    assert keep_query("/start", "/x") == "/start"


def test_the_step_never_answers_a_blank_url(settings, fresh_provider_registry):
    settings.IDV_ENABLED_PROVIDERS = []
    assert _step().run_filter(LMS_LINK) == {"url": LMS_LINK}
    assert _step().run_filter("") == {"url": "/idv/verify"}
    assert _step().run_filter(None) == {"url": "/idv/verify"}


def test_the_step_never_raises_when_a_provider_s_start_url_does(monkeypatch, caplog):
    provider = get_installed_providers()["testprovider"]

    def broken() -> str:
        raise RuntimeError("the provider's bug")

    monkeypatch.setattr(provider, "get_start_url", broken)
    assert _step().run_filter(LMS_LINK) == {"url": LMS_LINK}
    assert "could not be built" in caplog.text


def test_a_start_url_that_is_blank_leaves_the_incoming_url(monkeypatch):
    monkeypatch.setattr(get_installed_providers()["testprovider"], "get_start_url", lambda: "")
    assert _step().run_filter(LMS_LINK) == {"url": LMS_LINK}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("next=/dashboard", "/dashboard"),
        (COURSE_QUERY, f"/courses/{COURSE_ID}/course/"),
        # Another site's next is refused; the course's page is offered instead.
        (f"next=https://evil.example/&{COURSE_QUERY}", f"/courses/{COURSE_ID}/course/"),
        ("next=//evil.example/", None),
        ('course_id=x"><script>', None),
        ("", None),
    ],
)
def test_the_way_back_is_offered_once_verified(client, user, query, expected):
    api.create_verification_attempt(user, "Ada Lovelace", "approved", provider="testprovider")
    client.force_login(user)

    page = client.get(f"/idv/status?{query}").content.decode()

    if expected is None:
        assert 'data-testid="idv-return"' not in page
    else:
        assert f'href="{expected}" data-testid="idv-return"' in page


def test_no_way_back_before_the_learner_is_verified(client, user):
    client.force_login(user)
    assert 'data-testid="idv-return"' not in client.get("/idv/status?next=/dashboard").content.decode()


def test_an_empty_course_url_setting_offers_no_course_link(client, user, settings):
    settings.IDV_COURSE_URL = ""
    api.create_verification_attempt(user, "Ada Lovelace", "approved", provider="testprovider")
    client.force_login(user)
    assert 'data-testid="idv-return"' not in client.get(f"/idv/status?{COURSE_QUERY}").content.decode()


# --- the bundled providers keep course_id and next through their flows -------------------------------------


def test_manual_keeps_the_query_after_the_request(client, user):
    client.force_login(user)
    start = reverse("idv:manual:start")

    response = client.post(f"{start}?{COURSE_QUERY}&next=/dashboard", {"name": "Ada Lovelace"})

    assert response.status_code == 302
    assert urlsplit(response.url).path == start
    assert _query(response.url) == {"course_id": [COURSE_ID], "next": ["/dashboard"]}


def test_manual_offers_the_way_back_to_a_verified_learner(client, user):
    api.create_verification_attempt(user, "Ada Lovelace", "approved", provider="manual")
    client.force_login(user)

    page = client.get(reverse("idv:manual:start") + "?next=/dashboard").content.decode()
    assert 'href="/dashboard" data-testid="idv-return"' in page


def test_persona_carries_the_query_to_its_return_page_and_on_to_the_status_page(client, user, settings):
    from tests.providers.persona.conftest import API_ROOT, inquiry_object, new_id

    client.force_login(user)
    inquiry_id = new_id("inq")
    with responses.RequestsMock() as persona:
        persona.add(
            responses.POST, f"{API_ROOT}/inquiries", json={"data": inquiry_object(inquiry_id)}, status=201
        )
        start = f"/idv/persona/start?{COURSE_QUERY}&next=/dashboard"
        # The verify link lands on a page whose button posts to the page itself, query and all.
        page = client.get(start).content.decode()
        assert '<form method="post">' in page
        assert len(persona.calls) == 0
        response = client.post(start)

    redirect_uri = _query(response.url)["redirect-uri"][0]
    assert urlsplit(redirect_uri).path == "/idv/persona/return"
    assert _query(redirect_uri) == {"course_id": [COURSE_ID], "next": ["/dashboard"]}

    back = client.get(f"{urlsplit(redirect_uri).path}?{urlsplit(redirect_uri).query}&inquiry-id={inquiry_id}")
    assert urlsplit(back.url).path == "/idv/status"
    assert _query(back.url) == {"course_id": [COURSE_ID], "next": ["/dashboard"]}


def test_the_verify_page_keeps_the_query_on_its_start_link(client, user):
    client.force_login(user)

    page = client.get(f"/idv/verify?{COURSE_QUERY}").content.decode()

    assert f"/idv/testprovider/start?{COURSE_QUERY}" in page
    # Every provider's own link too, not only the default one's button.
    assert f'href="/idv/manual/start?{COURSE_QUERY}">Verify with Manual review' in page
