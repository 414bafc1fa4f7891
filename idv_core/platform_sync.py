"""
Backfill and drift of the platform mirror (``manage.py idv_platform_sync``).

Attempts written before the mirror was on (or on a site that installed openedx-idv before the LMS's generic
model existed) have no platform row: the sync writes one, with the attempt's own creation and change times,
and sends no event. Platform rows edited in the platform's admin, deleted, or disagreeing with ours on a
mirrored field are drift: reported, and rewritten from ours with ``fix``.

The walk reads our attempts in id order, :data:`CHUNK_SIZE` per query, and the platform rows of a chunk in
one more. Outside a dry run each chunk is one transaction that locks our rows before the platform's, the
lock order of every mirrored write, so a sync can run beside a live site.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from django.db import models, transaction

from idv_core import platform_mirror
from idv_core.models import VerificationAttempt

#: How many of our attempts one query (and one transaction) covers.
CHUNK_SIZE: Final = 500
#: The kind of drift of a platform row that no longer exists.
DELETED: Final = "deleted"


@dataclass
class SyncReport:
    """What a sync found and did (or, in a dry run, would do)."""

    checked: int = 0
    in_sync: int = 0
    created: int = 0
    drifted: int = 0
    fixed: int = 0
    retired: int = 0
    #: Drift by kind: ``deleted`` or the mirrored field that differs (one row may count for several).
    drift: Counter[str] = field(default_factory=Counter)

    @property
    def changed_anything(self) -> bool:
        """Whether the sync wrote (or would write) any platform row."""
        return bool(self.created or self.fixed)


def _backfill_row(model: type[models.Model], attempt: VerificationAttempt) -> int:
    """Write the platform row of an attempt made before the mirror, dated as the attempt is."""
    platform_id = platform_mirror.create_platform_row(model, attempt)
    # auto_now_add / auto_now / MonitorField set "now" on save(): give the row the attempt's own dates, so
    # that the platform (which takes the approval with the latest updated_at) reads history as it was.
    model._default_manager.filter(pk=platform_id).update(
        created_at=attempt.created, updated_at=attempt.modified, status_changed=attempt.modified
    )
    return platform_id


def sync_platform_rows(
    model: type[models.Model],
    *,
    fix: bool = False,
    dry_run: bool = False,
    on_chunk: Callable[[int], None] | None = None,
) -> SyncReport:
    """
    Create the missing platform rows of our attempts, report drift, and with ``fix`` rewrite it from ours.

    Attempts whose names were erased by retirement are skipped (the platform deleted its rows of that
    user; writing them again would bring back what retirement removed). ``on_chunk`` is told how many
    attempts each chunk held (for a progress bar). A dry run reads only.
    """
    report = SyncReport()
    last_id = 0
    while True:
        with contextlib.nullcontext() if dry_run else transaction.atomic():
            attempts = VerificationAttempt.objects.filter(pk__gt=last_id).order_by("pk")
            if not dry_run:
                attempts = attempts.select_for_update()
            chunk = list(attempts[:CHUNK_SIZE])
            if not chunk:
                return report
            linked_ids = [a.platform_attempt_id for a in chunk if a.platform_attempt_id is not None]
            rows = model._default_manager.in_bulk(linked_ids)
            for attempt in chunk:
                _sync_one(model, attempt, rows.get(attempt.platform_attempt_id), report, fix, dry_run)
        last_id = chunk[-1].pk
        if on_chunk is not None:
            on_chunk(len(chunk))


def _sync_one(
    model: type[models.Model],
    attempt: VerificationAttempt,
    row: models.Model | None,
    report: SyncReport,
    fix: bool,
    dry_run: bool,
) -> None:
    report.checked += 1
    if attempt.name == "":
        # The API never writes a blank name: only retirement does.
        report.retired += 1
        return
    if attempt.platform_attempt_id is None:
        report.created += 1
        if not dry_run:
            _link(attempt, _backfill_row(model, attempt))
        return
    kinds = [DELETED] if row is None else platform_mirror.differences(row, attempt)
    if not kinds:
        report.in_sync += 1
        return
    report.drifted += 1
    report.drift.update(kinds)
    if not fix:
        return
    report.fixed += 1
    if dry_run:
        return
    if row is None:
        _link(attempt, _backfill_row(model, attempt))
        return
    for name, value in platform_mirror.platform_values(attempt).items():
        setattr(row, name, value)
    row.save()


def _link(attempt: VerificationAttempt, platform_attempt_id: int) -> None:
    # A queryset update: linking changes nothing the attempt says, so it adds no history row.
    VerificationAttempt.objects.filter(pk=attempt.pk).update(platform_attempt_id=platform_attempt_id)
    attempt.platform_attempt_id = platform_attempt_id
