"""
One learner's attempts, read a page at a time: for the learner's status page and the REST API's list.

``api.get_verification_attempts`` returns every attempt at once, and a learner may have thousands (each
start and each decline adds one). :class:`UserAttempts` is a lazy sequence that Django's ``Paginator`` and
DRF's pagination slice: a page costs one ``COUNT`` and one ``LIMIT``/``OFFSET`` query on the attempts'
``user_id`` index, newest first, whatever the number of attempts.
"""

from __future__ import annotations

from django.db.models import QuerySet

from idv_core import api
from idv_core.data import VerificationAttemptRecord
from idv_core.models import VerificationAttempt

#: Attempts per page of the learner's ``/idv/status`` page (``?page=2`` for the next ones).
STATUS_PAGE_SIZE = 20


class UserAttempts:
    """
    A user's attempts, newest first (hidden ones left out when ``visible_only``), as records.

    Supports ``len()`` (one ``COUNT``, cached) and slicing (one query per slice); nothing is read before.
    """

    def __init__(self, user_id: int, *, visible_only: bool = False) -> None:
        self.user_id = user_id
        self.visible_only = visible_only
        self._count: int | None = None

    def _queryset(self) -> QuerySet[VerificationAttempt]:
        attempts = VerificationAttempt.objects.filter(user_id=self.user_id)
        if self.visible_only:
            attempts = attempts.filter(hide_status_from_user=False)
        return attempts.order_by("-pk")

    def __len__(self) -> int:
        if self._count is None:
            self._count = self._queryset().count()
        return self._count

    def __getitem__(self, index: slice) -> list[VerificationAttemptRecord]:
        if not isinstance(index, slice):
            raise TypeError("UserAttempts is read by slices (a page), not one item at a time.")
        # The record conversion is the API's own, so a page holds exactly what the API would return.
        return [api._to_record(attempt) for attempt in self._queryset()[index]]
