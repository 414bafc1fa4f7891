"""The one accessor for idv_core's settings (defaults live in ``idv_core.settings.common``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

from django.conf import settings

from idv_core.settings.common import DEFAULTS

#: Expirations are from :data:`EXPIRATION_FLOOR` and before :data:`EXPIRATION_LIMIT`: MySQL's ``DATETIME``
#: range, a day short of its end, so that every stored expiration also converts to any time zone (UTC-12
#: to UTC+14) without leaving what ``datetime`` can hold.
EXPIRATION_FLOOR: Final = datetime(1000, 1, 1, tzinfo=UTC)
EXPIRATION_LIMIT: Final = datetime(9999, 12, 31, tzinfo=UTC)


def idv_setting(name: str) -> Any:
    """Return the host's value of the ``IDV_*`` setting ``name``, or its documented default."""
    return getattr(settings, name, DEFAULTS[name])


def expiration_after_days(now: datetime, days: int) -> datetime | None:
    """
    Return ``now`` plus ``days`` days, or None when that is not before :data:`EXPIRATION_LIMIT`.

    The default expiration of an approval is ``expiration_after_days(now, IDV_DAYS_GOOD_FOR)``; the system
    checks refuse a number of days for which it is None.
    """
    try:
        expiration = now + timedelta(days=days)
    except OverflowError:  # more days than timedelta holds, or a date after datetime.max
        return None
    return expiration if expiration < EXPIRATION_LIMIT else None
