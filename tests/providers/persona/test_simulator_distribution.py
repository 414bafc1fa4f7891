"""The Persona simulator is a development tool of its own distribution: nothing installs it in a site."""

from __future__ import annotations

import importlib.metadata

from edx_django_utils.plugins import get_plugin_apps

SIMULATOR = "openedx-idv-persona-simulator"


def test_the_simulator_is_neither_a_plugin_app_nor_a_provider():
    assert "idv_persona_simulator.apps.PersonaSimulatorConfig" not in get_plugin_apps("lms.djangoapp")
    assert not importlib.metadata.distribution(SIMULATOR).entry_points


def test_the_persona_provider_does_not_need_the_simulator():
    requirements = importlib.metadata.requires("openedx-idv-persona") or []
    assert not [requirement for requirement in requirements if "simulator" in requirement]
