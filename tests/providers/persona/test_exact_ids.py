"""
Persona's ids are case-sensitive: two inquiry (or event) ids differing only in case are two inquiries (two
events), in the provider's own tables too. SQLite compares them exactly anyway; on MySQL/MariaDB, whose
tables default to case-insensitive collations, migration 0002 gives the id columns a binary collation
(``make test-integration`` runs these on MariaDB).
"""

from __future__ import annotations

import pytest

from idv_core import api
from idv_persona.models import PersonaInquiry, PersonaWebhookEvent

from .conftest import event_body

pytestmark = pytest.mark.django_db


def test_an_inquiry_id_differing_only_in_case_never_reaches_the_other_learner_s_attempt(
    make_user, persona_attempt, post_webhook
):
    ada_id, ada_inquiry = persona_attempt("created", owner=make_user(), inquiry_id="inq_CaseExact7")
    bob_id, bob_inquiry = persona_attempt("created", owner=make_user(), inquiry_id="inq_caseexact7")
    # Each inquiry's first event links it (the provider's own row), then Bob's is approved.
    assert post_webhook(event_body("inquiry.started", ada_inquiry)).json() == {"status": "applied"}
    assert post_webhook(event_body("inquiry.started", bob_inquiry)).json() == {"status": "applied"}
    approved = post_webhook(event_body("inquiry.approved", bob_inquiry, **{"name-first": "Bob"}))

    assert approved.json() == {"status": "applied"}
    assert api.get_verification_attempt(bob_id).status == "approved"
    assert api.get_verification_attempt(ada_id).status == "pending"
    rows = dict(PersonaInquiry.objects.values_list("inquiry_id", "attempt_id"))
    assert rows == {"inq_CaseExact7": ada_id, "inq_caseexact7": bob_id}
    assert PersonaInquiry.objects.get(inquiry_id="inq_CaseExact7").status == "pending"
    assert PersonaInquiry.objects.get(inquiry_id="inq_caseexact7").status == "approved"


def test_event_ids_differing_only_in_case_are_two_events(persona_attempt, post_webhook):
    ada_id, ada_inquiry = persona_attempt("created")
    bob_id, bob_inquiry = persona_attempt("created")
    first = post_webhook(event_body("inquiry.started", ada_inquiry, event_id="evt_CaseExact7"))
    second = post_webhook(event_body("inquiry.started", bob_inquiry, event_id="evt_caseexact7"))

    assert (first.json(), second.json()) == ({"status": "applied"}, {"status": "applied"})
    assert api.get_verification_attempt(ada_id).status == "pending"
    assert api.get_verification_attempt(bob_id).status == "pending"
    assert set(PersonaWebhookEvent.objects.values_list("event_id", "inquiry_id")) == {
        ("evt_CaseExact7", ada_inquiry),
        ("evt_caseexact7", bob_inquiry),
    }
    assert PersonaWebhookEvent.objects.filter(inquiry_id=bob_inquiry).count() == 1
