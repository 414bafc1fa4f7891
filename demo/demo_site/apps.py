"""
The demo_site app: the host's pages and templates, and the plugin signal receivers the LMS would connect.
"""

from __future__ import annotations

import logging
from importlib import import_module

from django.apps import AppConfig
from django.utils.module_loading import import_string
from edx_django_utils.plugins import PluginSignals, get_plugin_app_configs
from edx_django_utils.plugins.constants import PLUGIN_APP_CLASS_ATTRIBUTE_NAME

log = logging.getLogger(__name__)

PROJECT_TYPE = "lms.djangoapp"


def connect_available_plugin_receivers(project_type: str) -> int:
    """
    Connect the receivers that plugin apps declare in their ``signals_config``, where this host can.

    The LMS calls edx-django-utils' ``connect_plugin_receivers``, which fails on the first signal or sender
    that cannot be imported. Plugin apps name signals and senders of edx-platform and edx-proctoring (for
    example edx-name-affirmation's ``lms.djangoapps.verify_student.models.VerificationAttempt``), which this
    small host does not have: each such receiver is skipped with one log line, the others are connected
    exactly as edx-django-utils would connect them. Returns how many receivers were connected.
    """
    connected = 0
    for app_config in get_plugin_app_configs(project_type):
        plugin_app = getattr(app_config, PLUGIN_APP_CLASS_ATTRIBUTE_NAME, None) or {}
        signals_config = plugin_app.get(PluginSignals.CONFIG, {}).get(project_type)
        if not signals_config:
            continue
        relative_path = signals_config.get(PluginSignals.RELATIVE_PATH, PluginSignals.DEFAULT_RELATIVE_PATH)
        # The plugin's own module must import: a failure there is the plugin's bug, not a missing host part.
        module = import_module(f"{app_config.name}.{relative_path}")
        for receiver_config in signals_config.get(PluginSignals.RECEIVERS, []):
            receiver = getattr(module, receiver_config[PluginSignals.RECEIVER_FUNC_NAME])
            signal_path = receiver_config[PluginSignals.SIGNAL_PATH]
            sender_path = receiver_config.get(PluginSignals.SENDER_PATH)
            try:
                missing = signal_path
                signal = import_string(signal_path)
                missing = sender_path
                sender = import_string(sender_path) if sender_path else None
            except ImportError as error:
                log.debug(
                    "Plugin receiver %s.%s not connected: this host has no %s (%s).",
                    module.__name__,
                    receiver.__name__,
                    missing,
                    error,
                )
                continue
            dispatch_uid = receiver_config.get(PluginSignals.DISPATCH_UID)
            signal.connect(
                receiver,
                sender=sender,
                dispatch_uid=dispatch_uid or f"{receiver.__module__}.{receiver.__name__}",
            )
            connected += 1
    return connected


class DemoSiteConfig(AppConfig):
    """The demo host: home and login pages, the ``idv_core/base.html`` override, ``idv_demo_setup``."""

    name = "demo_site"
    verbose_name = "openedx-idv demo host"

    def ready(self) -> None:
        """Connect the plugin apps' signal receivers whose signals and senders exist in this host."""
        connect_available_plugin_receivers(PROJECT_TYPE)
