"""
Identity-verification providers: the base class a provider implements, and the registry that finds them.

A provider is a class registered under the entry point group ``openedx.idv_provider``; the entry point's
name is the provider's id, and every attempt the provider writes carries that id. For example, in the
provider distribution's ``setup.cfg``::

    [options.entry_points]
    openedx.idv_provider =
        manual = idv_manual.provider:ManualProvider

The registry loads every installed provider once per process with stevedore. A provider that fails to
load is logged and reported (``manage.py check``, ``manage.py idv_providers``) and never stops the others
from loading. Settings choose which installed providers are enabled (``IDV_ENABLED_PROVIDERS``) and which
one is the default (``IDV_DEFAULT_PROVIDER``). Callers use the functions of this module, never stevedore.
"""

from __future__ import annotations

import copy
import functools
import importlib.metadata
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

from django.conf import settings as django_settings
from django.core.checks import CheckMessage
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from stevedore import ExtensionManager

from idv_core.conf import idv_setting
from idv_core.data import HealthFigure

log = logging.getLogger(__name__)

#: The entry point group providers register under.
ENTRY_POINT_GROUP = "openedx.idv_provider"


class IDVProvider:
    """
    Base class of an identity-verification provider.

    Subclass it, set :attr:`name` (and :attr:`description`), implement :meth:`get_start_url`, and register
    the class under the ``openedx.idv_provider`` entry point group. The registry instantiates it once per
    process with its id (the entry point's name); keep ``__init__`` cheap and free of I/O.

    A provider records its results only through ``idv_core.api`` (``create_verification_attempt`` with
    ``provider=self.id``, then ``update_verification_attempt``). Its views, models and admin usually live
    in its own Django app, installed in the LMS as an edx-django-utils plugin app.
    """

    #: Human-readable name shown to learners and staff, e.g. "Persona".
    name: ClassVar[str] = ""
    #: One or two sentences for learners on the "Verify my identity" page.
    description: ClassVar[str] = ""
    #: The Django app (its name in INSTALLED_APPS) holding the provider's models, admin or templates, if it
    #: has any; ``manage.py check`` reports an enabled provider whose app is not installed (idv_core.E005).
    #: A provider whose views are all in :attr:`urlpatterns` needs no app of its own.
    django_app: ClassVar[str | None] = None
    #: The provider's URL patterns. The core mounts them under ``/idv/<provider id>`` (names
    #: ``idv:<provider id>:<name>``; see :meth:`reverse`), answers 404 on them while the operator has the
    #: provider disabled (decided per request: a settings change needs no URL reload; a view marked with
    #: :func:`open_while_disabled` stays open), and hands every view the provider as
    #: ``request.idv_provider``.
    urlpatterns: ClassVar[list[Any]] = []
    #: The provider's Django settings and their defaults: ``{"IDV_EXAMPLE_API_KEY": ""}``. Read them
    #: with :meth:`setting`; ``manage.py idv_providers`` lists them and whether the operator set them.
    settings_defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, provider_id: str) -> None:
        self.id = provider_id

    @classmethod
    def get_instance(cls) -> IDVProvider:
        """
        Return the registry's instance of this provider class (for code outside its views: commands,
        receivers, admin actions), so that the provider's id keeps one source, its entry point.

        Raises:
            LookupError: no installed provider is of this class (the distribution is not installed).
        """
        for provider in get_installed_providers().values():
            if type(provider) is cls:
                return provider
        raise LookupError(
            f"{cls.__qualname__} is not an installed provider (entry point group {ENTRY_POINT_GROUP})."
        )

    def get_start_url(self) -> str:
        """
        Return the URL (path or absolute) where a learner starts verifying with this provider.

        Called on every request for the verification page, so it must not do I/O. The default is the
        provider's URL named ``start`` in :attr:`urlpatterns`.
        """
        if self.urlpatterns:
            return self.reverse("start")
        raise NotImplementedError(
            f"{type(self).__name__} must implement get_start_url() or name a URL 'start' in urlpatterns."
        )

    def reverse(self, name: str, *args: Any, **kwargs: Any) -> str:
        """Return the path of this provider's URL ``name`` (one of :attr:`urlpatterns`)."""
        return reverse(f"idv:{self.id}:{name}", args=args or None, kwargs=kwargs or None)

    @classmethod
    def setting(cls, name: str) -> Any:
        """
        Return the operator's Django setting ``name``, else its default in :attr:`settings_defaults`.

        A class method, so that code outside the provider's views (a pipeline step, an app's ``ready()``)
        reads it as ``MyProvider.setting(...)`` without the registry; ``self.setting(...)`` works too.

        Raises:
            KeyError: ``name`` is not one of :attr:`settings_defaults` (a typo would otherwise read None).
        """
        if name not in cls.settings_defaults:
            raise KeyError(
                f"{name!r} is not a setting of {cls.__name__}; its settings are "
                f"{', '.join(sorted(cls.settings_defaults)) or 'none'}."
            )
        # A copy of the default: a provider's mutable default (a dict) must not change under it.
        return getattr(django_settings, name, copy.deepcopy(cls.settings_defaults[name]))

    def create_attempt(self, user: Any, name: str, status: str, **kwargs: Any) -> int:
        """``idv_core.api.create_verification_attempt`` with ``provider`` set to this provider's id."""
        from idv_core import api  # the api imports this module

        return api.create_verification_attempt(user, name, status, provider=self.id, **kwargs)

    def open_attempt(self, user: Any, name: str, status: str = "created", **kwargs: Any) -> tuple[Any, bool]:
        """
        ``idv_core.api.get_or_create_open_attempt`` for this provider: the learner's open attempt with it,
        created if there is none, one per learner however many starts race (a double click, many tabs).

        Returns (the attempt's ``VerificationAttemptRecord``, whether it was created now). Past
        ``IDV_START_RATE_LIMIT`` it raises ``VerificationStartRateLimited``, which the core turns into a
        429 page for the provider's views.
        """
        from idv_core import api

        return api.get_or_create_open_attempt(user, name, status, provider=self.id, **kwargs)

    def start_lock(self, user: Any) -> Any:
        """
        ``idv_core.api.start_lock`` for this provider: a context manager (a transaction) inside which the
        learner's start with this provider runs alone. Hold it while creating the vendor's inquiry and
        recording its id on the attempt, so that concurrent starts make one inquiry.
        """
        from idv_core import api

        return api.start_lock(user, provider=self.id)

    def update_attempt(self, attempt_id: int, **kwargs: Any) -> None:
        """
        ``idv_core.api.update_verification_attempt`` for one of this provider's attempts.

        Raises:
            VerificationAttemptInvalidField: the attempt belongs to another provider (or to none).
            VerificationAttemptNotFound: no attempt has this id.
        """
        from idv_core import api
        from idv_core.exceptions import VerificationAttemptInvalidField

        if api.get_verification_attempt(attempt_id).provider != self.id:
            raise VerificationAttemptInvalidField(
                f"Verification attempt {attempt_id} is not one of provider {self.id!r}'s attempts."
            )
        api.update_verification_attempt(attempt_id, **kwargs)

    def check(self) -> list[CheckMessage]:
        """
        Return Django system-check messages about this provider's configuration (missing settings...).

        ``manage.py check`` runs it for every enabled provider, ``manage.py idv_providers`` for every
        installed one. Use ids of the form ``<provider id>.E001`` / ``.W001``. The default finds nothing
        to report.
        """
        return []

    def retire_user(self, user_id: int) -> None:
        """
        Erase what this provider's own tables keep about ``user_id`` that identifies the learner (user
        retirement): verified names, identifiers at a vendor or an identity provider, free-text notes.

        Called by ``idv_core.api.retire_user_verification_names`` (which the LMS's retirement signal
        reaches) for every installed provider, enabled or not, inside its transaction, after the core
        erased the names of the attempts. The attempts themselves belong to the core: leave them. Raise to
        make the whole retirement fail and be retried. The default keeps nothing, so erases nothing.
        """

    def health(self, now: datetime) -> list[HealthFigure]:
        """
        Return the figures an operator should watch about this provider, as of ``now``.

        ``manage.py idv_providers``, the admin index page and the Celery task
        ``idv_core.tasks.report_idv_health`` show them and send them as monitoring custom attributes,
        named ``HealthFigure.name``: use ``idv.<provider id>.<what>``. Called for every installed
        provider, enabled or not, never on a learner's request; keep it to a few cheap, indexed queries,
        and compute ages and windows from ``now`` (tests pass a fixed time). The default reports nothing.
        """
        return []

    def is_enabled(self) -> bool:
        """Return whether the operator's settings currently enable this provider."""
        return is_provider_enabled(self.id)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={self.id!r}>"


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """
    What the registry found for one entry point: the provider, or why it could not be loaded.

    ``error`` is empty when the provider loaded; ``provider`` is None when it did not.
    """

    id: str
    distribution: str
    version: str
    provider: IDVProvider | None
    error: str = ""


