"""
Importing manual decisions from a CSV file (the ``idv_manual_verify`` command's work).

The file has the header ``user,name,expiration_date``: a username or email, the verified name, and an
optional ISO 8601 date or datetime when an approval expires (blank: the site default). Users are looked
up in bulk, by chunks; each row is then decided in its own savepoint (the command commits every 100
rows) through :mod:`idv_manual.reviews`, so through ``idv_core.api``: one set of events per attempt.

What a row does, for a user U, a name N and the status S given to the command, looking only at U's
attempts of the ``manual`` provider:

* U already has an attempt in S with the name N (an approval: one that has not expired): **skipped**, so
  running a file twice changes nothing the second time.
* U has a ``pending`` manual attempt (asked for on the start page): it is decided (**updated**), with N.
* S is ``denied`` and U has an active manual approval: the approval is revoked (**updated**).
* Otherwise a new attempt in S is **created**.

A problem with one row (unknown user, bad date, invalid name, an attempt that changed meanwhile) is
reported with the row's number and the import carries on. Messages never contain a name, a username or
an email: only row numbers.
"""

from __future__ import annotations

import csv
import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import IO, Final

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from idv_core import api
from idv_core.data import VerificationAttemptRecord
from idv_core.exceptions import (
    VerificationAttemptInvalidExpiration,
    VerificationAttemptInvalidName,
    VerificationAttemptInvalidTransition,
    VerificationAttemptNotFound,
)
from idv_core.statuses import VerificationAttemptStatus
from idv_manual import reviews
from idv_manual.models import Decision

#: The header row the file must start with, exactly (surrounding spaces and case aside).
CSV_HEADER: Final = ("user", "name", "expiration_date")
#: How many usernames (or emails) one lookup query asks for: below SQLite's 999-parameter limit.
USER_LOOKUP_CHUNK_SIZE: Final = 500
#: The problem of a row whose expiration date cannot even be computed (the day after 9999-12-31).
TOO_LATE: Final = "bad date: expiration_date is too far in the future (the latest date is 9999-12-29)"


class CsvHeaderError(ValueError):
    """The file does not start with the expected header row."""

    def __init__(self, found: list[str] | None) -> None:
        shown = ",".join(found) if found else "an empty file"
        super().__init__(
            f"The CSV file must start with the header row {','.join(CSV_HEADER)!r}; found {shown!r}."
        )


class CsvFormatError(ValueError):
    """
    The file is not CSV the reader can parse (e.g. a field longer than its limit): nothing of it is
    imported. The message names the row, never its content.
    """

    def __init__(self, *, number: int, error: csv.Error) -> None:
        self.number = number
        super().__init__(
            f"row {number} cannot be read as CSV ({error}). Nothing was imported: fix the file and run it "
            "again."
        )


class RowProblem(ValueError):
    """One row cannot be imported; the message says why, without the row's names."""


class Outcome(enum.Enum):
    """What importing one row did (or, in a dry run, would do)."""

    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class CsvRow:
    """One data row; ``number`` is its row in the file (the header is row 1)."""

    number: int
    user: str
    name: str
    expiration_date: str
    columns: int


class _Ambiguous:
    """Several users share the email a row gives."""


AMBIGUOUS: Final = _Ambiguous()


def read_rows(stream: IO[str]) -> list[CsvRow]:
    """
    Read the whole file (after checking its header); blank lines are left out.

    Raises:
        CsvHeaderError: the first row is not ``user,name,expiration_date``.
        CsvFormatError: a row cannot be parsed: a field longer than ``csv.field_size_limit()`` (128 KiB
            by default, far above any name), for example.
    """
    reader = csv.reader(stream)
    rows: list[CsvRow] = []
    header: list[str] | None = None
    number = 1  # the last row read: the header is row 1
    try:
        header = next(reader, None)
        if header is None or tuple(cell.strip().lower() for cell in header) != CSV_HEADER:
            raise CsvHeaderError(header)
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            padded = [*cells, "", "", ""]
            rows.append(
                CsvRow(
                    number=number,
                    user=padded[0].strip(),
                    name=padded[1],
                    expiration_date=padded[2].strip(),
                    columns=len(cells),
                )
            )
    except csv.Error as error:
        # The reader cannot go on reliably after an error (a quoted field may span lines): the file is
        # refused as a whole, before anything of it is written. The failing row follows the last one read.
        raise CsvFormatError(number=number + 1 if header is not None else 1, error=error) from None
    return rows


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def resolve_users(identifiers: Iterable[str]) -> dict[str, AbstractBaseUser | _Ambiguous]:
    """
    Map each username or email to its user, in a few queries per 500 identifiers (never one per row).

    A username wins over an email; emails compare case-insensitively. An email several users share maps
    to :data:`AMBIGUOUS`; an identifier no user has is left out.
    """
    user_model = get_user_model()
    username_field = user_model.USERNAME_FIELD
    wanted = sorted({identifier for identifier in identifiers if identifier})
    found: dict[str, AbstractBaseUser | _Ambiguous] = {}
    for chunk in _chunks(wanted, USER_LOOKUP_CHUNK_SIZE):
        for user in user_model.objects.filter(**{f"{username_field}__in": chunk}):
            found[user.get_username()] = user
    emails: dict[str, list[str]] = {}
    for identifier in wanted:
        if identifier not in found and "@" in identifier:
            emails.setdefault(identifier.lower(), []).append(identifier)
    by_email: dict[str, AbstractBaseUser | _Ambiguous] = {}
    for chunk in _chunks(sorted(emails), USER_LOOKUP_CHUNK_SIZE):
        matches = user_model.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=chunk)
        for user in matches:
            by_email[user.email_lower] = AMBIGUOUS if user.email_lower in by_email else user
    for email, originals in emails.items():
        if email in by_email:
            for identifier in originals:
                found[identifier] = by_email[email]
    return found


