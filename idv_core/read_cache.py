"""
One request's memory of the read path's answers, in edx-django-utils' ``RequestCache``.

While Django serves a request (between its ``request_started`` and ``request_finished`` signals, in the
thread serving it), ``idv_core.api.is_user_verified`` and ``get_user_verification_status`` remember each
user's answer, so asking again about the same user in the same request costs no query. Outside a request
(Celery tasks, management commands, shells) nothing is remembered: a long-running process must not keep
an answer that changed.

A write about a user in the same request (any save or delete of one of their attempts, which every
``idv_core.api`` write makes, or the names' retirement; inside the LMS also a save of one of the
platform's verification rows) forgets what was remembered about them, and their answers are read afresh
for the rest of the request (a write inside a transaction that is later rolled back must not leave an
answer behind). There is no cache across requests: another process's write is seen by the next request.
"""

from __future__ import annotations

import threading
from typing import Any, Final

from django.apps import apps
from django.core.signals import request_finished, request_started
from django.db.models.signals import post_delete, post_save
from edx_django_utils.cache import RequestCache

from idv_core.platform_mirror import PLATFORM_APP_LABEL, PLATFORM_APP_NAME

#: The RequestCache namespace of the read path.
NAMESPACE: Final = "idv_core.reads"

_WRITTEN: Final = "written"
#: Not found in the cache (a remembered answer may be False or a status).
MISSING: Final = object()

# The platform's verification models that its IDVerificationService reads (LMS mode).
_PLATFORM_MODELS: Final = (
    "VerificationAttempt",
    "SoftwareSecurePhotoVerification",
    "SSOVerification",
    "ManualVerification",
)


class _Serving(threading.local):
    """Whether this thread is serving a request now."""

    def __init__(self) -> None:
        self.active = False


_serving = _Serving()


def _cache() -> RequestCache:
    return RequestCache(NAMESPACE)


def _request_started(**_kwargs: Any) -> None:
    _cache().clear()
    _serving.active = True


def _request_finished(**_kwargs: Any) -> None:
    _serving.active = False
    _cache().clear()


def get(kind: str, user_id: int) -> Any:
    """The answer of kind ``kind`` remembered for ``user_id`` in this request, else :data:`MISSING`."""
    if not _serving.active:
        return MISSING
    response = _cache().get_cached_response(f"{kind}:{user_id}")
    return response.value if response.is_found else MISSING


def remember(kind: str, user_id: int, value: Any) -> None:
    """Remember ``value`` for the rest of the request (unless the user was written in it)."""
    if not _serving.active:
        return
    cache = _cache()
    written = cache.get_cached_response(_WRITTEN)
    if written.is_found and user_id in written.value:
        return
    cache.set(f"{kind}:{user_id}", value)


def forget(user_id: int) -> None:
    """Forget the answers about ``user_id``, and remember none for the rest of the request."""
    if not _serving.active:
        return
    cache = _cache()
    written = cache.get_cached_response(_WRITTEN)
    if written.is_found:
        written.value.add(user_id)
    else:
        cache.set(_WRITTEN, {user_id})
    for key in [key for key in cache.data if key.endswith(f":{user_id}")]:
        cache.delete(key)


def _attempt_written(instance: Any, **_kwargs: Any) -> None:
    forget(instance.user_id)


def connect_receivers() -> None:
    """Scope the cache to requests and forget a user's answers on their writes (from AppConfig.ready)."""
    request_started.connect(_request_started, dispatch_uid="idv_core.read_cache.request_started")
    request_finished.connect(_request_finished, dispatch_uid="idv_core.read_cache.request_finished")
    models = [apps.get_model("idv_core", "VerificationAttempt")]
    if apps.is_installed(PLATFORM_APP_NAME):
        platform_models = {
            model.__name__: model for model in apps.get_app_config(PLATFORM_APP_LABEL).get_models()
        }
        models += [platform_models[name] for name in _PLATFORM_MODELS if name in platform_models]
    for model in models:
        uid = f"idv_core.read_cache.{model._meta.label}"
        post_save.connect(_attempt_written, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(_attempt_written, sender=model, dispatch_uid=f"{uid}.delete")
