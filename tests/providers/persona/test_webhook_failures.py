"""Refused webhook deliveries are counted per minute; the provider reports those of the last hour."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import IntegrityError
from django.utils import timezone

from idv_core.data import HealthFigure
from idv_persona import webhook_failures
from idv_persona.models import PersonaWebhookFailures
from idv_persona.provider import PersonaProvider
from idv_persona.webhook_failures import failures_since, record_failure

from .conftest import WEBHOOK_URL, event_body, new_id

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 12, 30, 40, tzinfo=UTC)


def figure(now: datetime) -> HealthFigure:
    (only,) = PersonaProvider.get_instance().health(now)
    return only


def test_each_kind_of_refusal_is_counted(post_webhook, persona_attempt, client):
    _, inquiry_id = persona_attempt("pending")
    assert post_webhook(b"{}", signature="t=1,v1=00").status_code == 401
    assert post_webhook(b"not json").status_code == 400
    assert post_webhook(event_body("inquiry.approved", new_id("inq"))).status_code == 404
    assert post_webhook(event_body("inquiry.approved", inquiry_id)).status_code == 200
    assert client.get(WEBHOOK_URL).status_code == 405  # a stray GET is not a delivery
    counted = dict(PersonaWebhookFailures.objects.values_list("status_code", "count"))
    assert counted == {400: 1, 401: 1, 404: 1}
    assert figure(timezone.now()).value == 3


def test_the_figure_counts_the_last_hour_to_the_minute():
    record_failure(401, NOW - timedelta(minutes=61))  # 11:29: outside
    record_failure(401, NOW - timedelta(minutes=60))  # 11:30, the first minute of the hour: counted whole
    record_failure(401, NOW - timedelta(minutes=5))
    record_failure(401, NOW - timedelta(minutes=5, seconds=10))  # the same minute: one row, count 2
    record_failure(404, NOW)
    assert PersonaWebhookFailures.objects.count() == 4
    result = figure(NOW)
    assert result == HealthFigure(
        "idv.persona.webhook_failures_last_hour", "Persona webhooks refused in the last hour", 4, "failures"
    )
    assert figure(NOW + timedelta(hours=2)).value == 0


def test_counts_older_than_a_day_are_deleted_when_a_failure_is_counted():
    record_failure(401, NOW - timedelta(days=1, minutes=2))
    record_failure(401, NOW - timedelta(hours=23))
    record_failure(400, NOW)
    assert sorted(PersonaWebhookFailures.objects.values_list("status_code", flat=True)) == [400, 401]
    assert failures_since(NOW - timedelta(days=2)) == 2


def test_no_failure_is_zero_not_unknown():
    assert figure(NOW).value == 0


def test_a_refusal_racing_another_that_created_the_minute_s_row_counts_on_that_row(monkeypatch):
    """The row did not exist at the first update, another request created it before our insert."""
    rows = mock.Mock()
    rows.update.side_effect = [0, 1]  # nothing to update, then the other request's row
    model = mock.Mock()
    model.objects.filter.return_value = rows
    model.objects.create.side_effect = IntegrityError("UNIQUE constraint failed")
    monkeypatch.setattr(webhook_failures, "PersonaWebhookFailures", model)
    record_failure(401, NOW)
    assert rows.update.call_count == 2
    model.objects.create.assert_called_once_with(
        minute=NOW.replace(second=0, microsecond=0), status_code=401, count=1
    )


def test_the_admin_lists_the_counts_read_only(client, make_user):
    record_failure(401, NOW)
    record_failure(401, NOW)
    client.force_login(make_user(is_staff=True, is_superuser=True))
    page = client.get("/admin/idv_persona/personawebhookfailures/")
    assert page.status_code == 200
    assert '<td class="field-count">2</td>' in page.content.decode()
    assert client.get("/admin/idv_persona/personawebhookfailures/add/").status_code == 403
    row = PersonaWebhookFailures.objects.get()
    assert client.post(f"/admin/idv_persona/personawebhookfailures/{row.pk}/delete/").status_code == 403
    assert str(row) == "2 x 401 at 2026-03-01 12:30"
