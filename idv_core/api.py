"""
The public Python API of idv_core: the only way providers write verification attempts, and how anyone
reads whether a learner is ID-verified. Inside the LMS every write is mirrored into the platform's own
``verify_student`` table (``idv_core.platform_mirror``), which is what the LMS itself reads.

Write side: :func:`create_verification_attempt`, :func:`update_verification_attempt`; a learner's start
with a provider: :func:`get_or_create_open_attempt` (one open attempt per learner and provider), under
:func:`start_lock`.
Read side: :func:`is_user_verified`, :func:`get_verified_user_ids`, :func:`get_user_verification_status`,
:func:`get_verification_attempt`, :func:`get_verification_attempt_by_external_id`,
:func:`get_verification_attempt_by_platform_id`, :func:`get_verification_attempt_from_event`,
:func:`get_verification_attempts`, :func:`get_verification_attempts_by_id`, :func:`get_verify_url`.

Everything returned is plain immutable data (``idv_core.data``), never a model instance. A rejected call
raises one of ``idv_core.exceptions``, changes nothing and sends no event. Verified names are PII: no
function here logs one or puts one in an error message.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import unicodedata
from collections.abc import Collection, Iterable, Iterator
from datetime import datetime
from enum import Enum
from typing import Any, Final, Literal

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from openedx_events.learning.data import VerificationAttemptData
from openedx_filters.exceptions import OpenEdxFilterException
from openedx_filters.learning.filters import IDVPageURLRequested

from idv_core import events, names, outbox, platform_mirror, platform_reads, read_cache, read_sql, starts
from idv_core.conf import EXPIRATION_FLOOR, EXPIRATION_LIMIT, expiration_after_days, idv_setting
from idv_core.data import UserVerificationStatus, VerificationAttemptRecord
from idv_core.exceptions import (
    VerificationAttemptAlreadyExists,
    VerificationAttemptInvalidExpiration,
    VerificationAttemptInvalidField,
    VerificationAttemptInvalidName,
    VerificationAttemptInvalidStatus,
    VerificationAttemptInvalidTransition,
    VerificationAttemptNotFound,
    VerificationAttemptStatusChanged,
)
from idv_core.models import EXTERNAL_ID_MAX_LENGTH, NAME_MAX_LENGTH, PROVIDER_MAX_LENGTH, VerificationAttempt
from idv_core.providers import get_installed_providers
from idv_core.statuses import UserVerificationState, VerificationAttemptStatus, can_transition

__all__ = [
    "EXPIRATION_LIMIT",
    "PROVIDER_ATTEMPTS_CHUNK_SIZE",
    "UNSET",
    "VERIFIED_USER_IDS_CHUNK_SIZE",
    "create_verification_attempt",
    "expiration_after_days",
    "get_or_create_open_attempt",
    "get_user_verification_status",
    "get_verification_attempt",
    "get_verification_attempt_by_external_id",
    "get_verification_attempt_by_platform_id",
    "get_verification_attempt_from_event",
    "get_verification_attempts",
    "get_verification_attempts_by_id",
    "get_verified_user_ids",
    "get_verify_url",
    "is_user_verified",
    "iter_provider_verification_attempts",
    "retire_user_verification_names",
    "start_lock",
    "update_verification_attempt",
]

log = logging.getLogger(__name__)

# django-simple-history's history_change_reason column.
CHANGE_REASON_MAX_LENGTH: Final = 100

#: How many user ids :func:`get_verified_user_ids` asks the database about in one query.
VERIFIED_USER_IDS_CHUNK_SIZE: Final = 1000

#: How many rows :func:`iter_provider_verification_attempts` reads from the database at a time.
PROVIDER_ATTEMPTS_CHUNK_SIZE: Final = 500


class _Unset(Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


#: "Leave this field unchanged" for :func:`update_verification_attempt` (None would mean "clear it").
UNSET: Final = _Unset.UNSET
UnsetType = Literal[_Unset.UNSET]

#: A saved user, or a user's id (the read functions accept either).
UserOrId = AbstractBaseUser | int


# --- validation: every argument is checked before anything is read or written -----------------------


def _validate_status(status: object) -> VerificationAttemptStatus:
    if not isinstance(status, str) or not VerificationAttemptStatus.is_valid(status):
        raise VerificationAttemptInvalidStatus(status)
    return VerificationAttemptStatus(status)


def _is_utf8_encodable(text: str) -> bool:
    # Lone surrogates are valid in a Python str but in no database encoding.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _validate_name(name: object) -> str:
    if not isinstance(name, str):
        raise VerificationAttemptInvalidName(
            gettext("The name must be a string, not {type}.").format(type=type(name).__name__)
        )
    stripped = name.strip()
    if not stripped:
        raise VerificationAttemptInvalidName(gettext("The name must not be blank."))
    if len(stripped) > NAME_MAX_LENGTH:
        raise VerificationAttemptInvalidName(
            gettext("The name is {length} characters long; at most {limit} are allowed.").format(
                length=len(stripped), limit=NAME_MAX_LENGTH
            )
        )
    if any(unicodedata.category(character) == "Cc" for character in stripped):
        raise VerificationAttemptInvalidName(
            gettext("The name must not contain control characters (line breaks, tabs, NUL...).")
        )
    if invisible := names.invisible_characters(stripped):
        raise VerificationAttemptInvalidName(names.invisible_characters_message(invisible))
    if not _is_utf8_encodable(stripped):
        raise VerificationAttemptInvalidName(
            gettext("The name must be valid Unicode text (it has a lone surrogate).")
        )
    return stripped


def _validate_expiration(expiration: object) -> datetime | None:
    if expiration is None:
        return None
    if not isinstance(expiration, datetime):
        raise VerificationAttemptInvalidExpiration(
            f"The expiration must be a timezone-aware datetime or None, not {type(expiration).__name__}."
        )
    if timezone.is_naive(expiration):
        raise VerificationAttemptInvalidExpiration(
            "The expiration must be timezone-aware (for example datetime(..., tzinfo=UTC)); "
            "got a naive datetime."
        )
    if not EXPIRATION_FLOOR <= expiration < EXPIRATION_LIMIT:
        # Saving it would convert it to UTC, which overflows near the ends of what datetime holds.
        raise VerificationAttemptInvalidExpiration(
            f"The expiration must be from {EXPIRATION_FLOOR.isoformat()} and before "
            f"{EXPIRATION_LIMIT.isoformat()}: other dates do not fit every time zone and database."
        )
    return expiration


def _validate_expected_statuses(expected: object) -> tuple[VerificationAttemptStatus, ...] | None:
    if expected is None:
        return None
    statuses = (expected,) if isinstance(expected, str) else expected
    if not isinstance(statuses, Collection) or not statuses:
        raise VerificationAttemptInvalidField(
            f"expected_status must be a status or a non-empty collection of statuses, not {expected!r}."
        )
    return tuple(_validate_status(status) for status in statuses)


def _validate_flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise VerificationAttemptInvalidField(f"hide_status_from_user must be True or False, not {value!r}.")
    return value


def _validate_text(field: str, value: object, max_length: int, *, identifier: bool = False) -> str:
    if not isinstance(value, str):
        raise VerificationAttemptInvalidField(f"{field} must be a string, not {type(value).__name__}.")
    if len(value) > max_length:
        raise VerificationAttemptInvalidField(
            f"{field} is {len(value)} characters long; at most {max_length} are allowed."
        )
    if "\x00" in value:
        raise VerificationAttemptInvalidField(f"{field} must not contain NUL characters.")
    if not _is_utf8_encodable(value):
        raise VerificationAttemptInvalidField(
            f"{field} must be valid Unicode text (it has a lone surrogate)."
        )
    if identifier and value != value.strip():
        # MySQL's PAD SPACE collations ignore trailing spaces: "x" and "x " would be one id there.
        raise VerificationAttemptInvalidField(f"{field} must not start or end with white space.")
    return value


def _validate_attempt_id(attempt_id: object) -> int:
    if isinstance(attempt_id, bool) or not isinstance(attempt_id, int):
        raise VerificationAttemptInvalidField(
            f"attempt_id must be an integer, not {type(attempt_id).__name__}."
        )
    return attempt_id


def _user_id(user: object) -> int:
    """Accept a saved user or a user id (the read side)."""
    if isinstance(user, int) and not isinstance(user, bool):
        return user
    user_id = getattr(user, "pk", None)
    if not isinstance(user_id, int):
        raise VerificationAttemptInvalidField(
            f"Expected a saved user or a user id, not {type(user).__name__}."
        )
    return user_id


def _default_expiration() -> datetime:
    days = idv_setting("IDV_DAYS_GOOD_FOR")
    expiration = expiration_after_days(timezone.now(), days)
    if expiration is None:
        raise VerificationAttemptInvalidExpiration(
            f"IDV_DAYS_GOOD_FOR is {days!r}: the default expiration would be after "
            f"{EXPIRATION_LIMIT:%Y-%m-%d}, later than any date idv_core stores. Lower it (manage.py check "
            "reports it as idv_core.E001), or give an expiration."
        )
    return expiration


def _record_history_context(
    attempt: VerificationAttempt, changed_by: AbstractBaseUser | None, reason: str
) -> None:
    # django-simple-history reads these when it writes the history row for the next save().
    if changed_by is not None:
        attempt._history_user = changed_by
    if reason:
        attempt._change_reason = reason


def _save_new_external_id(attempt: VerificationAttempt, **save_kwargs: Any) -> None:
    """Save ``attempt``, turning a clash on (provider, external_id) into VerificationAttemptAlreadyExists."""
    try:
        # A savepoint, so that the transaction is still usable to tell a duplicate from another error.
        with transaction.atomic():
            attempt.save(**save_kwargs)
    except IntegrityError as error:
        external_id = attempt.external_id
        duplicates = VerificationAttempt.objects.filter(provider=attempt.provider, external_id=external_id)
        if external_id is not None and duplicates.exclude(pk=attempt.pk).exists():
            raise VerificationAttemptAlreadyExists(
                provider=attempt.provider, external_id=external_id
            ) from error
        raise


def _to_record(attempt: VerificationAttempt) -> VerificationAttemptRecord:
    return VerificationAttemptRecord(
        id=attempt.pk,
        user_id=attempt.user_id,
        name=attempt.name,
        status=VerificationAttemptStatus(attempt.status),
        provider=attempt.provider,
        external_id=attempt.external_id or "",
        expiration_datetime=attempt.expiration_datetime,
        hide_status_from_user=attempt.hide_status_from_user,
        created=attempt.created,
        modified=attempt.modified,
        platform_attempt_id=attempt.platform_attempt_id,
    )


# --- write side --------------------------------------------------------------------------------------


def create_verification_attempt(
    user: AbstractBaseUser,
    name: str,
    status: VerificationAttemptStatus | str,
    expiration_datetime: datetime | None = None,
    hide_status_from_user: bool = False,
    *,
    provider: str = "",
    external_id: str = "",
    changed_by: AbstractBaseUser | None = None,
    reason: str = "",
) -> int:
    """
    Record a new verification attempt for ``user`` and return its id.

    Sends ``IDV_ATTEMPT_CREATED`` after the transaction commits and, when ``status`` is not ``created``,
    also the signal of ``status`` (so a receiver sees every status the attempt entered, in order). Inside
    the LMS (``IDV_PLATFORM_MIRROR``) the platform's own row is written in the same transaction, and the
    events carry its id.

    Args:
        user: The saved user whose identity is being verified.
        name: The name being ID-verified (surrounding white space is stripped; 1 to 255 characters, no
            control characters).
        status: The initial status: ``created``, ``pending``, ``approved`` or ``denied``.
        expiration_datetime: When an approval stops counting (timezone-aware; may be in the past, for
            imported records). None means "not given": an attempt created ``approved`` then expires
            ``IDV_DAYS_GOOD_FOR`` days from now. A never-expiring approval is made with an explicit
            ``expiration_datetime=None`` in :func:`update_verification_attempt`.
        hide_status_from_user: Leave this attempt out of the status the learner is shown.
        provider: The id of the provider writing the attempt (its entry point name); blank when written
            by hand.
        external_id: The provider's own reference for the attempt, unique per provider; blank for none.
        changed_by: The user responsible for the change, kept in the audit trail (staff, for manual work).
        reason: Why, kept in the audit trail (at most 100 characters).

    Returns:
        The id of the new attempt; pass it to :func:`update_verification_attempt`.

    Raises:
        VerificationAttemptInvalidStatus: ``status`` is not a valid status.
        VerificationAttemptInvalidName: ``name`` is blank, too long or not a string.
        VerificationAttemptInvalidExpiration: ``expiration_datetime`` is naive, not a datetime, or out of
            range (from 1000-01-01 and before 9999-12-31, UTC); or the attempt needs the default
            expiration and ``IDV_DAYS_GOOD_FOR`` days from now is past that range.
        VerificationAttemptInvalidField: another argument has the wrong type or length.
        VerificationAttemptAlreadyExists: ``provider`` already has an attempt with ``external_id``.
    """
    # The user object (not only its id): the events carry its username, email and full name.
    user_id = getattr(user, "pk", None)
    if not isinstance(user_id, int):
        raise VerificationAttemptInvalidField(f"Expected a saved user, not {type(user).__name__}.")
    status = _validate_status(status)
    name = _validate_name(name)
    expiration_datetime = _validate_expiration(expiration_datetime)
    hide_status_from_user = _validate_flag(hide_status_from_user)
    provider = _validate_text("provider", provider, PROVIDER_MAX_LENGTH, identifier=True)
    external_id = _validate_text("external_id", external_id, EXTERNAL_ID_MAX_LENGTH, identifier=True)
    reason = _validate_text("reason", reason, CHANGE_REASON_MAX_LENGTH)

    if status == VerificationAttemptStatus.APPROVED and expiration_datetime is None:
        expiration_datetime = _default_expiration()

    attempt = VerificationAttempt(
        user_id=user_id,
        name=name,
        status=status.value,
        expiration_datetime=expiration_datetime,
        hide_status_from_user=hide_status_from_user,
        provider=provider,
        external_id=external_id or None,
    )
    _record_history_context(attempt, changed_by, reason)
    entered = [VerificationAttemptStatus.CREATED]
    if status != VerificationAttemptStatus.CREATED:
        entered.append(status)
    events.number_status_events(attempt, len(entered))
    # With the event-bus outbox or the platform mirror on, the attempt, its outbox rows and its platform
    # row commit together. Without them there is one INSERT (and its history row) to make, which needs no
    # transaction of its own.
    platform_model = platform_mirror.get_mirror_model()
    atomic = platform_model is not None or outbox.is_enabled()
    with transaction.atomic() if atomic else contextlib.nullcontext():
        if platform_model is not None:
            # The platform row first, so that our INSERT carries the link (one write each).
            attempt.platform_attempt_id = platform_mirror.create_platform_row(platform_model, attempt)
        _save_new_external_id(attempt)
        events.send_status_events_on_commit(attempt, user, entered)
    # Logged once the attempt exists for others: a change rolled back (a dry run, a failed request under
    # ATOMIC_REQUESTS) never was.
    transaction.on_commit(
        functools.partial(
            log.info,
            "Created verification attempt %s for user %s (provider %r, status %s).",
            attempt.pk,
            user_id,
            provider,
            status,
        )
    )
    return attempt.pk


#: What update_verification_attempt refuses after taking the row lock, before writing anything.
_REFUSALS_BEFORE_WRITING: Final = (
    VerificationAttemptNotFound,
    VerificationAttemptStatusChanged,
    VerificationAttemptInvalidTransition,
    VerificationAttemptInvalidExpiration,
    VerificationAttemptInvalidField,
)


def update_verification_attempt(
    attempt_id: int,
    name: str | UnsetType = UNSET,
    status: VerificationAttemptStatus | str | UnsetType = UNSET,
    expiration_datetime: datetime | UnsetType | None = UNSET,
    hide_status_from_user: bool | UnsetType = UNSET,
    *,
    external_id: str | UnsetType = UNSET,
    changed_by: AbstractBaseUser | None = None,
    reason: str = "",
    expected_status: VerificationAttemptStatus
    | str
    | Collection[VerificationAttemptStatus | str]
    | None = None,
) -> None:
    """
    Change an attempt's name, status, expiration or visibility.

    An argument left at :data:`UNSET` leaves that field unchanged. The row is locked for the
    read-modify-write. Entering a new status sends that status's signal after the transaction commits;
    setting the status the attempt already has changes nothing and sends nothing. When the attempt
    becomes ``approved``, ``expiration_datetime`` is not given and the attempt has none, it expires
    ``IDV_DAYS_GOOD_FOR`` days from now. Inside the LMS (``IDV_PLATFORM_MIRROR``) the platform's row is
    updated in the same transaction (and written first if the attempt predates the mirror). Called inside
    a transaction of the caller's, it makes no savepoint of its own: every refusal below but
    ``VerificationAttemptAlreadyExists`` comes before any write, and the caller's transaction stays usable
    after it.

    Args:
        attempt_id: The id :func:`create_verification_attempt` returned.
        name: The name being ID-verified (1 to 255 characters after stripping white space).
        status: The new status; see ``idv_core.statuses.ALLOWED_TRANSITIONS`` for what may follow what.
        expiration_datetime: A timezone-aware datetime, or None to clear it (an approval with no
            expiration never expires).
        hide_status_from_user: Leave this attempt out of the status the learner is shown.
        external_id: The provider's reference for an attempt created without one (a vendor's id known only
            once the attempt exists). Set once: an attempt's reference never changes afterwards, so that
            callbacks naming the old one still find it.
        changed_by: The user responsible for the change, kept in the audit trail.
        reason: Why, kept in the audit trail (at most 100 characters).
        expected_status: Change the attempt only if its status is this one (or one of these), checked
            under the row lock: a decision taken on what the caller read earlier (a reviewer's queue)
            is refused when someone changed the attempt meanwhile. None (the default) checks nothing.

    Raises:
        VerificationAttemptNotFound: no attempt has this id.
        VerificationAttemptStatusChanged: the attempt's status is not ``expected_status``; nothing changed.
        VerificationAttemptInvalidStatus: ``status`` (or one of ``expected_status``) is not a valid status.
        VerificationAttemptInvalidTransition: the attempt's status cannot move to ``status``.
        VerificationAttemptInvalidName: ``name`` is blank, too long or not a string.
        VerificationAttemptInvalidExpiration: ``expiration_datetime`` is naive, not a datetime, or out of
            range (from 1000-01-01 and before 9999-12-31, UTC); or the attempt needs the default
            expiration and ``IDV_DAYS_GOOD_FOR`` days from now is past that range.
        VerificationAttemptInvalidField: another argument has the wrong type or length, or
            ``external_id`` would replace the attempt's existing reference.
        VerificationAttemptAlreadyExists: the attempt's provider already has another attempt with
            ``external_id``.
    """
    attempt_id = _validate_attempt_id(attempt_id)
    new_name = UNSET if name is UNSET else _validate_name(name)
    new_status = UNSET if status is UNSET else _validate_status(status)
    new_expiration = UNSET if expiration_datetime is UNSET else _validate_expiration(expiration_datetime)
    new_hide = UNSET if hide_status_from_user is UNSET else _validate_flag(hide_status_from_user)
    new_external_id = (
        UNSET
        if external_id is UNSET
        else _validate_text("external_id", external_id, EXTERNAL_ID_MAX_LENGTH, identifier=True)
    )
    if new_external_id == "":
        raise VerificationAttemptInvalidField("external_id cannot be cleared: pass a non-blank reference.")
    reason = _validate_text("reason", reason, CHANGE_REASON_MAX_LENGTH)
    expected_statuses = _validate_expected_statuses(expected_status)

    platform_model = platform_mirror.get_mirror_model()
    # No savepoint when the caller already has a transaction (a webhook's, ATOMIC_REQUESTS): two round
    # trips fewer per change. The refusals below come before any write and are raised once the block is
    # left, so the caller's transaction stays usable; only a change setting external_id can fail after
    # writing (a clash, VerificationAttemptAlreadyExists), so it keeps its savepoint.
    refusal: Exception | None = None
    with transaction.atomic(savepoint=new_external_id is not UNSET):
        try:
            attempt = read_sql.lock_attempt(attempt_id)
            if attempt is None:
                raise VerificationAttemptNotFound(attempt_id=attempt_id)
            if expected_statuses is not None and attempt.status not in expected_statuses:
                raise VerificationAttemptStatusChanged(
                    attempt_id=attempt_id,
                    current=attempt.status,
                    expected=tuple(status.value for status in expected_statuses),
                )

            changed: list[str] = []
            entered: VerificationAttemptStatus | None = None
            if new_status is not UNSET and new_status != attempt.status:
                if not can_transition(attempt.status, new_status):
                    raise VerificationAttemptInvalidTransition(
                        attempt_id=attempt_id, current=attempt.status, requested=new_status.value
                    )
                attempt.status = new_status.value
                entered = new_status
                changed.append("status")
                events.number_status_events(attempt, 1)
            if new_name is not UNSET and new_name != attempt.name:
                attempt.name = new_name
                changed.append("name")
            if new_expiration is not UNSET:
                if new_expiration != attempt.expiration_datetime:
                    attempt.expiration_datetime = new_expiration
                    changed.append("expiration_datetime")
            elif entered == VerificationAttemptStatus.APPROVED and attempt.expiration_datetime is None:
                attempt.expiration_datetime = _default_expiration()
                changed.append("expiration_datetime")
            if new_hide is not UNSET and new_hide != attempt.hide_status_from_user:
                attempt.hide_status_from_user = new_hide
                changed.append("hide_status_from_user")
            if new_external_id is not UNSET and new_external_id != attempt.external_id:
                if attempt.external_id is not None:
                    raise VerificationAttemptInvalidField(
                        f"Verification attempt {attempt_id} already has an external_id; it is set once."
                    )
                attempt.external_id = new_external_id
                changed.append("external_id")
        except _REFUSALS_BEFORE_WRITING as error:
            refusal = error
        else:
            # A retired attempt (its name erased: the API never writes a blank one) is not mirrored again: the
            # platform deleted its rows of that learner at retirement.
            if (
                platform_model is not None
                and attempt.name
                and (changed or attempt.platform_attempt_id is None)
            ):
                # Our row is locked above, the platform's row here: always in that order.
                platform_attempt_id = platform_mirror.mirror_attempt(platform_model, attempt)
                if platform_attempt_id != attempt.platform_attempt_id:
                    attempt.platform_attempt_id = platform_attempt_id
                    changed.append("platform_attempt_id")
            if changed:
                _record_history_context(attempt, changed_by, reason)
                update_fields = [*changed, "modified", *(["event_sequence"] if entered is not None else [])]
                if "external_id" in changed:
                    _save_new_external_id(attempt, update_fields=update_fields)
                else:
                    attempt.save(update_fields=update_fields)
                if entered is not None:
                    # The user is loaded on its own (one more query) rather than joined into the locking
                    # SELECT: MariaDB has no FOR UPDATE OF, so a join would also lock the learner's auth_user
                    # row. The attempt's foreign key (and its lock: deleting the user deletes the attempt)
                    # keeps it.
                    user = read_sql.user_by_id(attempt.user_id) or attempt.user
                    events.send_status_events_on_commit(attempt, user, [entered])
    if refusal is not None:
        raise refusal
    if not changed:
        return
    transaction.on_commit(
        functools.partial(log.info, "Updated verification attempt %s: %s.", attempt_id, ", ".join(changed))
    )


#: The statuses of an attempt still under way: a start finds it rather than creating another.
OPEN_STATUSES: Final = (VerificationAttemptStatus.CREATED, VerificationAttemptStatus.PENDING)


@contextlib.contextmanager
def start_lock(user: UserOrId, *, provider: str) -> Iterator[None]:
    """
    Run the block as ``user``'s only start with ``provider``: a transaction holding the learner's start
    lock for that provider, so that concurrent starts (a double click, twenty tabs) run one after the other.

    Hold it around everything a start does once: find or create the open attempt
    (:func:`get_or_create_open_attempt`), create the vendor's inquiry and record its id on the attempt
    (``update_verification_attempt(..., external_id=...)``). The next start then finds that attempt and
    its inquiry. Starts of other learners, or with other providers, do not wait.

    On MySQL/MariaDB and PostgreSQL the block is one transaction that holds the row lock of
    ``idv_core.StartLock`` (an error in the block rolls it back). On SQLite, which can only lock the whole
    database, the block is serialized by a lock within the process and runs in autocommit: SQLite hosts
    (the demo, tests) run one process.

    Raises:
        VerificationAttemptInvalidField: ``user`` is not a saved user or an id, or ``provider`` is blank.
    """
    user_id = _user_id(user)
    provider = _validate_text("provider", provider, PROVIDER_MAX_LENGTH, identifier=True)
    if not provider:
        raise VerificationAttemptInvalidField("provider must not be blank: starts are per provider.")
    if not starts.locks_rows():
        # SQLite (the demo, tests: one process): an in-process lock, and no write transaction held
        # during the block, which would lock the whole database while the vendor is called.
        with starts.process_lock(user_id, provider):
            with transaction.atomic():
                starts.lock_starts(user_id, provider)
            yield
        return
    with transaction.atomic():
        starts.lock_starts(user_id, provider)
        yield


def get_or_create_open_attempt(
    user: AbstractBaseUser,
    name: str,
    status: VerificationAttemptStatus | str = VerificationAttemptStatus.CREATED,
    *,
    provider: str,
    reason: str = "",
) -> tuple[VerificationAttemptRecord, bool]:
    """
    Return ``user``'s open attempt with ``provider`` (``created`` or ``pending``), creating it if there is
    none: the one way a provider's start view should make attempts.

    Runs under :func:`start_lock` (taken here if the caller does not hold it), so concurrent starts of
    one learner with one provider converge on one attempt, never an error. A new attempt counts against
    ``IDV_START_RATE_LIMIT``; finding the open one does not. With the LMS's ``ATOMIC_REQUESTS`` the lock
    is held until the request's transaction ends; the reads assume the READ COMMITTED isolation Django
    uses on MySQL by default.

    Args:
        user: The saved learner.
        name: The name a new attempt starts with (ignored when an open attempt exists).
        status: The status of a new attempt: ``created`` or ``pending``.
        provider: The provider's id.
        reason: Kept in a new attempt's audit trail.

    Returns:
        (the open attempt, whether it was created now). The newest one when several are open (attempts
        written before this function existed, or through :func:`create_verification_attempt`).

    Raises:
        VerificationStartRateLimited: no attempt is open and the learner reached ``IDV_START_RATE_LIMIT``.
        VerificationAttemptInvalidStatus: ``status`` is not ``created`` or ``pending``.
        VerificationAttemptInvalidName, VerificationAttemptInvalidField: as
            :func:`create_verification_attempt`.
    """
    status = _validate_status(status)
    if status not in OPEN_STATUSES:
        raise VerificationAttemptInvalidStatus(status)
    name = _validate_name(name)
    with start_lock(user, provider=provider):
        user_id = _user_id(user)
        open_attempt = (
            VerificationAttempt.objects.filter(
                user_id=user_id, provider=provider, status__in=[status.value for status in OPEN_STATUSES]
            )
            .order_by("-pk")
            .first()
        )
        if open_attempt is not None:
            return _to_record(open_attempt), False
        starts.check_start_rate(user_id, provider, now=timezone.now())
        attempt_id = create_verification_attempt(user, name, status, provider=provider, reason=reason)
        return get_verification_attempt(attempt_id), True


def retire_user_verification_names(user: UserOrId) -> int:
    """
    Erase the verified names of ``user``'s attempts, of their audit trail (and its free-text reasons), of
    their event-bus outbox records, of the platform rows mirroring them, and of every installed provider's
    own records (user retirement; the LMS's ``USER_RETIRE_LMS_MISC`` signal reaches it through
    ``idv_core.handlers``).

    The attempts keep their status and dates, so the platform still knows the user was verified; no
    event is sent. Outbox records not yet delivered still go out blanked (the verified name, and the
    user's full name, username and e-mail). Each installed provider's ``retire_user`` hook runs in the
    same transaction: if one raises, nothing is erased and the error propagates (the LMS's retirement
    retries the step).
    Returns the number of attempts whose name was erased.
    """
    user_id = _user_id(user)
    with transaction.atomic():
        count = VerificationAttempt.objects.filter(user_id=user_id).exclude(name="").update(name="")
        VerificationAttempt.history.filter(user_id=user_id).exclude(name="").update(name="")
        # The audit trail's reasons are free text (a reviewer's "checked Ada's passport"): erased too.
        VerificationAttempt.history.filter(user_id=user_id, history_change_reason__gt="").update(
            history_change_reason=""
        )
        outbox.scrub_names(user_id)
        platform_model, _problem = platform_mirror.find_platform_model()
        if platform_model is not None:
            linked = VerificationAttempt.objects.filter(user_id=user_id, platform_attempt_id__isnull=False)
            platform_model._default_manager.filter(pk__in=linked.values("platform_attempt_id")).exclude(
                name=""
            ).update(name="")
        for provider in get_installed_providers().values():
            provider.retire_user(user_id)
        read_cache.forget(user_id)
    log.info("Retired the verified names of %s verification attempt(s) of user %s.", count, user_id)
    return count


# --- read side ---------------------------------------------------------------------------------------


def get_verification_attempt(attempt_id: int) -> VerificationAttemptRecord:
    """
    Return the attempt with id ``attempt_id``.

    Raises:
        VerificationAttemptNotFound: no attempt has this id.
    """
    attempt_id = _validate_attempt_id(attempt_id)
    record = read_sql.attempt_by_id(attempt_id)
    if record is None:
        raise VerificationAttemptNotFound(attempt_id=attempt_id)
    return record


def get_verification_attempts_by_id(attempt_ids: Iterable[int]) -> dict[int, VerificationAttemptRecord]:
    """
    Return the attempts with the given ids, by id, in one query per 1,000 ids (a page of an admin list
    that shows each row's attempt reads them all at once, not one query per row).

    Ids no attempt has are left out of the result.

    Raises:
        VerificationAttemptInvalidField: an id is not an integer.
    """
    wanted = sorted({_validate_attempt_id(attempt_id) for attempt_id in attempt_ids})
    found: dict[int, VerificationAttemptRecord] = {}
    for start in range(0, len(wanted), VERIFIED_USER_IDS_CHUNK_SIZE):
        chunk = wanted[start : start + VERIFIED_USER_IDS_CHUNK_SIZE]
        found.update(
            (attempt.pk, _to_record(attempt)) for attempt in VerificationAttempt.objects.filter(pk__in=chunk)
        )
    return found


def get_verification_attempt_by_external_id(provider: str, external_id: str) -> VerificationAttemptRecord:
    """
    Return the attempt ``provider`` knows by ``external_id`` (e.g. a Persona inquiry id).

    Raises:
        VerificationAttemptInvalidField: ``external_id`` is blank (blank means "no reference").
        VerificationAttemptNotFound: the provider has no attempt with this external id.
    """
    provider = _validate_text("provider", provider, PROVIDER_MAX_LENGTH, identifier=True)
    external_id = _validate_text("external_id", external_id, EXTERNAL_ID_MAX_LENGTH, identifier=True)
    if not external_id:
        raise VerificationAttemptInvalidField(
            "external_id must not be blank: blank means the attempt has none."
        )
    record = read_sql.attempt_by_external_id(provider, external_id)
    if record is None:
        raise VerificationAttemptNotFound(provider=provider, external_id=external_id)
    return record


def get_verification_attempt_by_platform_id(platform_attempt_id: int) -> VerificationAttemptRecord:
    """
    Return the attempt that the LMS's ``verify_student.VerificationAttempt`` row ``platform_attempt_id``
    mirrors.

    Raises:
        VerificationAttemptInvalidField: ``platform_attempt_id`` is not an integer.
        VerificationAttemptNotFound: no attempt of ours is mirrored by that row.
    """
    if isinstance(platform_attempt_id, bool) or not isinstance(platform_attempt_id, int):
        raise VerificationAttemptInvalidField(
            f"platform_attempt_id must be an integer, not {type(platform_attempt_id).__name__}."
        )
    try:
        return _to_record(VerificationAttempt.objects.get(platform_attempt_id=platform_attempt_id))
    except VerificationAttempt.DoesNotExist:
        raise VerificationAttemptNotFound(platform_attempt_id=platform_attempt_id) from None


def get_verification_attempt_from_event(idv_attempt: VerificationAttemptData) -> VerificationAttemptRecord:
    """
    Return the attempt an ``IDV_ATTEMPT_*`` event sent by idv_core is about.

    For receivers of our events (a provider's review queue...): the event's ``attempt_id`` is the platform
    row's id for an attempt mirrored into the LMS, and our own id otherwise. The mirrored attempt wins
    when a number is both.

    Raises:
        VerificationAttemptNotFound: no attempt of ours is named by the event (for example the platform's
            own ``IDV_ATTEMPT_*`` events, or an attempt deleted with its user since).
    """
    attempt_id = _validate_attempt_id(idv_attempt.attempt_id)
    # At most two rows: the one mirrored by that platform row, and an unmirrored one with that id.
    candidates = read_sql.attempts_named_by_event(attempt_id)
    attempts = sorted(candidates, key=lambda attempt: attempt.platform_attempt_id is None)
    if not attempts:
        raise VerificationAttemptNotFound(attempt_id=attempt_id)
    return attempts[0]


def get_verification_attempts(user: UserOrId) -> list[VerificationAttemptRecord]:
    """Return all of ``user``'s attempts (a user or a user id), newest first, hidden ones included."""
    return [
        _to_record(attempt)
        for attempt in VerificationAttempt.objects.filter(user_id=_user_id(user)).order_by("-pk")
    ]


def iter_provider_verification_attempts(
    provider: str,
    statuses: Iterable[VerificationAttemptStatus | str] | VerificationAttemptStatus | str,
    *,
    changed_before: datetime | None = None,
) -> Iterator[VerificationAttemptRecord]:
    """
    Yield ``provider``'s attempts in any of ``statuses``, the longest unchanged first.

    For a provider's own work across users, such as reconciling the attempts whose vendor callbacks were
    lost: ``iter_provider_verification_attempts("persona", ["created", "pending"],
    changed_before=now - timedelta(hours=1))``. It reads the (provider, status, modified) index one page of
    :data:`PROVIDER_ATTEMPTS_CHUNK_SIZE` rows per query (keyset pagination on ``modified`` and ``id``), so
    a caller may stop early or walk many rows in bounded memory. An attempt that changes during the walk
    moves past ``changed_before`` and is not yielded again.

    Args:
        provider: The provider id (the attempts' ``provider``).
        statuses: One status or several.
        changed_before: Only attempts whose last change (``modified``) is older than this aware datetime;
            None for every one.

    Raises:
        VerificationAttemptInvalidStatus: a status is not valid.
        VerificationAttemptInvalidField: ``provider`` or ``changed_before`` is malformed.
    """
    provider = _validate_text("provider", provider, PROVIDER_MAX_LENGTH, identifier=True)
    if isinstance(statuses, str):  # one status (a StrEnum member is a str too)
        statuses = [statuses]
    wanted = sorted({_validate_status(status).value for status in statuses})
    if changed_before is not None and (
        not isinstance(changed_before, datetime) or timezone.is_naive(changed_before)
    ):
        raise VerificationAttemptInvalidField("changed_before must be a timezone-aware datetime or None.")
    attempts = VerificationAttempt.objects.filter(provider=provider, status__in=wanted).order_by(
        "modified", "pk"
    )
    if changed_before is not None:
        attempts = attempts.filter(modified__lt=changed_before)
    page = attempts
    while True:
        rows = list(page[:PROVIDER_ATTEMPTS_CHUNK_SIZE])
        yield from (_to_record(attempt) for attempt in rows)
        if len(rows) < PROVIDER_ATTEMPTS_CHUNK_SIZE:
            return
        last = rows[-1]
        page = attempts.filter(Q(modified__gt=last.modified) | Q(modified=last.modified, pk__gt=last.pk))


def is_user_verified(user: UserOrId) -> bool:
    """
    Return whether ``user`` (a user or a user id) has an approved attempt that has not expired.

    Inside the LMS (``IDV_INCLUDE_PLATFORM_VERIFICATIONS``), a user with no such attempt of ours is also
    verified when the platform's ``IDVerificationService.user_is_verified`` says so (a photo, SSO or manual
    verification of the platform). One query when our table answers yes.
    """
    user_id = _user_id(user)
    # Within a request, an answer already given about this user (idv_core.read_cache).
    status = read_cache.get(_STATUS, user_id)
    if status is not read_cache.MISSING:
        return status.is_verified
    verified = read_cache.get(_VERIFIED, user_id)
    if verified is read_cache.MISSING:
        verified = read_sql.user_has_current_approval(user_id, timezone.now())
        if not verified:
            service = platform_reads.get_service()
            verified = service is not None and platform_reads.user_is_verified(service, user)
        read_cache.remember(_VERIFIED, user_id, verified)
    return verified


def get_verified_user_ids(user_ids: Iterable[UserOrId]) -> set[int]:
    """
    Return which of ``user_ids`` have an approved, unexpired attempt.

    Asks the database about at most :data:`VERIFIED_USER_IDS_CHUNK_SIZE` ids per query, so the number of
    queries grows with the number of ids / 1,000, never with one query per user. Inside the LMS
    (``IDV_INCLUDE_PLATFORM_VERIFICATIONS``), the ids our table does not count are asked of the platform's
    ``IDVerificationService.get_verified_user_ids``, in chunks of the same size.
    """
    unique_ids = _unique_user_ids(user_ids)
    now = timezone.now()
    verified: set[int] = set()
    for start in range(0, len(unique_ids), VERIFIED_USER_IDS_CHUNK_SIZE):
        verified |= read_sql.verified_user_ids_among(
            unique_ids[start : start + VERIFIED_USER_IDS_CHUNK_SIZE], now
        )
    service = platform_reads.get_service()
    if service is None:
        return verified
    rest = [user_id for user_id in unique_ids if user_id not in verified]
    for start in range(0, len(rest), VERIFIED_USER_IDS_CHUNK_SIZE):
        chunk = rest[start : start + VERIFIED_USER_IDS_CHUNK_SIZE]
        # Users with a mirrored approval that no longer counts for us (it expired): the platform's bulk
        # read, which ignores expiration dates, may count it (platform_reads.verified_user_ids checks them).
        mirrored = read_sql.mirrored_approved_user_ids_among(chunk)
        verified |= platform_reads.verified_user_ids(service, chunk, mirrored)
    return verified


def _unique_user_ids(user_ids: Iterable[UserOrId]) -> list[int]:
    values = list(user_ids)
    # The common case, plain ids, checked in one pass at C speed; anything else one by one (the errors).
    try:
        unique = set(values)
    except TypeError:
        unique = None
    if unique is None or set(map(type, unique)) != {int}:
        unique = {_user_id(value) for value in values}
    return sorted(unique)


def get_user_verification_status(user: UserOrId) -> UserVerificationStatus:
    """
    Sum up ``user``'s verification (a user or a user id) over all their attempts, in one query.

    * An approved attempt that has not expired wins over any newer attempt: ``approved``. With several,
      the one that lasts longest (no expiration lasts forever) is reported.
    * Otherwise the newest attempt not hidden from the user decides: its status, or ``expired`` when it
      is an approval whose expiration has passed.
    * With no such attempt: ``none``.

    Attempts with ``hide_status_from_user`` never decide what the learner is shown, except that a hidden
    approval still verifies the user (``is_user_verified`` counts it too).

    Inside the LMS (``IDV_INCLUDE_PLATFORM_VERIFICATIONS``), a user with no current approval of ours whom
    the platform counts as verified is ``approved`` until the platform's expiration, with ``attempt_id``
    None (the verification is not one of our attempts).
    """
    user_id = _user_id(user)
    cached = read_cache.get(_STATUS, user_id)
    if cached is not read_cache.MISSING:
        return cached
    status = _verification_status(user, user_id)
    read_cache.remember(_STATUS, user_id, status)
    return status


# The kinds of answers idv_core.read_cache remembers within a request.
_STATUS: Final = "status"
_VERIFIED: Final = "verified"


def _verification_status(user: UserOrId, user_id: int) -> UserVerificationStatus:
    status = _own_verification_status(user_id)
    if status.is_verified:
        return status
    service = platform_reads.get_service()
    if service is None:
        return status
    verified, expiration = platform_reads.current_approval(service, user)
    if not verified:
        return status
    return UserVerificationStatus(
        status=UserVerificationState.APPROVED,
        is_verified=True,
        expiration_datetime=expiration,
        attempt_id=None,
    )


# What the newest visible attempt's status reads as, when the user has no current approval.
_SHOWN_STATE: Final = {
    **{
        status.value: UserVerificationState(status.value)
        for status in VerificationAttemptStatus
        if status.value != "approved"
    },
    VerificationAttemptStatus.APPROVED.value: UserVerificationState.EXPIRED,
}
_NO_STATUS: Final = UserVerificationStatus(
    status=UserVerificationState.NONE, is_verified=False, expiration_datetime=None, attempt_id=None
)


def _own_verification_status(user_id: int) -> UserVerificationStatus:
    approved = VerificationAttemptStatus.APPROVED.value
    now: datetime | None = None  # read once, when an approval with an expiration needs it
    best_approval: tuple[int, datetime | None] | None = None
    newest_visible: tuple[int, str, datetime | None] | None = None
    for attempt_id, status, expiration, hidden in read_sql.user_attempt_rows(user_id):
        if status == approved and expiration is not None and now is None:
            now = timezone.now()
        if status == approved and (expiration is None or expiration > now):
            lasts_longer = (
                best_approval is not None
                and best_approval[1] is not None
                and (expiration is None or expiration > best_approval[1])
            )
            if best_approval is None or lasts_longer:
                best_approval = (attempt_id, expiration)
        if newest_visible is None and not hidden:
            newest_visible = (attempt_id, status, expiration)

    if best_approval is not None:
        return UserVerificationStatus(
            status=UserVerificationState.APPROVED,
            is_verified=True,
            expiration_datetime=best_approval[1],
            attempt_id=best_approval[0],
        )
    if newest_visible is None:
        return _NO_STATUS
    attempt_id, status, expiration = newest_visible
    return UserVerificationStatus(
        status=_SHOWN_STATE[status], is_verified=False, expiration_datetime=expiration, attempt_id=attempt_id
    )


def get_verify_url(user: AbstractBaseUser | None = None) -> str:
    """
    Return the URL of the page where a learner verifies their identity.

    Starts from ``IDV_VERIFY_URL`` and runs the openedx-filters hook ``IDVPageURLRequested`` over it; the
    step idv_core installs answers with the default provider's start URL, and an operator's own steps
    may replace it. A step that fails, or returns no URL, leaves the default.

    Args:
        user: The learner asking, when the caller has one. The filter's pipeline receives only the URL
            (that is the filter's public signature), so the answer is the same for every user.
    """
    default_url = idv_setting("IDV_VERIFY_URL")
    try:
        url = IDVPageURLRequested.run_filter(url=default_url)
    except OpenEdxFilterException:
        log.exception("An IDVPageURLRequested pipeline step failed; using %s.", default_url)
        return default_url
    return url or default_url
