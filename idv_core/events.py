"""
Status change -> openedx-events signal: the one map, and sending after the transaction commits.

Each status an attempt enters sends exactly one signal, carrying a ``VerificationAttemptData`` built at
the moment of the change (so each signal announces the status it is named for), and only once the
surrounding transaction has committed: a rolled-back change sends nothing.

The event's metadata (its CloudEvents id and time) is made at the change too. When the event type is routed
to the event bus (``IDV_EVENT_BUS_PRODUCER_CONFIG``), the event is also written to the transactional outbox
(``idv_core.outbox``) in the same transaction, with that same metadata: the bus message and the in-process
signal carry the same id.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from openedx_events.data import EventsMetadata
from openedx_events.learning.data import UserData, UserPersonalData, VerificationAttemptData
from openedx_events.learning.signals import (
    IDV_ATTEMPT_APPROVED,
    IDV_ATTEMPT_CREATED,
    IDV_ATTEMPT_DENIED,
    IDV_ATTEMPT_PENDING,
)
from openedx_events.tooling import OpenEdxPublicSignal

from idv_core import outbox, read_sql
from idv_core.models import VerificationAttempt
from idv_core.statuses import VerificationAttemptStatus

log = logging.getLogger(__name__)

STATUS_SIGNALS: dict[VerificationAttemptStatus, OpenEdxPublicSignal] = {
    VerificationAttemptStatus.CREATED: IDV_ATTEMPT_CREATED,
    VerificationAttemptStatus.PENDING: IDV_ATTEMPT_PENDING,
    VerificationAttemptStatus.APPROVED: IDV_ATTEMPT_APPROVED,
    VerificationAttemptStatus.DENIED: IDV_ATTEMPT_DENIED,
}


def _user_full_name(user: Any) -> str:
    # The LMS keeps the learner's full name on the profile; other hosts on the user model.
    profile = getattr(user, "profile", None)
    profile_name = getattr(profile, "name", "")
    if profile_name:
        return profile_name
    get_full_name = getattr(user, "get_full_name", None)
    return get_full_name() if callable(get_full_name) else ""


def build_event_data(attempt: VerificationAttempt, user: Any, status: str) -> VerificationAttemptData:
    """
    Return the ``VerificationAttemptData`` announcing that ``attempt`` (of ``user``) entered ``status``.

    Its ``attempt_id`` is the id of the platform row mirroring the attempt inside the LMS (the platform's
    convention: every ``IDV_ATTEMPT_*`` event names a ``verify_student.VerificationAttempt`` row, and
    edx-name-affirmation files and deletes verified names by that id), else the attempt's own id.
    """
    return VerificationAttemptData(
        attempt_id=attempt.platform_attempt_id if attempt.platform_attempt_id is not None else attempt.pk,
        user=UserData(
            id=user.pk,
            is_active=user.is_active,
            pii=UserPersonalData(
                username=user.get_username(),
                email=getattr(user, "email", "") or "",
                name=_user_full_name(user),
            ),
        ),
        status=str(status),
        name=attempt.name,
        expiration_date=attempt.expiration_datetime,
    )


def number_status_events(attempt: VerificationAttempt, count: int) -> None:
    """
    Number the ``count`` status events a change of ``attempt`` is about to send (before it is saved).

    The caller holds the attempt's row lock (or is creating the row) and saves ``event_sequence`` in the
    transaction of the change, so the numbers follow the commit order of the attempt's changes.
    """
    attempt.event_sequence += count


def send_status_events_on_commit(
    attempt: VerificationAttempt, user: Any, statuses: Sequence[VerificationAttemptStatus]
) -> None:
    """
    Send one signal per status in ``statuses`` (in order) once the current transaction commits.

    The payloads and metadata are built now, from the attempt as just saved; outside a transaction they go
    at once. Events routed to the bus are written to the outbox now, in the caller's transaction (callers
    that write the outbox open one: see ``idv_core.api``). The statuses are the last ``len(statuses)``
    events :func:`number_status_events` numbered: after the commit they are sent only if no later event of
    the attempt was sent first (:func:`send_in_order`).
    """
    last = attempt.event_sequence
    first = last - len(statuses) + 1
    events = []
    for status in statuses:
        signal = STATUS_SIGNALS[status]
        events.append(
            (
                signal,
                build_event_data(attempt, user, status),
                signal.generate_signal_metadata(time=attempt.modified),
            )
        )
    outbox.add_to_outbox(
        [(signal, {"idv_attempt": data}, metadata) for signal, data, metadata in events],
        attempt_id=attempt.pk,
        user_id=user.pk,
        first_sequence=first,
    )
    transaction.on_commit(functools.partial(send_in_order, attempt.pk, first, last, events), robust=True)


def send_in_order(
    attempt_pk: int,
    first: int,
    last: int,
    events: list[tuple[OpenEdxPublicSignal, VerificationAttemptData, EventsMetadata]],
) -> bool:
    """
    After the commit: send the events numbered ``first`` to ``last``, unless a later event went out first.

    Two changes of one attempt commit in the order of their numbers (the row lock), but their after-commit
    callbacks may run in either order (threads, processes). So the callback takes the attempt's row lock
    and moves ``events_sent_sequence`` forward; the signals are sent while that lock is held, so no other
    callback of the attempt sends in between. An event that arrives after a later one was sent is stale: it
    is dropped, and the receivers only ever see newer statuses
    (docs/decisions/0006-events-in-commit-order.rst). Returns whether the events were sent.
    """
    with transaction.atomic():
        # One statement: on MySQL/MariaDB the UPDATE locks the row until this transaction ends.
        newest = read_sql.advance_events_sent(attempt_pk, first, last)
        if not newest and VerificationAttempt.objects.filter(pk=attempt_pk).exists():
            log.info(
                "Not sending status event(s) %s-%s of verification attempt %s: a later one was sent first.",
                first,
                last,
                attempt_pk,
            )
            return False
        # (An attempt deleted since its change has nothing to order against: its events still go out.)
        _send(events)
    return True


def _send(events: list[tuple[OpenEdxPublicSignal, VerificationAttemptData, EventsMetadata]]) -> None:
    for signal, data, metadata in events:
        try:
            # The metadata made at the change (the outbox row has the same id), sent the way send_event
            # sends: send_robust, a receiver that raises does not stop the others (openedx-events logs it),
            # and not marked as coming from the bus, so EVENT_BUS_PRODUCER_CONFIG still applies.
            # send_event() would make new metadata; send_event_with_custom_metadata() marks the event as
            # received from the bus. tests/core/test_events.py pins this private method's behaviour.
            signal._send_event_with_metadata(metadata=metadata, send_robust=True, idv_attempt=data)
        except Exception:
            # The change is committed: one signal's failure must not stop the next signal of the change.
            # Only reached when openedx-events re-raises (settings.DEBUG, or allow_send_event_failure()).
            log.exception(
                "Sending %s for verification attempt %s failed.", signal.event_type, data.attempt_id
            )
