"""
Inside the LMS: what the platform already knows about a learner's verification, asked through its own
``IDVerificationService`` (``IDV_INCLUDE_PLATFORM_VERIFICATIONS``).

A learner verified the old way (a photo verification, an SSO or manual verification of the platform, a
generic attempt not written by openedx-idv) must not be asked to verify again. ``idv_core.api``'s read
functions come here only when our own table has no current approval, so a learner we verified costs one
query, as outside the LMS. Outside the LMS (the platform app not installed) nothing here runs or imports.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone
from django.utils.module_loading import import_string

from idv_core.conf import idv_setting
from idv_core.platform_mirror import PLATFORM_APP_NAME

#: The platform's read service (lms/djangoapps/verify_student/services.py).
SERVICE_PATH: Final = f"{PLATFORM_APP_NAME}.services.IDVerificationService"


@functools.cache
def _import_service() -> Any:
    return import_string(SERVICE_PATH)


@functools.cache
def _platform_installed() -> bool:
    # Asked on every read that our table answers "no": the app registry only changes with INSTALLED_APPS.
    return apps.is_installed(PLATFORM_APP_NAME)


@receiver(setting_changed)
def _forget_platform_installed(*, setting: str, **kwargs: Any) -> None:
    if setting == "INSTALLED_APPS":
        _platform_installed.cache_clear()


def get_service() -> Any | None:
    """Return the platform's ``IDVerificationService`` when it is to be asked, else None."""
    if not idv_setting("IDV_INCLUDE_PLATFORM_VERIFICATIONS") or not _platform_installed():
        return None
    return _import_service()


def _as_user(user: AbstractBaseUser | int) -> AbstractBaseUser | None:
    # The platform's service takes user objects; our read functions also take ids.
    if isinstance(user, int):
        return get_user_model()._default_manager.filter(pk=user).first()
    return user


def user_is_verified(service: Any, user: AbstractBaseUser | int) -> bool:
    """Return ``IDVerificationService.user_is_verified`` for ``user`` (False for an unknown user id)."""
    user_object = _as_user(user)
    return user_object is not None and bool(service.user_is_verified(user_object))


def current_approval(service: Any, user: AbstractBaseUser | int) -> tuple[bool, datetime | None]:
    """
    Return whether the platform counts ``user`` as verified, and until when.

    The same answer as ``IDVerificationService.user_is_verified`` (the expiration of the platform's most
    recent approval, counted while it has not passed), asked once for both.
    """
    user_object = _as_user(user)
    if user_object is None:
        return False, None
    expiration = service.get_expiration_datetime(user_object, ["approved"])
    if expiration and expiration >= timezone.now():
        return True, expiration
    return False, None


def verified_user_ids(service: Any, user_ids: Iterable[int], mirrored_user_ids: set[int]) -> set[int]:
    """
    Return which of ``user_ids`` the platform counts as verified (its ``get_verified_user_ids``).

    The platform's bulk read ignores expiration dates (an approval counts for ``DAYS_GOOD_FOR`` days after
    it was created). It also reads the rows openedx-idv mirrors there, so for users in
    ``mirrored_user_ids`` (they have a mirrored approval that no longer counts for us: it expired) its
    answer may be only our own expired approval: those are asked one by one with ``user_is_verified``,
    which does read the expiration.
    """
    ids = list(user_ids)
    if not ids:
        return set()
    found = {int(user_id) for user_id in service.get_verified_user_ids(ids)}
    ambiguous = found & mirrored_user_ids
    if ambiguous:
        users = get_user_model()._default_manager.filter(pk__in=sorted(ambiguous))
        found -= {user.pk for user in users if not service.user_is_verified(user)}
    return found