def parse_expiration(text: str) -> datetime | None:
    """
    Parse the ``expiration_date`` cell: blank (None: the site default), a date or a datetime.

    A date means "valid through that day": the approval expires at the end of it, in the site's time
    zone. A datetime without an offset is in the site's time zone too.

    Raises:
        RowProblem: the text is neither an ISO 8601 date nor a datetime, or is too far in the future
            (the core stores expirations before 9999-12-31).
    """
    if not text:
        return None
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
        moment = datetime.fromisoformat(text)
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
    except OverflowError:  # the day after 9999-12-31, or a time zone's offset past datetime.max
        raise RowProblem(TOO_LATE) from None
    except ValueError:
        raise RowProblem(
            "bad date: expiration_date must be an ISO 8601 date (2030-12-31) or datetime "
            "(2030-12-31T18:00:00+00:00), or blank"
        ) from None


def _is_active(record: VerificationAttemptRecord, now: datetime) -> bool:
    return record.expiration_datetime is None or record.expiration_datetime > now


class ManualVerificationImport:
    """Imports rows with one decision (``approved`` or ``denied``), one reviewer and one reason."""

    def __init__(
        self, *, status: str, reviewer: AbstractBaseUser, reason: str, dry_run: bool = False
    ) -> None:
        self.decision = Decision(status)
        self.reviewer = reviewer
        self.reason = reason
        self.dry_run = dry_run

    def import_row(self, row: CsvRow, user: AbstractBaseUser | _Ambiguous | None) -> Outcome:
        """
        Import one row in its own transaction (rolled back in a dry run).

        Raises:
            RowProblem: the row was not imported; nothing of it was written.
        """
        if row.columns != len(CSV_HEADER):
            raise RowProblem(
                f"expected {len(CSV_HEADER)} columns (user,name,expiration_date), found {row.columns}"
            )
        if user is None:
            raise RowProblem("unknown user: no user has this username or email")
        if isinstance(user, _Ambiguous):
            raise RowProblem("ambiguous user: several users have this email; give the username")
        expiration = parse_expiration(row.expiration_date)
        if self.decision == Decision.APPROVED and expiration is not None and expiration <= timezone.now():
            raise RowProblem("bad date: expiration_date is in the past")
        if self.decision == Decision.DENIED:
            expiration = None  # a denial does not expire
        try:
            with transaction.atomic():
                outcome = self._apply(user, row.name.strip(), expiration)
                if self.dry_run:
                    # Everything ran (so every check did); nothing is kept and no event is sent.
                    transaction.set_rollback(True)
        except VerificationAttemptInvalidName as error:
            raise RowProblem(f"invalid name: {error}") from None
        except VerificationAttemptInvalidExpiration as error:
            raise RowProblem(f"bad date: {error}") from None
        except (
            VerificationAttemptInvalidTransition,
            reviews.AttemptNotReviewable,
            VerificationAttemptNotFound,
        ) as error:
            raise RowProblem(f"invalid transition: {error}") from None
        return outcome

    def _apply(self, user: AbstractBaseUser, name: str, expiration: datetime | None) -> Outcome:
        now = timezone.now()
        status = self.decision.value
        provider = reviews.provider_id()
        manual = [record for record in api.get_verification_attempts(user) if record.provider == provider]
        for record in manual:
            if (
                record.status == status
                and record.name == name
                and (status != "approved" or _is_active(record, now))
            ):
                return Outcome.SKIPPED
        pending = [record for record in manual if record.status == VerificationAttemptStatus.PENDING]
        revoked = []
        if self.decision == Decision.DENIED:
            revoked = [
                record
                for record in manual
                if record.status == VerificationAttemptStatus.APPROVED and _is_active(record, now)
            ]
        for record in pending:
            reviews.decide_attempt(
                record.id,
                status=status,
                reviewer=self.reviewer,
                reason=self.reason,
                name=name,
                expiration_datetime=expiration,
            )
        for record in revoked:
            reviews.decide_attempt(
                record.id,
                status=status,
                reviewer=self.reviewer,
                reason=self.reason,
                from_statuses=(VerificationAttemptStatus.APPROVED,),
            )
        if pending or revoked:
            return Outcome.UPDATED
        reviews.create_verification(
            learner=user,
            name=name,
            status=status,
            reviewer=self.reviewer,
            reason=self.reason,
            expiration_datetime=expiration,
        )
        return Outcome.CREATED
