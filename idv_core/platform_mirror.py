"""
Inside the LMS: keep the platform's own ``verify_student.VerificationAttempt`` table in step with ours.

The LMS decides "is this learner ID-verified?" only through its ``IDVerificationService``, which reads the
platform's tables, never ours. So, when the platform app is installed (``IDV_PLATFORM_MIRROR``), every
attempt idv_core writes is mirrored into one platform row, in the same database transaction, through the
platform's model (not its API: the platform's API would send IDV events of its own). The link is our
attempt's ``platform_attempt_id``; the events idv_core sends carry that id, as the platform's convention
and edx-name-affirmation expect.

Lock order: a write locks our attempt row first (``select_for_update``), then the platform row.

Outside the LMS nothing here imports ``lms.*``: the platform model is looked up in Django's app registry.
See docs/lms.rst.
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver

from idv_core.conf import idv_setting
from idv_core.statuses import VerificationAttemptStatus

if TYPE_CHECKING:
    from idv_core.models import VerificationAttempt

log = logging.getLogger(__name__)

#: The platform's app (``lms/djangoapps/verify_student``): its module path and its label.
PLATFORM_APP_NAME: Final = "lms.djangoapps.verify_student"
PLATFORM_APP_LABEL: Final = "verify_student"
PLATFORM_MODEL_NAME: Final = "VerificationAttempt"
#: The fields of the platform's generic model that the mirror writes or reads (Sumac and later).
PLATFORM_FIELDS: Final = (
    "id",
    "user",
    "name",
    "status",
    "status_changed",
    "expiration_datetime",
    "hide_status_from_user",
    "created_at",
    "updated_at",
)
#: The expiration a never-expiring approval gets in the platform's table: the platform reads an approval
#: without an expiration as *not* verified (``IDVerificationService.user_is_verified``). 9999-01-01 leaves
#: room for the date arithmetic the platform does on expirations ("expiring soon" windows).
PLATFORM_NEVER_EXPIRES: Final = datetime(9999, 1, 1, tzinfo=UTC)
#: The fields our attempt and its platform row share (the same names on both models).
MIRRORED_FIELDS: Final = ("user_id", "name", "status", "expiration_datetime", "hide_status_from_user")

MIRROR_CHOICES: Final = ("auto", True, False)


class PlatformModelUnavailable(ImproperlyConfigured):
    """``IDV_PLATFORM_MIRROR`` is True but the platform's model is missing or lacks a field."""


@functools.cache
def find_platform_model() -> tuple[type[models.Model] | None, str]:
    """
    Return the platform's generic ``VerificationAttempt`` model, or None and why it cannot be used.

    Looked up in Django's app registry (never imported), once per process.
    """
    try:
        app_config = apps.get_app_config(PLATFORM_APP_LABEL)
    except LookupError:
        return None, f"the app {PLATFORM_APP_NAME} is not installed"
    if app_config.name != PLATFORM_APP_NAME:
        return None, f"the app labelled {PLATFORM_APP_LABEL!r} is {app_config.name}, not {PLATFORM_APP_NAME}"
    try:
        model = app_config.get_model(PLATFORM_MODEL_NAME)
    except LookupError:
        return None, f"{PLATFORM_APP_NAME} has no {PLATFORM_MODEL_NAME} model (a release before Sumac)"
    missing = []
    for field in PLATFORM_FIELDS:
        try:
            model._meta.get_field(field)
        except FieldDoesNotExist:
            missing.append(field)
    if missing:
        return None, f"{PLATFORM_APP_NAME}.{PLATFORM_MODEL_NAME} lacks the field(s) {', '.join(missing)}"
    return model, ""


@receiver(setting_changed)
def _forget_platform_model(*, setting: str, **kwargs: Any) -> None:
    if setting == "INSTALLED_APPS":
        find_platform_model.cache_clear()


def get_mirror_model() -> type[models.Model] | None:
    """
    Return the platform model to mirror into, or None when the mirror is off.

    Raises:
        PlatformModelUnavailable: ``IDV_PLATFORM_MIRROR`` is True and the model cannot be used.
        ImproperlyConfigured: ``IDV_PLATFORM_MIRROR`` is not "auto", True or False.
    """
    value = idv_setting("IDV_PLATFORM_MIRROR")
    if value is False:
        return None
    if value != "auto" and value is not True:
        raise ImproperlyConfigured(f'IDV_PLATFORM_MIRROR must be "auto", True or False, not {value!r}.')
    model, problem = find_platform_model()
    if model is None and value is True:
        raise PlatformModelUnavailable(f"IDV_PLATFORM_MIRROR is True but {problem}.")
    return model


def platform_values(attempt: VerificationAttempt) -> dict[str, Any]:
    """Return what the platform row mirroring ``attempt`` holds, by the platform's field names."""
    expiration = attempt.expiration_datetime
    if attempt.status == VerificationAttemptStatus.APPROVED and expiration is None:
        expiration = PLATFORM_NEVER_EXPIRES
    return {
        "user_id": attempt.user_id,
        "name": attempt.name,
        "status": attempt.status,
        "expiration_datetime": expiration,
        "hide_status_from_user": attempt.hide_status_from_user,
    }


def differences(row: models.Model, attempt: VerificationAttempt) -> list[str]:
    """Return the names of the mirrored fields on which the platform ``row`` disagrees with ``attempt``."""
    wanted = platform_values(attempt)
    return [field for field in MIRRORED_FIELDS if getattr(row, field) != wanted[field]]


def create_platform_row(model: type[models.Model], attempt: VerificationAttempt) -> int:
    """Write the platform row mirroring ``attempt`` (in the caller's transaction); return its id."""
    row = model(**platform_values(attempt))
    row.save()
    return row.pk


def mirror_attempt(model: type[models.Model], attempt: VerificationAttempt) -> int:
    """
    Bring the platform row of ``attempt`` (our row, locked by the caller) in step with it; return its id.

    Creates the row when the attempt has none yet (written before the mirror was on) or when the platform
    deleted it (its admin); otherwise locks it and saves it only when a mirrored field differs. The caller
    stores the returned id in ``attempt.platform_attempt_id``.
    """
    if attempt.platform_attempt_id is not None:
        row = model._default_manager.select_for_update().filter(pk=attempt.platform_attempt_id).first()
        if row is not None:
            changed = differences(row, attempt)
            if changed:
                for field, value in platform_values(attempt).items():
                    setattr(row, field, value)
                # A whole save(), as the platform's own code saves: its MonitorField (status_changed) and
                # auto_now (updated_at) are kept by the model itself.
                row.save()
            return row.pk
        log.warning(
            "The platform row %s mirroring verification attempt %s was deleted outside idv_core; "
            "writing a new one.",
            attempt.platform_attempt_id,
            attempt.pk,
        )
    return create_platform_row(model, attempt)
