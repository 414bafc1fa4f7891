"""Fixtures shared by the whole test suite: users, and a recorder of the IDV openedx-events signals."""

from __future__ import annotations

import itertools
import socket
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from idv_core.providers import clear_provider_cache
from idv_core.testing import record_idv_events

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


@pytest.fixture
def signals():
    """Record every IDV signal sent during the test (the kit's recorder, in the test's own transaction)."""
    with record_idv_events() as recorder:
        yield recorder


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


@pytest.fixture
def serving_a_request():
    """idv_core.testing.serving_a_request: a context manager inside which this thread serves a request."""
    from idv_core.testing import serving_a_request

    return serving_a_request
