"""
The health figures (idv_core.health): the outbox backlog and its oldest record, the relay's heartbeat,
each provider's own figures; shown by ``manage.py idv_providers`` and the admin index, sent as monitoring
custom attributes (by those two and by the Celery task ``report_idv_health``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from idv_core import health, outbox
from idv_core.data import HealthFigure
from idv_core.models import OutboxEvent, OutboxRelayLease
from idv_core.providers import IDVProvider, get_installed_providers
from idv_core.tasks import report_idv_health

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CORE = ("idv.outbox.backlog", "idv.outbox.oldest_age_seconds", "idv.relay.heartbeat_age_seconds")


@pytest.fixture(autouse=True)
def _fresh_provider_registry(fresh_provider_registry):
    """Each test sees the installed providers afresh (one of them is patched in a test)."""


def outbox_record(created: datetime, *, delivered: datetime | None = None) -> OutboxEvent:
    record = OutboxEvent.objects.create(
        event_id=uuid.uuid4(),
        event_type="org.openedx.learning.idv_attempt.approved.v1",
        topic="learning-idv",
        attempt_id=1,
        user_id=1,
        payload={},
        metadata={},
        delivered=delivered,
    )
    OutboxEvent.objects.filter(pk=record.pk).update(created=created)  # auto_now_add set it to now
    return record


def core_values(now: datetime) -> dict[str, float | int | None]:
    figures, _relay = health.core_figures(now)
    return {figure.name: figure.value for figure in figures}


def test_nothing_waiting_and_no_relay_ever_is_zero_and_unknown():
    assert core_values(NOW) == dict(zip(CORE, (0, None, None), strict=True))


def test_the_backlog_counts_undelivered_records_and_ages_the_oldest():
    outbox_record(NOW - timedelta(hours=3), delivered=NOW - timedelta(hours=2))  # delivered: not counted
    outbox_record(NOW - timedelta(minutes=10, seconds=30))
    outbox_record(NOW - timedelta(seconds=5))
    values = core_values(NOW)
    assert (values["idv.outbox.backlog"], values["idv.outbox.oldest_age_seconds"]) == (2, 630.0)
    assert core_values(NOW + timedelta(minutes=1))["idv.outbox.oldest_age_seconds"] == 690.0


def test_the_heartbeat_of_a_relay_holding_the_lease_is_its_last_renewal(settings):
    settings.IDV_EVENT_BUS_RELAY_LEASE_SECONDS = 60
    relay = outbox.OutboxRelay(transport=mock.Mock(), owner="host:1:abc", clock=lambda: NOW)
    assert relay.hold_lease()
    heartbeat = outbox.relay_heartbeat(NOW + timedelta(seconds=20))
    assert heartbeat == outbox.RelayHeartbeat(at=NOW, owner="host:1:abc", holding=True)
    assert core_values(NOW + timedelta(seconds=20))["idv.relay.heartbeat_age_seconds"] == 20.0


def test_a_released_lease_dates_the_heartbeat_at_the_release():
    clock = mock.Mock(return_value=NOW)
    relay = outbox.OutboxRelay(transport=mock.Mock(), owner="host:2:def", clock=clock)
    relay.hold_lease()
    clock.return_value = NOW + timedelta(seconds=30)
    relay.release_lease()
    heartbeat = outbox.relay_heartbeat(NOW + timedelta(minutes=5))
    assert heartbeat == outbox.RelayHeartbeat(
        at=NOW + timedelta(seconds=30), owner="host:2:def", holding=False
    )
    assert core_values(NOW + timedelta(minutes=5))["idv.relay.heartbeat_age_seconds"] == 270.0


def test_a_lapsed_lease_dates_the_heartbeat_at_its_expiry(settings):
    settings.IDV_EVENT_BUS_RELAY_LEASE_SECONDS = 60
    OutboxRelayLease.objects.create(name=outbox.LEASE_NAME, owner="gone:3", expires=NOW)
    assert outbox.relay_heartbeat(NOW + timedelta(hours=1)) == outbox.RelayHeartbeat(
        at=NOW, owner="gone:3", holding=False
    )


def test_collect_adds_every_installed_provider_s_figures_after_the_core_s():
    state = health.collect(NOW)
    names = [figure.name for figure in state.figures]
    assert tuple(names[:3]) == CORE
    assert "idv.manual.pending_reviews" in names
    assert "idv.persona.webhook_failures_last_hour" in names
    assert state.now == NOW


def test_the_default_provider_health_reports_nothing():
    assert IDVProvider("anything").health(NOW) == []


def test_a_provider_whose_health_raises_is_one_unknown_figure_and_the_others_stay(monkeypatch, caplog):
    manual = get_installed_providers()["manual"]

    def broken(now):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(manual, "health", broken)
    figures = {figure.name: figure for figure in health.collect(NOW).figures}
    assert figures["idv.manual.health_error"] == HealthFigure(
        "idv.manual.health_error", "Manual review: health could not be read", None, problem="RuntimeError"
    )
    assert "idv.persona.webhook_failures_last_hour" in figures
    assert "idv.outbox.backlog" in figures
    assert "could not report its health" in caplog.text


def test_report_sends_the_known_figures_as_custom_attributes_and_skips_the_unknown():
    state = health.Health(
        now=NOW,
        figures=[
            HealthFigure("idv.outbox.backlog", "backlog", 3, "records"),
            HealthFigure("idv.outbox.oldest_age_seconds", "oldest", None, "seconds"),
            HealthFigure("idv.manual.pending_reviews", "pending", 0, "attempts"),
        ],
        relay=None,
    )
    with mock.patch("idv_core.health.set_custom_attribute") as set_custom_attribute:
        assert health.report(state) == 2
    assert set_custom_attribute.call_args_list == [
        mock.call("idv.outbox.backlog", 3),
        mock.call("idv.manual.pending_reviews", 0),
    ]


def test_the_celery_task_computes_and_sends_the_figures():
    outbox_record(timezone.now() - timedelta(minutes=2))
    with mock.patch("idv_core.health.set_custom_attribute") as set_custom_attribute:
        result = report_idv_health.apply().get()
    assert result["idv.outbox.backlog"] == 1
    assert result["idv.outbox.oldest_age_seconds"] >= 120
    sent = dict(call.args for call in set_custom_attribute.call_args_list)
    assert sent["idv.outbox.backlog"] == 1
    assert sent["idv.manual.pending_reviews"] == 0
    assert "idv.relay.heartbeat_age_seconds" not in sent  # no relay ever ran: unknown, not sent


def test_idv_providers_prints_the_health_and_sends_it():
    outbox_record(timezone.now() - timedelta(minutes=3, seconds=2))
    OutboxRelayLease.objects.create(
        name=outbox.LEASE_NAME, owner="relayhost:42:cafe", expires=timezone.now() - timedelta(seconds=1)
    )
    out = StringIO()
    with mock.patch("idv_core.health.set_custom_attribute") as set_custom_attribute:
        call_command("idv_providers", stdout=out)
    text = out.getvalue()
    assert "Health at " in text
    assert "    Event-bus outbox backlog: 1 records\n" in text
    assert "    Oldest undelivered outbox record: 3 min " in text
    assert "    Event-bus relay's last heartbeat: " in text
    assert " ago (not running, relayhost:42:cafe)\n" in text
    assert "    Manual reviews pending: 0 attempts\n" in text
    assert "    Oldest pending manual review: none\n" in text
    assert "    Persona webhooks refused in the last hour: 0 failures\n" in text
    sent = dict(call.args for call in set_custom_attribute.call_args_list)
    assert sent["idv.outbox.backlog"] == 1
    assert sent["idv.relay.heartbeat_age_seconds"] >= 1


def test_the_admin_index_shows_the_health_to_staff(client, staff_user):
    outbox_record(timezone.now() - timedelta(seconds=30))
    client.force_login(staff_user)
    with mock.patch("idv_core.health.set_custom_attribute") as set_custom_attribute:
        response = client.get("/admin/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="idv-health-module"' in page
    assert '<th scope="row">Event-bus outbox backlog</th>\n      <td>1 records</td>' in page
    assert "Manual reviews pending" in page
    assert "Persona webhooks refused in the last hour" in page
    assert mock.call("idv.outbox.backlog", 1) in set_custom_attribute.call_args_list
    # The rest of the admin's index is still there.
    assert 'id="content-main"' in page


def test_the_admin_index_is_not_shown_to_learners_and_computes_nothing(client, user):
    client.force_login(user)
    with mock.patch("idv_core.health.collect_and_report") as collect_and_report:
        response = client.get("/admin/")
    assert response.status_code == 302  # the admin's login page
    collect_and_report.assert_not_called()


def test_a_learner_page_computes_no_health(client, user):
    client.force_login(user)
    with mock.patch("idv_core.health.collect_and_report") as collect_and_report:
        assert client.get("/idv/verify").status_code == 200
    collect_and_report.assert_not_called()


def test_an_index_template_the_host_chose_is_kept():
    from django.apps import apps
    from django.contrib import admin

    previous = admin.site.index_template
    try:
        admin.site.index_template = "host/index.html"
        apps.get_app_config("idv_core")._add_health_to_admin_index()
        assert admin.site.index_template == "host/index.html"
        admin.site.index_template = None
        apps.get_app_config("idv_core")._add_health_to_admin_index()
        assert admin.site.index_template == "idv_core/admin/index.html"
    finally:
        admin.site.index_template = previous


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (None, "seconds", "none"),
        (7.0, "seconds", "7 s"),
        (125.0, "seconds", "2 min 5 s"),
        (7380.0, "seconds", "2 h 3 min"),
        (90000.0, "seconds", "1 d 1 h"),
        (3, "records", "3 records"),
        (2.5, "", "2.5"),
    ],
)
def test_figures_are_shown_for_people(value, unit, shown):
    assert health.format_value(HealthFigure("x", "x", value, unit)) == shown


def test_an_unreadable_figure_shows_why():
    assert health.format_value(HealthFigure("x", "x", None, problem="OperationalError")) == (
        "unknown (OperationalError)"
    )


def test_the_health_module_renders_nothing_for_a_user_who_is_not_staff(rf, user):
    from django.template import Context, Template

    request = rf.get("/")
    request.user = user
    with mock.patch("idv_core.health.collect_and_report") as collect_and_report:
        html = Template("{% load idv_health %}{% idv_health_module %}").render(Context({"request": request}))
    collect_and_report.assert_not_called()
    assert "<tr>" not in html


def test_idv_providers_still_lists_the_providers_when_the_health_cannot_be_read():
    from django.db import OperationalError

    out = StringIO()
    with mock.patch("idv_core.health.collect_and_report", side_effect=OperationalError("no such table")):
        call_command("idv_providers", stdout=out)
    text = out.getvalue()
    assert "manual  [enabled]" in text
    assert "Health: could not be read (OperationalError: no such table)" in text
