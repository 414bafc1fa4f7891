"""
The one place where a Persona inquiry status becomes a verification attempt status, and where it is
applied: the webhook and the sync command both call :func:`apply_inquiry_status`.

Rules, in order, under a lock on the inquiry's row:

1. an event already processed (same Persona event id) changes nothing (``duplicate``);
2. a status Persona reported before the newest one applied to this inquiry changes nothing (``stale``);
3. an inquiry status with no attempt status of its own (``created``) changes nothing (``unchanged``);
4. a change the core's transition rules refuse (``approved`` -> ``pending``, anything after ``denied``)
   changes nothing (``stale``): statuses never move backwards;
5. otherwise the attempt is updated (``applied``); an approval carries the name Persona verified and an
   expiration ``IDV_PERSONA["DAYS_GOOD_FOR"]`` days later, except for an inquiry of a retired learner
   (its redaction requested): a late approval then brings no name back.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Final

from django.db import transaction
from django.utils import timezone

from idv_core import api, rows
from idv_core.exceptions import (
    VerificationAttemptInvalidName,
    VerificationAttemptInvalidTransition,
    VerificationAttemptStatusChanged,
)
from idv_core.statuses import VerificationAttemptStatus, can_transition
from idv_persona.models import PersonaInquiry, PersonaWebhookEvent
from idv_persona.redaction import is_redaction_requested, user_inquiry_ids

if TYPE_CHECKING:
    from idv_persona.client import Inquiry
    from idv_persona.provider import PersonaProvider

log = logging.getLogger(__name__)

#: Persona inquiry status -> attempt status. None: nothing to change.
INQUIRY_STATUS_TO_ATTEMPT_STATUS: Final[dict[str, VerificationAttemptStatus | None]] = {
    "created": None,
    "pending": VerificationAttemptStatus.PENDING,
    "completed": VerificationAttemptStatus.PENDING,
    "needs_review": VerificationAttemptStatus.PENDING,
    "approved": VerificationAttemptStatus.APPROVED,
    "declined": VerificationAttemptStatus.DENIED,
    "failed": VerificationAttemptStatus.DENIED,
    "expired": VerificationAttemptStatus.DENIED,
}

#: Attempt status -> the statuses an attempt may move to it from (the core's transition rules).
FROM_STATUSES: Final[dict[VerificationAttemptStatus, tuple[VerificationAttemptStatus, ...]]] = {
    target: tuple(
        status for status in VerificationAttemptStatus if status != target and can_transition(status, target)
    )
    for target in VerificationAttemptStatus
}

#: Webhook event name -> the inquiry status it reports. Other events are acknowledged and ignored.
EVENT_INQUIRY_STATUS: Final[dict[str, str]] = {
    "inquiry.created": "created",
    "inquiry.started": "pending",
    "inquiry.completed": "completed",
    "inquiry.marked-for-review": "needs_review",
    "inquiry.approved": "approved",
    "inquiry.declined": "declined",
    "inquiry.failed": "failed",
    "inquiry.expired": "expired",
}

#: Inquiry statuses after which Persona changes nothing more on its own (the sync command skips them).
FINAL_INQUIRY_STATUSES: Final = frozenset({"approved", "declined", "failed", "expired"})

NAME_MAX_LENGTH: Final = 255


class Outcome(StrEnum):
    """What applying an inquiry status did."""

    APPLIED = "applied"
    UNCHANGED = "unchanged"
    STALE = "stale"
    DUPLICATE = "duplicate"


@dataclass(frozen=True, slots=True)
class InquiryUpdate:
    """
    One report of an inquiry's status, from a webhook event or from the sync command.

    ``reported_at`` is when Persona reported it (the event's created-at; for a sync, when the inquiry was
    fetched); None when unknown (then only the transition rules order it). ``verified_name`` is PII.
    """

    inquiry_id: str
    status: str
    reported_at: datetime | None
    verified_name: str = ""
    event_id: str = ""
    event_name: str = ""

    @classmethod
    def fetched(cls, inquiry: Inquiry, *, asked_at: datetime, source: str) -> InquiryUpdate:
        """
        The report an inquiry fetched from Persona's API makes (the sync command, a refused resume).

        ``asked_at`` is when the inquiry was asked for, not answered: an event Persona created while the
        request was in flight may be missing from the answer, and must not count as stale.
        """
        return cls(
            inquiry_id=inquiry.id,
            status=inquiry.status,
            reported_at=asked_at,
            verified_name=inquiry.verified_name,
            event_name=source,
        )


def persona_provider() -> PersonaProvider:
    """The Persona provider (the registry's instance), for code outside its views (the sync command)."""
    from idv_persona.provider import PersonaProvider  # the provider's module imports this one

    return PersonaProvider.get_instance()


def persona_config() -> dict[str, Any]:
    """``IDV_PERSONA`` with its defaults under the operator's keys (``PersonaProvider.config``)."""
    from idv_persona.provider import PersonaProvider

    return PersonaProvider.config()


def clean_name(name: str) -> str:
    """
    A name without control or surrogate characters, its white space collapsed.

    Never cut: a name longer than the core's 255 characters is refused by the core with a message, rather
    than verified as a name the document does not carry.
    """
    kept = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cs"})
    return " ".join(kept.split())


def link_inquiry(inquiry_id: str, attempt_id: int, *, status: str = "") -> PersonaInquiry:
    """Record that ``inquiry_id`` verifies attempt ``attempt_id`` (idempotent), and return the row."""
    PersonaInquiry.objects.bulk_create(
        [PersonaInquiry(inquiry_id=inquiry_id, attempt_id=attempt_id, status=status)], ignore_conflicts=True
    )
    return PersonaInquiry.objects.get(inquiry_id=inquiry_id)


def apply_inquiry_status(attempt_id: int, update: InquiryUpdate) -> Outcome:
    """
    Apply one report of an inquiry's status to its attempt, following the rules of this module.

    Signals are sent by the core after the surrounding transaction commits. Never raises for a transition
    the core refuses or a name it refuses; lets other errors (a database failure) propagate.
    """
    outcome = _apply_to_linked_inquiry(update)
    return _link_and_apply(attempt_id, update) if outcome is None else outcome


def apply_webhook_update(provider_id: str, update: InquiryUpdate) -> Outcome:
    """
    Apply a webhook's report to the attempt its inquiry verifies, as :func:`apply_inquiry_status`.

    The inquiry's own row says which attempt that is (the start view linked it); for an inquiry not linked
    yet, the attempt ``provider_id`` knows by the inquiry's id, linked then.

    Raises:
        VerificationAttemptNotFound: no attempt is known by the inquiry's id (or the linked one is gone).
        VerificationAttemptInvalidField: the inquiry id is not one the core could store.
    """
    outcome = _apply_to_linked_inquiry(update)
    if outcome is not None:
        return outcome
    attempt = api.get_verification_attempt_by_external_id(provider_id, update.inquiry_id)
    return _link_and_apply(attempt.id, update)


def _link_and_apply(attempt_id: int, update: InquiryUpdate) -> Outcome:
    # The inquiry's row is made (committed) outside the locking transaction, then locked: on MySQL/MariaDB,
    # concurrent inserts of one key inside it take shared locks and then deadlock on the row lock. Usually
    # the start view linked it already and this is not needed.
    link_inquiry(update.inquiry_id, attempt_id)
    outcome = _apply_to_linked_inquiry(update, linked=True)
    assert outcome is not None  # noqa: S101 -- linked=True raises rather than answer None
    return outcome


def _apply_to_linked_inquiry(update: InquiryUpdate, *, linked: bool = False) -> Outcome | None:
    """
    Apply ``update`` under the inquiry's row lock; None when no row links the inquiry yet (unless ``linked``:
    then it must exist).
    """
    with transaction.atomic():
        # The row lock serialises every report about one inquiry (two deliveries at once, webhook and
        # sync), so that the ordering check below compares against what was really applied last.
        # One statement built once (idv_core.rows), not a queryset per webhook: this path is the webhook's.
        inquiry = rows.get_row(PersonaInquiry, for_update=True, inquiry_id=update.inquiry_id)
        if inquiry is None:
            if linked:
                raise PersonaInquiry.DoesNotExist(f"Persona inquiry {update.inquiry_id} is not linked.")
            return None
        # Under the lock every delivery of this inquiry's events comes one after the other, so an event
        # already recorded is seen here (Persona's event ids are unique across inquiries; were one reused,
        # the INSERT below fails the request and Persona retries it).
        if update.event_id and rows.row_exists(PersonaWebhookEvent, event_id=update.event_id):
            log.info("Persona event %s was already processed; ignored.", update.event_id)
            return Outcome.DUPLICATE
        outcome = _apply_locked(inquiry, update)
        if update.event_id:
            rows.insert_row(
                PersonaWebhookEvent(
                    event_id=update.event_id,
                    inquiry_id=update.inquiry_id,
                    name=update.event_name[:64],
                    event_created_at=update.reported_at,
                    outcome=outcome.value,
                )
            )
    log.info(
        "Persona inquiry %s (attempt %s): %s %r -> %s.",
        update.inquiry_id,
        inquiry.attempt_id,
        update.event_name or "sync",
        update.status,
        outcome,
    )
    return outcome


def _apply_locked(inquiry: PersonaInquiry, update: InquiryUpdate) -> Outcome:
    last = inquiry.last_event_at
    if update.reported_at is not None and last is not None and update.reported_at < last:
        return Outcome.STALE
    target = INQUIRY_STATUS_TO_ATTEMPT_STATUS.get(update.status)
    if target is None:
        # "created" (or a status Persona added later) says nothing new: keep the status we know, unless
        # we know none yet.
        if not inquiry.status:
            _remember(inquiry, update)
        return Outcome.UNCHANGED
    changes: dict[str, Any] = {"status": target}
    if target == VerificationAttemptStatus.APPROVED:
        # manage.py check refuses a DAYS_GOOD_FOR past idv_core's last date (persona.E006); were it set
        # anyway, the approval never expires rather than failing every approving webhook.
        changes["expiration_datetime"] = api.expiration_after_days(
            timezone.now(), persona_config()["DAYS_GOOD_FOR"]
        )
        name = clean_name(update.verified_name)
        if name and not is_redaction_requested(inquiry.inquiry_id):
            changes["name"] = name
    reason = f"Persona {update.event_name or 'sync'}: {update.status}"[:100]
    # The core checks the attempt's status under its row lock: only a status that may move to the target
    # (and is not already it) is changed; the attempt is not read beforehand.
    changes["expected_status"] = FROM_STATUSES[target]
    try:
        try:
            api.update_verification_attempt(inquiry.attempt_id, **changes, reason=reason)
        except VerificationAttemptInvalidName as refused:
            # Keep the name the attempt has rather than lose the decision. The core's message says what is
            # wrong (blank, too long) without quoting the name, which is never logged.
            log.warning(
                "Persona inquiry %s: verified name refused (%s); kept the attempt's.",
                inquiry.inquiry_id,
                refused,
            )
            changes.pop("name", None)
            api.update_verification_attempt(inquiry.attempt_id, **changes, reason=reason)
    except VerificationAttemptStatusChanged as changed:
        if changed.current != target:
            # Statuses never move backwards (approved -> pending, anything after denied).
            return Outcome.STALE
        # Another report of the attempt's own status (completed after started) is kept.
        _remember(inquiry, update)
        return Outcome.UNCHANGED
    except VerificationAttemptInvalidTransition:
        return Outcome.STALE
    _remember(inquiry, update)
    return Outcome.APPLIED


def _remember(inquiry: PersonaInquiry, update: InquiryUpdate) -> None:
    inquiry.status = update.status[:32]
    if update.reported_at is not None and (
        inquiry.last_event_at is None or update.reported_at > inquiry.last_event_at
    ):
        inquiry.last_event_at = update.reported_at
    rows.update_row(inquiry, ["status", "last_event_at", "modified"])


def retire_user_webhook_events(user_id: int, provider_id: str) -> int:
    """
    Delete the webhook event records of ``user_id``'s inquiries (the attempts of provider ``provider_id``:
    retirement); return how many.

    They hold Persona's event and inquiry ids, names of events and times, no name. The inquiry rows stay:
    they link an attempt to its inquiry, which the core's attempt keeps too (its external id), and they
    keep a late webhook from applying an older status.
    """
    inquiry_ids = user_inquiry_ids(user_id, provider_id)
    deleted, _by_model = PersonaWebhookEvent.objects.filter(inquiry_id__in=inquiry_ids).delete()
    return deleted
