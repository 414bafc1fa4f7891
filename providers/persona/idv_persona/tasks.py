"""
Celery tasks of the Persona provider (the LMS's workers find this module, as every plugin app's ``tasks``).

:func:`redact_persona_inquiries` sends the pending redactions of retired learners' inquiries to Persona
(``idv_persona.redaction``); the retirement queues it after its transaction commits.
"""

from __future__ import annotations

from celery import shared_task

from idv_persona import redaction

#: Retries while Persona is unavailable, the delay doubling from RETRY_DELAY_SECONDS up to
#: MAX_RETRY_DELAY_SECONDS (about a day in all); then ``idv_persona_sync`` sends what is left.
MAX_RETRIES = 12
RETRY_DELAY_SECONDS = 60
MAX_RETRY_DELAY_SECONDS = 3 * 60 * 60


@shared_task(bind=True, name="idv_persona.tasks.redact_persona_inquiries", ignore_result=True)
def redact_persona_inquiries(self) -> dict[str, int | bool]:  # type: ignore[no-untyped-def]
    """Redact the pending inquiries at Persona; retry later while Persona is unavailable."""
    run = redaction.redact_pending()
    if run.unavailable and self.request.retries < MAX_RETRIES:
        delay = min(MAX_RETRY_DELAY_SECONDS, RETRY_DELAY_SECONDS * 2**self.request.retries)
        raise self.retry(countdown=delay, max_retries=MAX_RETRIES)
    return {
        "redacted": run.redacted,
        "failed": run.failed,
        "pending": run.pending,
        "unavailable": run.unavailable,
    }
