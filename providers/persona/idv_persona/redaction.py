"""
Retirement at Persona: the learner's inquiries are redacted with Persona's API ("Redact an Inquiry",
``DELETE /inquiries/{id}``), which deletes their PII at Persona for good.

Retirement runs in one database transaction (``idv_core.api.retire_user_verification_names``), and an HTTP
call there would make it wait on Persona, or fail, or (rolled back after Persona redacted) disagree with
it. So it goes in two steps:

1. in the retirement's transaction, :func:`request_redactions` records the inquiry ids to redact in
   ``PersonaRedaction`` (ids only, no PII) and asks for the Celery task
   ``idv_persona.tasks.redact_persona_inquiries`` once the transaction commits (nothing if it rolls back);
2. :func:`redact_pending` sends the pending redactions to Persona and marks each one done when Persona
   answers. While Persona is unavailable the task retries with a growing delay; what is still pending
   after that (or when no Celery worker runs) is sent by ``manage.py idv_persona_sync``.

A redaction Persona answers with 404 (no such inquiry) is done: Persona holds nothing to delete. Any other
4xx (a wrong API key...) stays pending, with the status code in ``last_error``, for the next run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from idv_core import api, rows
from idv_persona.client import PersonaClient, PersonaError, PersonaRequestRejected, PersonaUnavailable
from idv_persona.models import PersonaRedaction

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RedactionRun:
    """What one :func:`redact_pending` run did."""

    redacted: int = 0
    failed: int = 0
    pending: int = 0
    unavailable: bool = False


def user_inquiry_ids(user_id: int, provider_id: str) -> list[str]:
    """The Persona inquiry ids of ``user_id``'s attempts of provider ``provider_id``."""
    return sorted(
        {
            record.external_id
            for record in api.get_verification_attempts(user_id)
            if record.provider == provider_id and record.external_id
        }
    )


def request_redactions(inquiry_ids: list[str]) -> int:
    """
    Record that Persona must redact ``inquiry_ids`` (idempotent), in the caller's transaction, and ask for
    the redaction task once it commits. Returns how many ids were given.
    """
    if not inquiry_ids:
        return 0
    PersonaRedaction.objects.bulk_create(
        [PersonaRedaction(inquiry_id=inquiry_id) for inquiry_id in inquiry_ids], ignore_conflicts=True
    )
    transaction.on_commit(schedule_redaction_task)
    return len(inquiry_ids)


def schedule_redaction_task() -> None:
    """
    Queue the redaction task (after the retirement committed). Never raises: the retirement is done, and
    a redaction not queued (no broker) or that failed stays pending for ``idv_persona_sync``.
    """
    from idv_persona.tasks import redact_persona_inquiries  # Celery is needed only from here on

    try:
        redact_persona_inquiries.delay()
    except Exception as error:  # noqa: BLE001 - after the commit nothing may fail the retirement
        log.warning(
            "Could not run the Persona redaction task (%s); idv_persona_sync will send the pending "
            "redactions.",
            type(error).__name__,
        )


def is_redaction_requested(inquiry_id: str) -> bool:
    """Whether the inquiry's learner was retired (its redaction is pending or done)."""
    return rows.row_exists(PersonaRedaction, inquiry_id=inquiry_id)


def redact_pending(client: PersonaClient | None = None, *, limit: int | None = None) -> RedactionRun:
    """
    Ask Persona to redact each pending inquiry, oldest request first (at most ``limit``); stop at the
    first sign that Persona is unavailable (``unavailable`` in the result: try again later).
    """
    client = client or PersonaClient()
    todo = PersonaRedaction.objects.filter(redacted_at__isnull=True).order_by("requested", "id")
    redacted = failed = 0
    unavailable = False
    for row in list(todo[:limit] if limit else todo):
        tried = PersonaRedaction.objects.filter(pk=row.pk)
        try:
            client.redact_inquiry(row.inquiry_id)
        except PersonaRequestRejected as error:
            if error.status_code != 404:
                tried.update(tries=F("tries") + 1, last_error=f"Persona answered {error.status_code}")
                failed += 1
                continue
            log.info("Persona has no inquiry %s: nothing to redact.", row.inquiry_id)
        except PersonaError as error:
            tried.update(tries=F("tries") + 1, last_error=str(error)[:255])
            failed += 1
            if isinstance(error, PersonaUnavailable):
                unavailable = True
                break
            continue
        tried.update(tries=F("tries") + 1, last_error="", redacted_at=timezone.now())
        redacted += 1
        log.info("Persona inquiry %s redacted (user retirement).", row.inquiry_id)
    pending = PersonaRedaction.objects.filter(redacted_at__isnull=True).count()
    return RedactionRun(redacted=redacted, failed=failed, pending=pending, unavailable=unavailable)
