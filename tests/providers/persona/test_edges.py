"""Edges of the rules: the core refusing a name or a transition mid-way, the admin, small parsers."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from idv_core import api
from idv_persona import inquiries
from idv_persona.client import parse_timestamp
from idv_persona.inquiries import InquiryUpdate, Outcome, apply_inquiry_status, link_inquiry
from idv_persona.models import PersonaInquiry, PersonaWebhookEvent

from .conftest import WEBHOOK_URL, event_body

pytestmark = pytest.mark.django_db


def test_a_name_the_core_refuses_still_approves_keeping_the_attempt_s_name(
    persona_attempt, monkeypatch, caplog
):
    monkeypatch.setattr(inquiries, "clean_name", lambda name: name)  # let a control character through
    attempt_id, inquiry_id = persona_attempt("pending")
    update = InquiryUpdate(
        inquiry_id=inquiry_id, status="approved", reported_at=None, verified_name="Ada\x07"
    )
    assert apply_inquiry_status(attempt_id, update) == Outcome.APPLIED
    attempt = api.get_verification_attempt(attempt_id)
    assert (attempt.status, attempt.name) == ("approved", "Ada Lovelace")
    assert "verified name refused" in caplog.text


def test_a_verified_name_over_255_characters_is_refused_not_cut(persona_attempt, caplog):
    attempt_id, inquiry_id = persona_attempt("pending")
    long_name = "Adaline " * 39  # 311 characters once stripped
    update = InquiryUpdate(
        inquiry_id=inquiry_id, status="approved", reported_at=None, verified_name=long_name
    )
    assert apply_inquiry_status(attempt_id, update) == Outcome.APPLIED
    attempt = api.get_verification_attempt(attempt_id)
    assert (attempt.status, attempt.name) == ("approved", "Ada Lovelace")
    assert "verified name refused (The name is 311 characters long; at most 255 are allowed.)" in caplog.text
    assert "Adaline" not in caplog.text


def test_a_concurrent_change_before_the_write_is_stale(persona_attempt, monkeypatch):
    attempt_id, inquiry_id = persona_attempt("pending")
    real_update = api.update_verification_attempt

    def staff_denies_first(pk, **changes):
        real_update(pk, status="denied", reason="staff, meanwhile")
        return real_update(pk, **changes)

    monkeypatch.setattr(inquiries.api, "update_verification_attempt", staff_denies_first)
    update = InquiryUpdate(inquiry_id=inquiry_id, status="approved", reported_at=None)
    assert apply_inquiry_status(attempt_id, update) == Outcome.STALE
    assert api.get_verification_attempt(attempt_id).status == "denied"


def test_another_approval_of_an_approved_attempt_changes_neither_its_name_nor_its_expiration(
    persona_attempt,
):
    attempt_id, inquiry_id = persona_attempt("pending")
    first = InquiryUpdate(
        inquiry_id=inquiry_id, status="approved", reported_at=None, verified_name="Ada King"
    )
    assert apply_inquiry_status(attempt_id, first) == Outcome.APPLIED
    approved = api.get_verification_attempt(attempt_id)
    again = InquiryUpdate(
        inquiry_id=inquiry_id, status="approved", reported_at=None, verified_name="Someone Else"
    )
    assert apply_inquiry_status(attempt_id, again) == Outcome.UNCHANGED
    attempt = api.get_verification_attempt(attempt_id)
    assert (attempt.name, attempt.expiration_datetime) == ("Ada King", approved.expiration_datetime)
    assert attempt.modified == approved.modified


def test_a_created_report_keeps_the_status_already_known(persona_attempt):
    attempt_id, inquiry_id = persona_attempt("pending")
    link_inquiry(inquiry_id, attempt_id, status="completed")
    update = InquiryUpdate(inquiry_id=inquiry_id, status="created", reported_at=None)
    assert apply_inquiry_status(attempt_id, update) == Outcome.UNCHANGED
    assert PersonaInquiry.objects.get(inquiry_id=inquiry_id).status == "completed"


def test_the_admin_lists_the_rows_read_only(client, make_user, persona_attempt, post_webhook):
    _attempt_id, inquiry_id = persona_attempt("pending")
    post_webhook(event_body("inquiry.approved", inquiry_id, event_id="evt_admin"))
    client.force_login(make_user(is_staff=True, is_superuser=True))
    for model in ("personainquiry", "personawebhookevent"):
        page = client.get(f"/admin/idv_persona/{model}/")
        assert page.status_code == 200
        assert client.get(f"/admin/idv_persona/{model}/add/").status_code == 403
    assert inquiry_id in client.get("/admin/idv_persona/personainquiry/").content.decode()
    event = PersonaWebhookEvent.objects.get(event_id="evt_admin")
    assert client.post(f"/admin/idv_persona/personawebhookevent/{event.pk}/delete/").status_code == 403
    assert str(event) == "evt_admin inquiry.approved (applied)"
    assert str(PersonaInquiry.objects.get()) == f"{inquiry_id} (attempt {_attempt_id})"


def test_timestamps_are_utc_and_in_range():
    assert parse_timestamp("2026-01-01T10:00:00") == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert parse_timestamp("2026-01-01T12:00:00+02:00") == datetime(2026, 1, 1, 10, tzinfo=UTC)
    for value in ("1960-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00"):
        with pytest.raises(ValueError, match="out of range"):
            parse_timestamp(value)


def test_a_name_less_username_less_user_still_gets_a_placeholder_name(make_user):
    from idv_persona.views import learner_name

    user = make_user(username="", first_name="", last_name="")
    assert learner_name(user) == f"user {user.pk}"


def test_a_malformed_content_length_does_not_break_the_webhook(client):
    response = client.generic("POST", WEBHOOK_URL, b"{}", CONTENT_LENGTH="abc")
    assert response.status_code == 400


def test_a_non_string_api_root_is_reported(settings):
    from idv_core.providers import get_installed_providers

    settings.IDV_PERSONA = {**settings.IDV_PERSONA, "API_ROOT": None}
    assert [message.id for message in get_installed_providers()["persona"].check()] == ["persona.E005"]


def test_error_bodies_that_are_not_json_api_are_described(persona_api):
    import responses

    from idv_persona.client import PersonaClient, PersonaRequestRejected

    from .conftest import API_ROOT

    persona_api.add(responses.GET, f"{API_ROOT}/inquiries/inq_a", status=422, json={"errors": "nope"})
    persona_api.add(
        responses.GET, f"{API_ROOT}/inquiries/inq_b", status=422, json={"errors": [{"title": "Bad"}]}
    )
    persona_api.add(responses.GET, f"{API_ROOT}/inquiries/inq_c", status=422, json={"errors": [1]})
    client = PersonaClient()
    for suffix, message in (("a", "no JSON:API error body"), ("b", "Bad"), ("c", "no error title")):
        with pytest.raises(PersonaRequestRejected, match=message):
            client.retrieve_inquiry(f"inq_{suffix}")


def test_each_report_is_logged_once_whether_its_inquiry_was_linked_or_not(persona_attempt, caplog):
    attempt_id, inquiry_id = persona_attempt("created")
    caplog.set_level(logging.INFO, logger="idv_persona")
    started = InquiryUpdate(inquiry_id=inquiry_id, status="pending", reported_at=None, event_name="sync")
    assert apply_inquiry_status(attempt_id, started) == Outcome.APPLIED  # links the inquiry first
    approved = InquiryUpdate(inquiry_id=inquiry_id, status="approved", reported_at=None, event_name="sync")
    assert apply_inquiry_status(attempt_id, approved) == Outcome.APPLIED  # already linked
    lines = [record.getMessage() for record in caplog.records if record.name == "idv_persona.inquiries"]
    assert lines == [
        f"Persona inquiry {inquiry_id} (attempt {attempt_id}): sync 'pending' -> applied.",
        f"Persona inquiry {inquiry_id} (attempt {attempt_id}): sync 'approved' -> applied.",
    ]
