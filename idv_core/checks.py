"""
Django system checks for idv_core's settings and the installed providers (``manage.py check``).

Ids: ``idv_core.E001``..``E005`` are configuration errors, ``idv_core.W001``..``W003`` warnings; each
enabled provider reports its own under its id (``<provider id>.E001``...).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from idv_core.conf import idv_setting
from idv_core.providers import get_enabled_providers, get_installed_providers, get_provider_load_errors


def _check_settings() -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    days = idv_setting("IDV_DAYS_GOOD_FOR")
    if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
        messages.append(
            Error(
                f"IDV_DAYS_GOOD_FOR must be a positive whole number of days, not {days!r}.",
                hint="Set it to the number of days an approval lasts, e.g. 365.",
                id="idv_core.E001",
            )
        )
    enabled = idv_setting("IDV_ENABLED_PROVIDERS")
    installed = get_installed_providers()
    if enabled is not None:
        if not isinstance(enabled, list | tuple) or not all(isinstance(item, str) for item in enabled):
            messages.append(
                Error(
                    f"IDV_ENABLED_PROVIDERS must be None or a list of provider ids, not {enabled!r}.",
                    hint=f"Installed provider ids: {', '.join(installed) or 'none'}.",
                    id="idv_core.E003",
                )
            )
            return messages
        for provider_id in enabled:
            if provider_id not in installed:
                messages.append(
                    Warning(
                        f"IDV_ENABLED_PROVIDERS names {provider_id!r}, which is not installed "
                        "or failed to load.",
                        hint=f"Installed provider ids: {', '.join(installed) or 'none'}. "
                        "Run `manage.py idv_providers` for details.",
                        id="idv_core.W003",
                    )
                )
    default = idv_setting("IDV_DEFAULT_PROVIDER")
    enabled_ids = [provider.id for provider in get_enabled_providers()]
    if default and default not in enabled_ids:
        messages.append(
            Error(
                f"IDV_DEFAULT_PROVIDER is {default!r}, which is not an enabled provider.",
                hint=f"Enabled provider ids: {', '.join(enabled_ids) or 'none'}.",
                id="idv_core.E002",
            )
        )
    if not enabled_ids:
        messages.append(
            Warning(
                "No identity-verification provider is enabled: learners cannot verify their identity.",
                hint="pip install a provider (e.g. openedx-idv-manual) and check IDV_ENABLED_PROVIDERS.",
                id="idv_core.W002",
            )
        )
    return messages


def _check_load_errors() -> list[CheckMessage]:
    return [
        Warning(
            f"The identity-verification provider {info.id!r} ({info.distribution} {info.version}) "
            f"could not be loaded: {info.error}",
            hint="The other providers work. Fix or uninstall that distribution; `manage.py idv_providers` "
            "lists every provider.",
            id="idv_core.W001",
        )
        for info in get_provider_load_errors()
    ]


def _check_providers() -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for provider in get_enabled_providers():
        if provider.django_app and not apps.is_installed(provider.django_app):
            messages.append(
                Error(
                    f"The identity-verification provider {provider.id!r} needs the Django app "
                    f"{provider.django_app!r}, which is not in INSTALLED_APPS.",
                    hint="In the LMS, plugin apps are added by get_plugin_apps('lms.djangoapp'); elsewhere "
                    "add the app to INSTALLED_APPS, or disable the provider in IDV_ENABLED_PROVIDERS.",
                    id="idv_core.E005",
                )
            )
            continue
        try:
            messages.extend(provider.check())
        except Exception as error:  # noqa: BLE001 -- a provider's broken check must not hide the others
            messages.append(
                Error(
                    f"The check of identity-verification provider {provider.id!r} raised "
                    f"{type(error).__name__}: {error}",
                    id="idv_core.E004",
                )
            )
    return messages


@register(Tags.compatibility, "idv")
def check_idv_configuration(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Report problems with idv_core's settings, providers that failed to load, and providers' own checks."""
    return _check_settings() + _check_load_errors() + _check_providers()
