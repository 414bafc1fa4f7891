"""The fixtures of the test kit (loaded by ``pytest_plugins = ["idv_core.testing"]``)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from openedx_events.learning.signals import (
    IDV_ATTEMPT_APPROVED,
    IDV_ATTEMPT_CREATED,
    IDV_ATTEMPT_DENIED,
    IDV_ATTEMPT_PENDING,
)

from idv_core.providers import IDVProvider, clear_provider_cache, get_installed_providers

IDV_SIGNALS = (IDV_ATTEMPT_CREATED, IDV_ATTEMPT_PENDING, IDV_ATTEMPT_APPROVED, IDV_ATTEMPT_DENIED)
_numbers = itertools.count(1)


@dataclass
class IDVEventRecorder:
    """The IDV signals received, in order: (event type, ``VerificationAttemptData``, ``EventsMetadata``)."""

    events: list[tuple[str, Any, Any]] = field(default_factory=list)

    def receiver(self, signal: Any, **kwargs: Any) -> None:
        """Record one signal (connected to the four IDV signals)."""
        self.events.append((signal.event_type, kwargs["idv_attempt"], kwargs["metadata"]))

    @property
    def types(self) -> list[str]:
        """The statuses the events announced, in order: ``["created", "approved"]``."""
        return [event_type.split(".")[-2] for event_type, _data, _metadata in self.events]

    @property
    def payloads(self) -> list[Any]:
        """The ``VerificationAttemptData`` of each event, in order."""
        return [data for _event_type, data, _metadata in self.events]


@contextlib.contextmanager
def serving_a_request() -> Iterator[None]:
    """
    Within the block, this thread serves a request as Django's handlers mark one: ``request_started`` on
    entering, ``request_finished`` on leaving (what idv_core's request cache follows), without closing the
    caller's database connection as a real request's end would.
    """
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    def send(signal: Any) -> None:
        signal.disconnect(close_old_connections)
        try:
            signal.send(sender=None)
        finally:
            signal.connect(close_old_connections)

    send(request_started)
    try:
        yield
    finally:
        send(request_finished)


@pytest.fixture
def idv_learner(db: Any) -> Any:
    """A saved learner with a full name (``Ada Lovelace<n>``), a username and an e-mail."""
    number = next(_numbers)
    return get_user_model().objects.create(
        username=f"idv-learner-{number}",
        email=f"idv-learner-{number}@example.org",
        first_name="Ada",
        last_name=f"Lovelace{number}",
    )


@contextlib.contextmanager
def record_idv_events() -> Iterator[IDVEventRecorder]:
    """Record the IDV signals sent inside the ``with`` block (they are sent after commit: see idv_events)."""
    recorder = IDVEventRecorder()
    uid = f"idv-testing-{id(recorder)}"
    for signal in IDV_SIGNALS:
        signal.connect(recorder.receiver, dispatch_uid=f"{uid}-{signal.event_type}")
    try:
        yield recorder
    finally:
        for signal in IDV_SIGNALS:
            signal.disconnect(dispatch_uid=f"{uid}-{signal.event_type}")


@pytest.fixture
def idv_events(transactional_db: Any) -> Iterator[IDVEventRecorder]:
    """
    Record the IDV signals sent during the test.

    idv_core sends them after the transaction commits, as in production, so this fixture makes the test
    transactional (real commits): a signal is in ``events`` as soon as the write that caused it returned.
    In a test that keeps the default test transaction, use :func:`record_idv_events` with pytest-django's
    ``django_capture_on_commit_callbacks(execute=True)`` instead.
    """
    with record_idv_events() as recorder:
        yield recorder


@pytest.fixture
def idv_fresh_registry() -> Iterator[None]:
    """The provider registry loaded afresh for the test (its settings decide what is enabled) and after it."""
    clear_provider_cache()
    yield
    clear_provider_cache()


@pytest.fixture
def idv_enable_provider(settings: Any) -> Callable[..., IDVProvider]:
    """
    Return ``enable(provider_id, *, default=True)``: enable that provider alone for the test (and make it
    the default one); it returns the provider.
    """

    def enable(provider_id: str, *, default: bool = True) -> IDVProvider:
        installed = get_installed_providers()
        if provider_id not in installed:
            raise LookupError(
                f"No installed provider has the id {provider_id!r} (installed: "
                f"{', '.join(installed) or 'none'}): is the distribution pip-installed with its "
                "openedx.idv_provider entry point?"
            )
        settings.IDV_ENABLED_PROVIDERS = [provider_id]
        if default:
            settings.IDV_DEFAULT_PROVIDER = provider_id
        return installed[provider_id]

    return enable
