"""
``manage.py idv_platform_sync [--dry-run] [--fix]``: inside the LMS, write the platform rows that attempts
made before the mirror lack, and report (with ``--fix``, rewrite) platform rows that drifted from ours.

Sends no event. A second run changes nothing and says so. See ``idv_core.platform_sync`` and docs/lms.rst.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from idv_core import platform_mirror
from idv_core.conf import idv_setting
from idv_core.models import VerificationAttempt
from idv_core.platform_sync import SyncReport, sync_platform_rows


class Command(BaseCommand):
    """Backfill the LMS's verify_student rows of our attempts and report (or fix) drift."""

    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        """--dry-run and --fix: the command's public contract."""
        parser.add_argument("--dry-run", action="store_true", help="report what would change; write nothing")
        parser.add_argument(
            "--fix", action="store_true", help="also rewrite drifted platform rows from our attempts"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Walk every attempt once; print the counts."""
        try:
            model = platform_mirror.get_mirror_model()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        if model is None:
            _model, problem = platform_mirror.find_platform_model()
            raise CommandError(
                "The platform mirror is off (IDV_PLATFORM_MIRROR is "
                f"{idv_setting('IDV_PLATFORM_MIRROR')!r}"
                f"{'; ' + problem if problem else ''}): there is nothing to sync."
            )
        dry_run, fix = options["dry_run"], options["fix"]
        show_bar = options["verbosity"] > 0 and sys.stderr.isatty()
        with tqdm(
            total=VerificationAttempt.objects.count() if show_bar else None,
            disable=not show_bar,
            unit="attempt",
            file=sys.stderr,
        ) as progress:
            report = sync_platform_rows(model, fix=fix, dry_run=dry_run, on_chunk=progress.update)
        self._summarize(report, dry_run=dry_run, fix=fix)

    def _summarize(self, report: SyncReport, *, dry_run: bool, fix: bool) -> None:
        would = "would be " if dry_run else ""
        self.stdout.write(f"Checked {report.checked} attempt(s).")
        self.stdout.write(f"  in sync: {report.in_sync}")
        self.stdout.write(f"  platform rows {would}created (backfill): {report.created}")
        self.stdout.write(f"  drifted: {report.drifted}")
        for kind, count in sorted(report.drift.items()):
            self.stdout.write(f"    {kind}: {count}")
        if fix:
            self.stdout.write(f"  drifted rows {would}rewritten from ours: {report.fixed}")
        elif report.drifted:
            self.stdout.write("  (run again with --fix to rewrite the drifted platform rows from ours)")
        self.stdout.write(f"  skipped, names erased by retirement: {report.retired}")
        if not report.changed_anything and not report.drifted:
            self.stdout.write("Nothing to change: every attempt has its platform row, in sync.")
