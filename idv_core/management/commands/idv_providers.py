"""
``manage.py idv_providers``: every installed identity-verification provider, its distribution and version,
whether it is enabled and the default, load errors and configuration problems; then the health figures
(outbox backlog, relay heartbeat, each provider's own), which it also sends as monitoring custom attributes.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand

from idv_core import health, platform_mirror
from idv_core.conf import idv_setting
from idv_core.providers import IDVProvider, get_default_provider, get_enabled_providers, get_provider_infos


class Command(BaseCommand):
    """List the installed identity-verification providers and their state."""

    help = __doc__
    # A diagnostic: it must run (and show the problems) when a provider's check reports an error.
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        """Print one block per provider entry point, then the settings that chose them."""
        infos = get_provider_infos()
        enabled_ids = [provider.id for provider in get_enabled_providers()]
        default = get_default_provider()
        if not infos:
            self.stdout.write(
                "No identity-verification provider is installed (entry point group openedx.idv_provider)."
            )
        for info in infos:
            flags = []
            if info.id in enabled_ids and info.provider is not None:
                flags.append("enabled")
            else:
                flags.append("disabled")
            if default is not None and info.provider is default:
                flags.append("default")
            if info.error:
                flags = ["LOAD ERROR"]
            version = f" {info.version}" if info.version else ""
            self.stdout.write(f"{info.id}  [{', '.join(flags)}]  {info.distribution}{version}")
            if info.provider is not None:
                self._describe(info.provider)
            if info.error:
                self.stdout.write(self.style.ERROR(f"    error: {info.error}"))
        self.stdout.write("")
        self.stdout.write(f"IDV_ENABLED_PROVIDERS = {idv_setting('IDV_ENABLED_PROVIDERS')!r}")
        self.stdout.write(f"IDV_DEFAULT_PROVIDER = {idv_setting('IDV_DEFAULT_PROVIDER')!r}")
        self.stdout.write(self._platform_mirror_state())
        self._health()

    def _health(self) -> None:
        """Print every health figure (and send them as monitoring custom attributes)."""
        self.stdout.write("")
        try:
            state = health.collect_and_report()
        except Exception as error:  # noqa: BLE001 -- a diagnostic: the providers above are shown anyway
            self.stdout.write(
                self.style.ERROR(f"Health: could not be read ({type(error).__name__}: {error})")
            )
            return
        self.stdout.write(f"Health at {state.now:%Y-%m-%d %H:%M:%S} UTC:")
        for figure in state.figures:
            line = f"    {figure.label}: {health.format_value(figure)}"
            if figure.name == "idv.relay.heartbeat_age_seconds" and state.relay is not None:
                running = "holding the lease" if state.relay.holding else "not running"
                line += f" ago ({running}, {state.relay.owner})"
            self.stdout.write(self.style.ERROR(line) if figure.problem else line)

    def _platform_mirror_state(self) -> str:
        """One line: whether attempts are mirrored into the LMS's verify_student table, and why."""
        setting = idv_setting("IDV_PLATFORM_MIRROR")
        model, problem = platform_mirror.find_platform_model()
        try:
            on = platform_mirror.get_mirror_model() is not None
        except ImproperlyConfigured as error:
            return f"Platform mirror: ERROR ({error})"
        if on:
            return (
                f"Platform mirror: on (IDV_PLATFORM_MIRROR = {setting!r}; into "
                f"{model._meta.label}, table {model._meta.db_table})"
            )
        reason = "IDV_PLATFORM_MIRROR is False" if setting is False else problem
        return f"Platform mirror: off (IDV_PLATFORM_MIRROR = {setting!r}; {reason})"

    def _describe(self, provider: IDVProvider) -> None:
        """Print a loaded provider's name, start URL and configuration problems; survive its errors."""
        self.stdout.write(f"    name: {provider.name or '-'}")
        if provider.django_app:
            state = "installed" if apps.is_installed(provider.django_app) else "NOT INSTALLED"
            self.stdout.write(f"    Django app: {provider.django_app} ({state})")
        for name in sorted(provider.settings_defaults):
            state = "set" if hasattr(settings, name) else "default"
            self.stdout.write(f"    setting {name}: {state}")
        try:
            self.stdout.write(f"    start URL: {provider.get_start_url()}")
            messages = provider.check()
        except Exception as error:  # noqa: BLE001 -- one provider's bug must not hide the others
            self.stdout.write(self.style.ERROR(f"    error: {type(error).__name__}: {error}"))
            return
        for message in messages:
            self.stdout.write(self.style.WARNING(f"    problem: {message.id}: {message.msg}"))