def _distributions_by_entry_point() -> dict[tuple[str, str], importlib.metadata.Distribution]:
    """Map (entry point name, value) to the distribution that declares it (stevedore's cache drops it)."""
    return {
        (entry_point.name, entry_point.value): entry_point.dist
        for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
        if entry_point.dist is not None
    }


def _describe_error(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


@functools.cache
def _load_providers() -> dict[str, ProviderInfo]:
    """Load every installed provider once; isolate each failure. Keyed by provider id, sorted by id."""
    distributions = _distributions_by_entry_point()
    infos: dict[str, ProviderInfo] = {}

    def distribution_of(entry_point: importlib.metadata.EntryPoint) -> tuple[str, str]:
        dist = distributions.get((entry_point.name, entry_point.value))
        if dist is None:
            return ("unknown", "")
        return (dist.metadata["Name"], dist.version)

    def record_failure(
        _manager: Any, entry_point: importlib.metadata.EntryPoint, error: BaseException
    ) -> None:
        dist_name, version = distribution_of(entry_point)
        log.error(
            "IDV provider %r from %s %s could not be loaded; the other providers are unaffected. %s",
            entry_point.name,
            dist_name,
            version,
            _describe_error(error),
            exc_info=error,
        )
        infos[entry_point.name] = ProviderInfo(
            id=entry_point.name,
            distribution=dist_name,
            version=version,
            provider=None,
            error=_describe_error(error),
        )

    manager: ExtensionManager[type[IDVProvider]] = ExtensionManager(
        namespace=ENTRY_POINT_GROUP,
        invoke_on_load=False,
        on_load_failure_callback=record_failure,
    )
    for extension in manager.extensions:
        dist_name, version = distribution_of(extension.entry_point)
        if extension.name in infos:
            # Two distributions claim the same id: keep the first, report the second.
            other = infos[extension.name]
            error = (
                f"provider id {extension.name!r} is also registered by {other.distribution}; "
                f"this one ({extension.entry_point.value}) is ignored"
            )
            log.error("IDV provider %r from %s: %s", extension.name, dist_name, error)
            infos[f"{extension.name} ({dist_name})"] = ProviderInfo(
                id=extension.name, distribution=dist_name, version=version, provider=None, error=error
            )
            continue
        try:
            plugin = extension.plugin
            if not (isinstance(plugin, type) and issubclass(plugin, IDVProvider)):
                raise TypeError(
                    f"{extension.entry_point.value} is not a subclass of idv_core.providers.IDVProvider"
                )
            provider = plugin(extension.name)
        except Exception as error:  # noqa: BLE001 -- a broken provider must not take the others down
            record_failure(manager, extension.entry_point, error)
            continue
        infos[extension.name] = ProviderInfo(
            id=extension.name, distribution=dist_name, version=version, provider=provider
        )
    return dict(sorted(infos.items()))


def clear_provider_cache() -> None:
    """
    Forget the loaded providers so the next call loads them again.

    For tests and for tools that install a provider into a running process; the LMS never needs it.
    """
    _load_providers.cache_clear()
    ExtensionManager.ENTRY_POINT_CACHE.pop(ENTRY_POINT_GROUP, None)


def get_provider_infos() -> list[ProviderInfo]:
    """Return what the registry found for every installed entry point, loaded or not, sorted by id."""
    return list(_load_providers().values())


def get_installed_providers() -> dict[str, IDVProvider]:
    """Return every provider that loaded, by id, sorted by id (enabled or not)."""
    return {info.id: info.provider for info in _load_providers().values() if info.provider is not None}


def get_provider_load_errors() -> list[ProviderInfo]:
    """Return the entry points that could not be loaded, with their error."""
    return [info for info in _load_providers().values() if info.error]


def get_enabled_providers() -> list[IDVProvider]:
    """
    Return the enabled providers, in the order learners are offered them.

    ``IDV_ENABLED_PROVIDERS = None`` enables every installed provider (sorted by id); otherwise the listed
    ids, in that order, that are installed and loaded. Unknown ids are skipped (``manage.py check`` warns).
    """
    installed = get_installed_providers()
    enabled_ids = idv_setting("IDV_ENABLED_PROVIDERS")
    if enabled_ids is None:
        return list(installed.values())
    return [installed[provider_id] for provider_id in dict.fromkeys(enabled_ids) if provider_id in installed]


def is_provider_enabled(provider_id: str) -> bool:
    """Return whether the provider ``provider_id`` is installed, loaded and enabled."""
    return any(provider.id == provider_id for provider in get_enabled_providers())


def get_enabled_provider(provider_id: str) -> IDVProvider | None:
    """Return the enabled provider with id ``provider_id``, or None if it is not installed or not enabled."""
    for provider in get_enabled_providers():
        if provider.id == provider_id:
            return provider
    return None


def get_default_provider() -> IDVProvider | None:
    """
    Return the provider ``get_verify_url`` sends learners to.

    That is ``IDV_DEFAULT_PROVIDER`` when it is enabled, else the first enabled provider, else None.
    A configured default that is not enabled is reported by ``manage.py check`` (idv_core.E002).
    """
    enabled = get_enabled_providers()
    default_id = idv_setting("IDV_DEFAULT_PROVIDER")
    if default_id:
        for provider in enabled:
            if provider.id == default_id:
                return provider
    return enabled[0] if enabled else None


def learner_display_name(user: Any) -> str:
    """
    Return the name a learner is known by: the LMS profile's full name, else the user's full name, else
    the username. The name an attempt starts with before a vendor returns the verified one.
    """
    profile = getattr(user, "profile", None)
    candidates = (
        getattr(profile, "name", "") if profile is not None else "",
        user.get_full_name() if hasattr(user, "get_full_name") else "",
        user.get_username(),
    )
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return f"user {user.pk}"


#: The query parameters a verification keeps from the LMS's verify link to the learner's way back.
RETURN_PARAMETERS = ("course_id", "next")


def with_return_query(url: str, request: HttpRequest) -> str:
    """
    Return ``url`` with the ``course_id`` and ``next`` of ``request``'s query (``url`` when it has neither).

    A provider's start view receives them from the LMS's verify link (``get_verify_location(course_id)``
    through the filter step); it keeps them on the URL its flow ends on (its return page, its own start
    page, or ``idv:status``), where the status partial offers "Back to your course" once verified.
    ``url`` must have no query of its own.
    """
    kept = [(name, request.GET[name]) for name in RETURN_PARAMETERS if request.GET.get(name)]
    return f"{url}?{urlencode(kept)}" if kept else url


def enabled_provider_required(provider_id: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """
    Decorate a provider's view so that it answers 404 while the operator has the provider disabled.

    Use it on the learner-facing views of a provider (its start page above all): disabling a provider in
    ``IDV_ENABLED_PROVIDERS`` then removes it from the learner's page *and* closes its URLs.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not is_provider_enabled(provider_id):
                raise Http404(f"The identity-verification provider {provider_id!r} is not enabled.")
            return view(*args, **kwargs)

        return wrapped

    return decorator


def open_while_disabled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """
    Mark a view of a provider's :attr:`~IDVProvider.urlpatterns` as answering while the provider is disabled.

    For callbacks of work already under way (a vendor's webhook, the page a vendor sends the learner back
    to): disabling a provider stops new verifications, not the ones in flight.
    """
    view.idv_open_while_disabled = True  # type: ignore[attr-defined]
    return view
