"""Fixtures shared by the whole test suite: users, and a recorder of the IDV openedx-events signals."""

from __future__ import annotations

import itertools
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from openedx_events.learning.signals import (
    IDV_ATTEMPT_APPROVED,
    IDV_ATTEMPT_CREATED,
    IDV_ATTEMPT_DENIED,
    IDV_ATTEMPT_PENDING,
)

from idv_core.providers import clear_provider_cache

# The test kit openedx-idv ships for provider authors: our own providers' tests use it too.
pytest_plugins = ["idv_core.testing"]


@pytest.fixture(scope="session", autouse=True)
def database_server_is_reachable():
    """On a database server (make test-integration), stop with a clear message when it is not up."""
    database = settings.DATABASES["default"]
    if "sqlite" in database["ENGINE"]:
        return
    address = (database["HOST"], int(database["PORT"]))
    try:
        socket.create_connection(address, timeout=3).close()
    except OSError as error:
        pytest.exit(
            f"MariaDB is not reachable at {address[0]}:{address[1]} ({error}). Start it with "
            "`start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd` "
            "(see shared/design/services.md) and run `make test-integration` again.",
            returncode=4,
        )


@pytest.fixture
def fresh_provider_registry():
    """The provider registry loaded afresh for the test (its settings decide what is enabled) and after it."""
    clear_provider_cache()
    yield
    clear_provider_cache()


IDV_SIGNALS = (IDV_ATTEMPT_CREATED, IDV_ATTEMPT_PENDING, IDV_ATTEMPT_APPROVED, IDV_ATTEMPT_DENIED)
_usernames = itertools.count(1)


@pytest.fixture
def make_user(db):
    """Return a factory of saved users; keyword arguments override the defaults."""

    def factory(**overrides: Any):
        number = next(_usernames)
        values = {
            "username": f"learner{number}",
            "email": f"learner{number}@example.org",
            "first_name": "Ada",
            "last_name": f"Lovelace{number}",
        }
        values.update(overrides)
        return get_user_model().objects.create(**values)

    return factory


@pytest.fixture
def user(make_user):
    """A learner."""
    return make_user()


@pytest.fixture
def staff_user(make_user):
    """A staff user (is_staff, not a superuser)."""
    return make_user(is_staff=True)


@dataclass
class SignalRecorder:
    """What the IDV signals delivered, in order: (event type, VerificationAttemptData, metadata)."""

    events: list[tuple[str, Any, Any]] = field(default_factory=list)

    def receiver(self, signal, **kwargs: Any) -> None:
        self.events.append((signal.event_type, kwargs["idv_attempt"], kwargs["metadata"]))

    @property
    def types(self) -> list[str]:
        """The event types received, in order, shortened to the status (e.g. "approved")."""
        return [event_type.split(".")[-2] for event_type, _data, _metadata in self.events]

    @property
    def payloads(self) -> list[Any]:
        return [data for _event_type, data, _metadata in self.events]


@pytest.fixture
def signals():
    """Record every IDV signal sent during the test."""
    recorder = SignalRecorder()
    for signal in IDV_SIGNALS:
        signal.connect(recorder.receiver, dispatch_uid=f"test-recorder-{signal.event_type}")
    yield recorder
    for signal in IDV_SIGNALS:
        signal.disconnect(dispatch_uid=f"test-recorder-{signal.event_type}")


# LMS mode (``--ds=tests.settings_lms``): tests/lms tests the stand-in of the platform (tests/lms_platform).
_LMS_STANDIN_APP = "lms.djangoapps.verify_student"
_TESTS_DIR = Path(__file__).resolve().parent


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """
    Collect tests/lms only when the stand-in platform app is installed (LMS mode); never tests/lms_platform.

    Only reads ``settings.INSTALLED_APPS``: under the default settings nothing imports ``lms``.
    """
    path = collection_path.resolve()
    if path == _TESTS_DIR / "lms_platform" or (_TESTS_DIR / "lms_platform") in path.parents:
        return True
    if path == _TESTS_DIR / "lms" or (_TESTS_DIR / "lms") in path.parents:
        return None if _LMS_STANDIN_APP in settings.INSTALLED_APPS else True
    return None
