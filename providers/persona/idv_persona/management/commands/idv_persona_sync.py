"""
``manage.py idv_persona_sync``: fetch the inquiries whose webhooks may have been lost, and apply their
status through the same rules as the webhook (``idv_persona.inquiries.apply_inquiry_status``).

It looks at the inquiries this provider knows (its ``PersonaInquiry`` rows) whose Persona status is not
final and which have not changed for ``--older-than-minutes``, and whose attempt is still ``created`` or
``pending``. Run it from cron (e.g. hourly).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from idv_core import api
from idv_core.exceptions import VerificationAttemptNotFound
from idv_core.statuses import VerificationAttemptStatus
from idv_persona.client import PersonaClient, PersonaError
from idv_persona.inquiries import FINAL_INQUIRY_STATUSES, InquiryUpdate, apply_inquiry_status
from idv_persona.models import PersonaInquiry

UNFINISHED = {VerificationAttemptStatus.CREATED, VerificationAttemptStatus.PENDING}


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
            help="Only inquiries unchanged for at least this many minutes (default 60).",
        )
        parser.add_argument(
            "--limit", type=int, default=500, help="At most this many inquiries per run (default 500)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Fetch and report what would change; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Run the reconciliation and print one line per inquiry, then a summary."""
        minutes, limit, dry_run = options["older_than_minutes"], options["limit"], options["dry_run"]
        if minutes < 0 or limit <= 0:
            raise CommandError("--older-than-minutes must be >= 0 and --limit > 0.")
        cutoff = timezone.now() - timedelta(minutes=minutes)
        candidates = (
            PersonaInquiry.objects.exclude(status__in=FINAL_INQUIRY_STATUSES)
            .filter(modified__lte=cutoff)
            .order_by("modified")[:limit]
        )
        client = PersonaClient()
        counts: dict[str, int] = {}

        def count(outcome: str) -> None:
            counts[outcome] = counts.get(outcome, 0) + 1

        for inquiry in candidates:
            try:
                attempt = api.get_verification_attempt(inquiry.attempt_id)
            except VerificationAttemptNotFound:
                count("no attempt")
                continue
            if attempt.status not in UNFINISHED:
                count("attempt finished")
                continue
            fetched_at = timezone.now()
            try:
                current = client.retrieve_inquiry(inquiry.inquiry_id)
            except PersonaError as error:
                self.stderr.write(f"{inquiry.inquiry_id}: could not fetch ({error})")
                count("error")
                continue
            if dry_run:
                self.stdout.write(
                    f"{inquiry.inquiry_id} (attempt {attempt.id}, {attempt.status}): Persona says "
                    f"{current.status!r} (dry run, not applied)"
                )
                count("dry run")
                continue
            outcome = apply_inquiry_status(
                attempt.id,
                InquiryUpdate(
                    inquiry_id=inquiry.inquiry_id,
                    status=current.status,
                    # The time the inquiry was asked for, not answered: an event Persona created while the
                    # request was in flight may be missing from the answer, and must not count as stale.
                    reported_at=fetched_at,
                    verified_name=current.verified_name,
                    event_name="sync",
                ),
            )
            self.stdout.write(
                f"{inquiry.inquiry_id} (attempt {attempt.id}): Persona says {current.status!r}: {outcome}"
            )
            count(outcome.value)
        summary = ", ".join(f"{name}: {number}" for name, number in sorted(counts.items())) or "nothing to do"
        self.stdout.write(f"Persona sync done ({summary}).")
