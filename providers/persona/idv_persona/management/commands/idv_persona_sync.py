"""
``manage.py idv_persona_sync``: fetch the inquiries whose webhooks may have been lost, and apply their
status through the same rules as the webhook (``idv_persona.inquiries.apply_inquiry_status``).

It walks the ``persona`` attempts still ``created`` or ``pending`` that have not changed for
``--older-than-minutes`` (``idv_core.api.iter_provider_verification_attempts``, oldest first), so it also
reconciles attempts a migrating site wrote through the core API alone, before any webhook. Attempts
without an inquiry id (Persona was down when the learner started; their next try reuses the attempt) are
counted and skipped. First it sends the redactions of retired learners' inquiries still pending
(``idv_persona.redaction``: Persona was unavailable, or no Celery worker ran them). Run it from cron (e.g.
hourly).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from idv_core import api
from idv_core.statuses import VerificationAttemptStatus
from idv_persona.client import PersonaClient, PersonaError
from idv_persona.inquiries import InquiryUpdate, apply_inquiry_status, persona_provider
from idv_persona.models import PersonaRedaction
from idv_persona.redaction import redact_pending

UNFINISHED = [VerificationAttemptStatus.CREATED, VerificationAttemptStatus.PENDING]


class Command(BaseCommand):
    """Reconcile stuck Persona attempts with Persona's own record of their inquiries."""

    help = (
        "Fetch Persona inquiries whose attempts are stuck in created/pending (lost webhooks) and apply "
        "their status with the webhook's rules."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """--older-than-minutes, --limit, --dry-run."""
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=60,
            help="Only attempts unchanged for at least this many minutes (default 60).",
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=500,
            help="At most this many inquiries fetched per run (default 500).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Fetch and report what would change; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the reconciliation and print one line per inquiry, then a summary."""
        minutes, limit, dry_run = options["older_than_minutes"], options["limit"], options["dry_run"]
        if minutes < 0 or limit <= 0:
            raise CommandError("--older-than-minutes must be >= 0 and --limit > 0.")
        try:
            cutoff = timezone.now() - timedelta(minutes=minutes)
        except OverflowError:
            raise CommandError(
                f"--older-than-minutes {minutes} is out of range: that many minutes ago is before the "
                "year 1. Use a smaller number (525600 is a year)."
            ) from None
        client = PersonaClient()
        self._redact(client, limit, dry_run)
        counts: dict[str, int] = {}

        def count(outcome: str) -> None:
            counts[outcome] = counts.get(outcome, 0) + 1

        fetched = 0
        for attempt in api.iter_provider_verification_attempts(
            persona_provider().id, UNFINISHED, changed_before=cutoff
        ):
            if not attempt.external_id:
                count("no inquiry")
                continue
            if fetched >= limit:
                self.stdout.write(
                    f"Stopped at --limit {limit}: the other stuck attempts wait for the next run."
                )
                break
            fetched += 1
            inquiry_id = attempt.external_id
            fetched_at = timezone.now()
            try:
                current = client.retrieve_inquiry(inquiry_id)
            except PersonaError as error:
                self.stderr.write(f"{inquiry_id}: could not fetch ({error})")
                count("error")
                continue
            if dry_run:
                self.stdout.write(
                    f"{inquiry_id} (attempt {attempt.id}, {attempt.status}): Persona says "
                    f"{current.status!r} (dry run, not applied)"
                )
                count("dry run")
                continue
            outcome = apply_inquiry_status(
                attempt.id, InquiryUpdate.fetched(current, asked_at=fetched_at, source="sync")
            )
            self.stdout.write(
                f"{inquiry_id} (attempt {attempt.id}): Persona says {current.status!r}: {outcome}"
            )
            count(outcome.value)
        summary = ", ".join(f"{name}: {number}" for name, number in sorted(counts.items())) or "nothing to do"
        self.stdout.write(f"Persona sync done ({summary}).")

    def _redact(self, client: PersonaClient, limit: int, dry_run: bool) -> None:
        """Send the pending redactions (retired learners' inquiries), at most ``limit``; one line if any."""
        pending = PersonaRedaction.objects.filter(redacted_at__isnull=True).count()
        if not pending:
            return
        if dry_run:
            self.stdout.write(f"Persona redactions pending: {pending} (dry run, not sent).")
            return
        run = redact_pending(client, limit=limit)
        line = (
            f"Persona redactions: {run.redacted} redacted, {run.failed} failed, {run.pending} still pending."
        )
        if run.unavailable:
            line += " Persona is unavailable: the next run sends the rest."
        (self.stderr if run.failed else self.stdout).write(line)
