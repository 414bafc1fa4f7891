"""
The figures an operator watches: the event-bus outbox backlog and its oldest record's age, the relay's
last heartbeat, and what each installed provider reports (:meth:`IDVProvider.health
<idv_core.providers.IDVProvider.health>`: the manual review queue, Persona's refused webhooks...).

They are computed only when someone asks, never on a learner's request: ``manage.py idv_providers``, the
Django admin's index page (for staff), and the Celery task ``idv_core.tasks.report_idv_health`` that a
site schedules (every minute, say) so that its monitoring sees them. Each of those also sends every
known figure as an edx-django-utils monitoring custom attribute (:func:`report`): New Relic, Datadog or
OpenTelemetry, whichever ``OPENEDX_TELEMETRY`` configures, attach them to that task's, command's or
page's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min
from django.utils import timezone
from edx_django_utils.monitoring import set_custom_attribute

from idv_core import outbox
from idv_core.data import HealthFigure
from idv_core.models import OutboxEvent
from idv_core.providers import get_installed_providers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Health:
    """Every figure, the core's first, then each installed provider's (by provider id)."""

    now: datetime
    figures: list[HealthFigure]
    #: The relay's lease, for the owner shown beside its heartbeat (None: no relay ever ran).
    relay: outbox.RelayHeartbeat | None


def core_figures(now: datetime) -> tuple[list[HealthFigure], outbox.RelayHeartbeat | None]:
    """The outbox backlog, its oldest record's age and the relay's heartbeat, as of ``now`` (2 queries)."""
    backlog = OutboxEvent.objects.filter(delivered__isnull=True).aggregate(
        count=Count("pk"), oldest=Min("created")
    )
    heartbeat = outbox.relay_heartbeat(now)
    figures = [
        HealthFigure("idv.outbox.backlog", "Event-bus outbox backlog", backlog["count"], "records"),
        HealthFigure.age(
            "idv.outbox.oldest_age_seconds", "Oldest undelivered outbox record", backlog["oldest"], now
        ),
        HealthFigure.age(
            "idv.relay.heartbeat_age_seconds",
            "Event-bus relay's last heartbeat",
            heartbeat.at if heartbeat else None,
            now,
        ),
    ]
    return figures, heartbeat


def collect(now: datetime | None = None) -> Health:
    """
    Compute every figure as of ``now`` (default: the current time).

    A provider whose :meth:`~idv_core.providers.IDVProvider.health` raises is logged and reported as one
    unknown figure ``idv.<provider id>.health_error``; the other figures are still computed.
    """
    now = now or timezone.now()
    figures, heartbeat = core_figures(now)
    for provider in get_installed_providers().values():
        try:
            figures.extend(provider.health(now))
        except Exception as error:  # one provider's bug must not hide the other figures
            log.exception("IDV provider %r could not report its health.", provider.id)
            figures.append(
                HealthFigure(
                    f"idv.{provider.id}.health_error",
                    f"{provider.name or provider.id}: health could not be read",
                    None,
                    problem=type(error).__name__,
                )
            )
    return Health(now=now, figures=figures, relay=heartbeat)


def report(health: Health, *, set_attribute: Callable[[str, object], None] | None = None) -> int:
    """
    Send every known figure of ``health`` as a monitoring custom attribute; return how many were sent.

    Unknown figures (None: no outbox record waits, no relay ever ran) are not sent, so a dashboard's
    "latest value" is never a made-up zero.
    """
    send = set_attribute or set_custom_attribute
    sent = 0
    for figure in health.figures:
        if figure.value is not None:
            send(figure.name, figure.value)
            sent += 1
    return sent


def collect_and_report(now: datetime | None = None) -> Health:
    """:func:`collect`, then :func:`report`: what the command, the admin index and the task call."""
    health = collect(now)
    report(health)
    return health


def format_value(figure: HealthFigure) -> str:
    """A figure for people: "3 records", "2 min 5 s", "none" for an unknown one."""
    if figure.value is None:
        return f"unknown ({figure.problem})" if figure.problem else "none"
    if figure.unit == "seconds":
        return format_seconds(figure.value)
    value = int(figure.value) if float(figure.value).is_integer() else figure.value
    return f"{value} {figure.unit}".strip()


def format_seconds(seconds: float) -> str:
    """``125`` -> "2 min 5 s"; ``7380`` -> "2 h 3 min"; ``90000`` -> "1 d 1 h"."""
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"
