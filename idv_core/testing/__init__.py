"""
The test kit openedx-idv ships for provider authors: a pytest plugin and a contract test mixin.

In a provider distribution's ``conftest.py``::

    pytest_plugins = ["idv_core.testing"]

and in its pytest configuration (``pytest.ini``, or ``[tool.pytest.ini_options]`` in ``pyproject.toml`` as
the generator writes it): ``DJANGO_SETTINGS_MODULE = idv_core.testing.settings`` (a host with
idv_core and every installed provider; extend it in a settings module of your own when the provider has a
Django app: ``from idv_core.testing.settings import *`` then add the app to ``INSTALLED_APPS``).

Fixtures: :func:`idv_learner`, :func:`idv_events` (the IDV signals your code caused, as receivers get them:
after the commit), :func:`idv_enable_provider`, :func:`idv_fresh_registry`. The mixin:
:class:`ProviderContractTests`, which a provider's test module subclasses to check the rules every provider
keeps. :func:`serving_a_request`: a block that counts as one request (idv_core's request cache).
:func:`celery_worker_command` and :func:`stop_process`: a Celery worker beside an integration test, and
stopping it. Needs pytest and pytest-django.
"""

import pytest

# The contract tests' plain asserts get pytest's detailed messages, however early this package is imported
# (Django imports it for idv_core.testing.settings before pytest loads it as a plugin).
pytest.register_assert_rewrite("idv_core.testing.contract", "idv_core.testing.fixtures")

from idv_core.testing.contract import ProviderContractTests  # noqa: E402
from idv_core.testing.fixtures import (  # noqa: E402
    IDVEventRecorder,
    idv_enable_provider,
    idv_events,
    idv_fresh_registry,
    idv_learner,
    record_idv_events,
    serving_a_request,
)
from idv_core.testing.processes import celery_worker_command, stop_process  # noqa: E402

__all__ = [
    "IDVEventRecorder",
    "ProviderContractTests",
    "celery_worker_command",
    "idv_enable_provider",
    "idv_events",
    "idv_fresh_registry",
    "idv_learner",
    "record_idv_events",
    "serving_a_request",
    "stop_process",
]
