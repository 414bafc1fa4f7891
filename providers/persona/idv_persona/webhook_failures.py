"""
Counting the webhook deliveries this site refused, for the provider's health figure.

A refused delivery is one the webhook answered with 400 (malformed), 401 (bad signature: a wrong or
rotated secret), 404 (an inquiry this site does not know) or 413 (too large). Persona retries those, and
an operator wants to know before they pile up: ``manage.py idv_providers``, the admin index and the
monitoring custom attribute ``idv.persona.webhook_failures_last_hour`` show the count of the last hour.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from idv_persona.models import PersonaWebhookFailures

#: The statuses counted as failures (a 405 is a stray GET, not a delivery; a 500 is in the error log).
FAILURE_STATUSES = frozenset({400, 401, 404, 413})
#: Counts older than this are deleted when a new failure is counted.
KEEP = timedelta(days=1)


def _minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def record_failure(status_code: int, now: datetime | None = None) -> None:
    """Count one refused delivery answered with ``status_code`` in the minute of ``now`` (2 or 3 queries)."""
    minute = _minute(now or timezone.now())
    row = PersonaWebhookFailures.objects.filter(minute=minute, status_code=status_code)
    if not row.update(count=F("count") + 1):
        try:
            with transaction.atomic():
                PersonaWebhookFailures.objects.create(minute=minute, status_code=status_code, count=1)
        except IntegrityError:  # another refusal of the same minute created it first
            row.update(count=F("count") + 1)
        PersonaWebhookFailures.objects.filter(minute__lt=minute - KEEP).delete()


def failures_since(since: datetime) -> int:
    """How many deliveries were refused from the minute of ``since`` on (the minute is counted whole)."""
    total = PersonaWebhookFailures.objects.filter(minute__gte=_minute(since)).aggregate(total=Sum("count"))
    return total["total"] or 0


def count_failures(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate the webhook view: count each answer in :data:`FAILURE_STATUSES`."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code in FAILURE_STATUSES:
            record_failure(response.status_code)
        return response

    return wrapped
