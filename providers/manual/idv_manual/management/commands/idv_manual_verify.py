"""
``manage.py idv_manual_verify FILE --status approved|denied --reason TEXT --reviewer USERNAME [--dry-run]``

Records manual identity decisions for the users listed in a CSV file with the header
``user,name,expiration_date`` (a username or email; the verified name; an optional ISO 8601 date or
datetime when an approval expires, blank for the site default). See ``idv_manual.csv_import`` for what
each row does. Re-running a file skips the rows already done. Problems are reported per row (by row
number, never with names) and the import carries on; a summary ends the run. Run from the command line,
it exits with status 1 when some row failed (0 otherwise, also for a dry run without failures), so a script
can tell; the rows that did not fail are recorded (or, with --dry-run, checked) either way.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from idv_manual.csv_import import (
    CsvFormatError,
    CsvHeaderError,
    CsvRow,
    ManualVerificationImport,
    Outcome,
    RowProblem,
    read_rows,
    resolve_users,
)
from idv_manual.models import REASON_MAX_LENGTH, REVIEW_PERMISSION, Decision

#: Files with at least this many rows get a progress bar (on stderr), unless --verbosity 0.
PROGRESS_BAR_MIN_ROWS = 200
#: Rows committed together (each in its own savepoint): short enough not to hold writers back for long.
ROWS_PER_COMMIT = 100


class Command(BaseCommand):
    """Approve or deny, by hand, the identity of the users listed in a CSV file."""

    help = __doc__
    #: Exit status of a command-line run in which some row failed.
    FAILED_ROWS_EXIT_STATUS = 1

    def run_from_argv(self, argv: list[str]) -> None:
        """Run as ``manage.py`` does, then exit with status 1 if some row failed."""
        self.failed_rows = 0
        super().run_from_argv(argv)
        if self.failed_rows:
            sys.exit(self.FAILED_ROWS_EXIT_STATUS)

    def add_arguments(self, parser: CommandParser) -> None:
        """FILE, --status, --reason, --reviewer, --dry-run: the command's public contract."""
        parser.add_argument("file", metavar="FILE", help="CSV file with the header user,name,expiration_date")
        parser.add_argument(
            "--status", required=True, choices=Decision.values, help="the decision for every row"
        )
        parser.add_argument(
            "--reason",
            default="",
            help=f"why (kept in the audit trail, at most {REASON_MAX_LENGTH} characters); "
            "required with --status denied",
        )
        parser.add_argument(
            "--reviewer",
            required=True,
            metavar="USERNAME",
            help=f"the staff user deciding (needs {REVIEW_PERMISSION})",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row and report, but write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Check the arguments and the header, resolve the users in bulk, import row by row."""
        status, reason = options["status"], options["reason"].strip()
        if status == Decision.DENIED and not reason:
            raise CommandError(
                "--status denied needs a --reason: learners and auditors must be able to learn why."
            )
        if len(reason) > REASON_MAX_LENGTH:
            raise CommandError(
                f"--reason is {len(reason)} characters long; at most {REASON_MAX_LENGTH} are kept."
            )
        reviewer = self._reviewer(options["reviewer"])
        try:
            with open(options["file"], encoding="utf-8-sig", newline="") as stream:
                rows = read_rows(stream)
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error.strerror or error}.") from None
        except UnicodeDecodeError:
            raise CommandError(f"{options['file']} is not UTF-8 text.") from None
        except (CsvHeaderError, CsvFormatError) as error:
            raise CommandError(str(error)) from None

        users = resolve_users(row.user for row in rows)
        importer = ManualVerificationImport(
            status=status, reviewer=reviewer, reason=reason, dry_run=options["dry_run"]
        )
        error_stream = options.get("stderr") or sys.stderr
        counts: Counter[str] = Counter()
        progress = tqdm(
            total=len(rows),
            desc="idv_manual_verify",
            unit="row",
            file=error_stream,
            disable=options["verbosity"] == 0 or len(rows) < PROGRESS_BAR_MIN_ROWS,
        )
        # A dry run's rows are rolled back: idv_core logs no "Created verification attempt" for them (it logs
        # after the commit).
        self._import(rows, users, importer, counts, progress, error_stream)
        progress.close()
        self.failed_rows = counts["failed"]

        prefix = "Dry run, nothing written: would have " if options["dry_run"] else ""
        self.stdout.write(
            f"{prefix}created {counts[Outcome.CREATED.value]}, "
            f"updated {counts[Outcome.UPDATED.value]}, skipped {counts[Outcome.SKIPPED.value]}, "
            f"failed {counts['failed']} (of {len(rows)} rows)."
        )

    def _import(
        self,
        rows: list[CsvRow],
        users: dict[str, Any],
        importer: ManualVerificationImport,
        counts: Counter[str],
        progress: Any,
        error_stream: Any,
    ) -> None:
        for start in range(0, len(rows), ROWS_PER_COMMIT):
            # Each row runs in its own savepoint (a bad row is rolled back alone); the rows of a batch
            # commit together, so the import pays one commit (an fsync) per batch rather than per row.
            # The events of a batch's attempts go out when it commits. An interrupted import loses at
            # most the batch under way, and running the file again completes it.
            with transaction.atomic():
                for row in rows[start : start + ROWS_PER_COMMIT]:
                    try:
                        outcome = importer.import_row(row, users.get(row.user))
                    except RowProblem as problem:
                        counts["failed"] += 1
                        # tqdm.write keeps the bar intact below the message.
                        tqdm.write(f"row {row.number}: {problem}", file=error_stream)
                    else:
                        counts[outcome.value] += 1
                    progress.update()

    def _reviewer(self, username: str) -> Any:
        user_model = get_user_model()
        try:
            reviewer = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist:
            raise CommandError("--reviewer: no user has this username.") from None
        if not reviewer.has_perm(REVIEW_PERMISSION):
            raise CommandError(
                f"--reviewer must be an active superuser or have the permission {REVIEW_PERMISSION} "
                "(give it in the admin, on the user or a group: "
                "'Can approve or deny identity verifications by hand')."
            )
        return reviewer
