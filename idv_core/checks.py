"""
Django system checks for idv_core's settings and the installed providers (``manage.py check``).

Ids: ``idv_core.E001``..``E013`` are configuration errors, ``idv_core.W001``..``W006`` warnings; each
enabled provider reports its own under its id (``<provider id>.E001``...). E006..E008 are about the
event-bus outbox (``IDV_EVENT_BUS_*``); E009, E010, W004 and W005 about running inside the LMS (the platform
mirror and reads); E011 and E012 about the JWT verification of the REST API (``JWT_AUTH``); E013 about
``IDV_START_RATE_LIMIT``.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.utils import timezone

from idv_core import outbox, platform_mirror
from idv_core.conf import EXPIRATION_LIMIT, expiration_after_days, idv_setting
from idv_core.providers import get_enabled_providers, get_installed_providers, get_provider_load_errors
from idv_core.starts import parse_start_rate


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
    elif expiration_after_days(timezone.now(), days) is None:
        # Every approval without an expiration would fail: its expiration cannot be stored.
        messages.append(
            Error(
                f"IDV_DAYS_GOOD_FOR is {days}: an approval given today would expire after "
                f"{EXPIRATION_LIMIT:%Y-%m-%d}, later than any date idv_core stores.",
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


def _check_start_rate() -> list[CheckMessage]:
    try:
        parse_start_rate(idv_setting("IDV_START_RATE_LIMIT"))
    except ValueError as error:
        return [Error(str(error), hint="For example '5/h', or None for no limit.", id="idv_core.E013")]
    return []


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


_POSITIVE_NUMBERS = (
    "IDV_EVENT_BUS_OUTBOX_RETENTION_DAYS",
    "IDV_EVENT_BUS_RELAY_BATCH_SIZE",
    "IDV_EVENT_BUS_RELAY_POLL_SECONDS",
    "IDV_EVENT_BUS_RELAY_MAX_BACKOFF_SECONDS",
    "IDV_EVENT_BUS_RELAY_LEASE_SECONDS",
)
_REDIS_PRODUCERS = (
    "edx_event_bus_redis.create_producer",
    "edx_event_bus_redis.internal.producer.create_producer",
)


def _event_bus_config_errors(config: Any) -> list[str]:
    if not isinstance(config, dict):
        return [f"IDV_EVENT_BUS_PRODUCER_CONFIG must be a dict, not {type(config).__name__}."]
    errors = []
    for event_type, topics in config.items():
        if event_type not in outbox.IDV_EVENT_TYPES:
            errors.append(
                f"IDV_EVENT_BUS_PRODUCER_CONFIG lists {event_type!r}, which is not an IDV event type "
                f"({', '.join(sorted(outbox.IDV_EVENT_TYPES))})."
            )
            continue
        if not isinstance(topics, dict):
            errors.append(f"IDV_EVENT_BUS_PRODUCER_CONFIG[{event_type!r}] must be a dict of topics.")
            continue
        for topic, options in topics.items():
            if (
                not isinstance(topic, str)
                or not topic
                or not isinstance(options, dict)
                or not isinstance(options.get("event_key_field"), str)
                or not isinstance(options.get("enabled"), bool)
            ):
                errors.append(
                    f"IDV_EVENT_BUS_PRODUCER_CONFIG[{event_type!r}][{topic!r}] must be "
                    '{"event_key_field": "<dotted path>", "enabled": True or False}.'
                )
    return errors


def _check_event_bus() -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for name in _POSITIVE_NUMBERS:
        value = idv_setting(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            messages.append(Error(f"{name} must be a positive number, not {value!r}.", id="idv_core.E006"))
    timeout = idv_setting("IDV_EVENT_BUS_RELAY_SOCKET_TIMEOUT_SECONDS")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0
    ):
        messages.append(
            Error(
                "IDV_EVENT_BUS_RELAY_SOCKET_TIMEOUT_SECONDS must be a positive number or None, "
                f"not {timeout!r}.",
                id="idv_core.E006",
            )
        )
    elif not messages and timeout is not None:
        lease = idv_setting("IDV_EVENT_BUS_RELAY_LEASE_SECONDS")
        if 2 * timeout >= lease:
            messages.append(
                Error(
                    f"IDV_EVENT_BUS_RELAY_SOCKET_TIMEOUT_SECONDS ({timeout!r}) must be less than half of "
                    f"IDV_EVENT_BUS_RELAY_LEASE_SECONDS ({lease!r}).",
                    hint="A relay stalled on Redis must give up (connect, then answer) before its lease "
                    "expires, or two relays could send at once.",
                    id="idv_core.E006",
                )
            )
    config = idv_setting("IDV_EVENT_BUS_PRODUCER_CONFIG")
    errors = _event_bus_config_errors(config)
    messages.extend(
        Error(error, hint="It has the shape of EVENT_BUS_PRODUCER_CONFIG.", id="idv_core.E006")
        for error in errors
    )
    if errors or not outbox.is_enabled():
        return messages
    relayed = set(outbox.event_types_in(config))
    both = sorted(relayed & set(outbox.event_types_in(getattr(settings, "EVENT_BUS_PRODUCER_CONFIG", {}))))
    for event_type in both:
        messages.append(
            Error(
                f"{event_type} is enabled both in IDV_EVENT_BUS_PRODUCER_CONFIG (idv_core's outbox relay) "
                "and in EVENT_BUS_PRODUCER_CONFIG (openedx-events' producer): every event would reach the "
                "bus twice, once of them without the outbox's guarantee.",
                hint='Keep it in IDV_EVENT_BUS_PRODUCER_CONFIG only: set "enabled": False for it in '
                "EVENT_BUS_PRODUCER_CONFIG (or remove it there).",
                id="idv_core.E007",
            )
        )
    producer = getattr(settings, "EVENT_BUS_PRODUCER", None)
    if producer not in _REDIS_PRODUCERS or not getattr(settings, "EVENT_BUS_REDIS_CONNECTION_URL", None):
        messages.append(
            Error(
                "IDV_EVENT_BUS_PRODUCER_CONFIG routes IDV events to the event bus, but the relay has no "
                f"Redis bus: EVENT_BUS_PRODUCER is {producer!r} and EVENT_BUS_REDIS_CONNECTION_URL is "
                f"{'set' if getattr(settings, 'EVENT_BUS_REDIS_CONNECTION_URL', None) else 'not set'}.",
                hint="Set EVENT_BUS_PRODUCER = 'edx_event_bus_redis.create_producer' and "
                "EVENT_BUS_REDIS_CONNECTION_URL (pip install edx-event-bus-redis), or empty "
                "IDV_EVENT_BUS_PRODUCER_CONFIG.",
                id="idv_core.E008",
            )
        )
    return messages


def _check_platform() -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    mirror = idv_setting("IDV_PLATFORM_MIRROR")
    model, problem = platform_mirror.find_platform_model()
    if mirror not in platform_mirror.MIRROR_CHOICES or not isinstance(mirror, str | bool):
        messages.append(
            Error(
                f'IDV_PLATFORM_MIRROR must be "auto", True or False, not {mirror!r}.',
                hint='"auto" mirrors into the LMS\'s verify_student table when that app is installed.',
                id="idv_core.E009",
            )
        )
    elif mirror is True and model is None:
        messages.append(
            Error(
                f"IDV_PLATFORM_MIRROR is True but {problem}: openedx-idv's verifications would not count "
                "in the LMS, and every write through idv_core.api refuses to run.",
                hint="Run inside an LMS of the Sumac release or later, or set IDV_PLATFORM_MIRROR to "
                '"auto" (mirror when the platform model is there) or False.',
                id="idv_core.E009",
            )
        )
    elif mirror == "auto" and model is None and apps.is_installed(platform_mirror.PLATFORM_APP_NAME):
        messages.append(
            Warning(
                f'The platform app is installed but {problem}: IDV_PLATFORM_MIRROR is "auto", so nothing '
                "is mirrored and openedx-idv's verifications do not count in the LMS.",
                hint="Upgrade the LMS to Sumac or later, or set IDV_PLATFORM_MIRROR = False to say so.",
                id="idv_core.W005",
            )
        )
    include = idv_setting("IDV_INCLUDE_PLATFORM_VERIFICATIONS")
    if not isinstance(include, bool):
        messages.append(
            Error(
                f"IDV_INCLUDE_PLATFORM_VERIFICATIONS must be True or False, not {include!r}.",
                id="idv_core.E010",
            )
        )
    platform_days = (getattr(settings, "VERIFY_STUDENT", None) or {}).get("DAYS_GOOD_FOR")
    days = idv_setting("IDV_DAYS_GOOD_FOR")
    if model is not None and platform_days is not None and platform_days != days:
        messages.append(
            Warning(
                f"IDV_DAYS_GOOD_FOR is {days!r} but the platform's VERIFY_STUDENT['DAYS_GOOD_FOR'] is "
                f"{platform_days!r}: the LMS's bulk read (get_verified_user_ids) counts an approval for "
                "its own number of days after it was made, whatever the expiration we wrote.",
                hint="Set both to the same number of days.",
                id="idv_core.W004",
            )
        )
    return messages


EDX_JWT_DECODE_HANDLER = "edx_rest_framework_extensions.auth.jwt.decoder.jwt_decode_handler"
DRF_JWT_DEFAULT_DECODE_HANDLER = "rest_framework_jwt.utils.jwt_decode_token"
# Symmetric (HS256) JWT keys anyone can read: edx-platform's default ("SET-ME-PLEASE"), devstack's
# ("lms-secret"), this repository's demo key, and Django's generated development keys (the prefix).
PUBLIC_JWT_SECRETS = frozenset(
    {"SET-ME-PLEASE", "lms-secret", "insecure-demo-only-key-never-use-in-production"}
)
PUBLIC_JWT_SECRET_PREFIXES = ("django-insecure-",)


def _dotted_path(value: Any) -> str:
    if isinstance(value, str):
        return value
    return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', '')}"


def _is_public_secret(key: Any) -> bool:
    return isinstance(key, str) and (key in PUBLIC_JWT_SECRETS or key.startswith(PUBLIC_JWT_SECRET_PREFIXES))


def _check_jwt() -> list[CheckMessage]:
    """
    Refuse a JWT setup under which the REST API (edx-drf-extensions' JwtAuthentication) takes forged tokens.

    With edx-drf-extensions' decoder (the LMS's ``JWT_DECODE_HANDLER``), ``_verify_jwt_signature`` first
    tries the keys of ``JWT_PUBLIC_SIGNING_JWK_SET`` alone; when that setting is empty the key list is empty,
    ``verify_jwk_signature_using_keyset``'s loop never runs, raises nothing, and the token counts as verified
    (10.x: any signature, even ``alg: none``). The decoder then also accepts HS256 tokens signed with the
    first issuer's ``SECRET_KEY`` (drf-jwt's own decoder: ``JWT_SECRET_KEY``, by default Django's
    ``SECRET_KEY``): a published value lets anyone sign a token, ``administrator: true`` included.
    """
    jwt_auth = getattr(settings, "JWT_AUTH", None) or {}
    if not isinstance(jwt_auth, dict):
        return []
    messages: list[CheckMessage] = []
    handler = _dotted_path(jwt_auth.get("JWT_DECODE_HANDLER", DRF_JWT_DEFAULT_DECODE_HANDLER))
    if handler == EDX_JWT_DECODE_HANDLER:
        if not jwt_auth.get("JWT_PUBLIC_SIGNING_JWK_SET"):
            messages.append(
                Error(
                    "JWT_AUTH['JWT_PUBLIC_SIGNING_JWK_SET'] is empty: edx-drf-extensions then verifies a JWT "
                    "against no key at all and accepts any token (any signature, even alg none), so anyone "
                    "can call the REST API as anyone, staff included.",
                    hint="Set it to the LMS's public signing keys: the value of the LMS's own "
                    "JWT_AUTH['JWT_PUBLIC_SIGNING_JWK_SET'].",
                    id="idv_core.E011",
                )
            )
        issuers = jwt_auth.get("JWT_ISSUERS") or [
            {"SECRET_KEY": jwt_auth.get("JWT_SECRET_KEY", settings.SECRET_KEY)}
        ]
        first = issuers[0] if isinstance(issuers, list | tuple) and issuers else {}
        symmetric_key = first.get("SECRET_KEY") if isinstance(first, dict) else None
        where = "JWT_AUTH['JWT_ISSUERS'][0]['SECRET_KEY']"
        # This decoder adds no symmetric key when it is empty: only asymmetric (RS*) tokens then verify.
        hint = (
            "Set it to a long random secret of your own, or to an empty string to accept only "
            "asymmetrically signed (RS*) tokens."
        )
        insecure = _is_public_secret(symmetric_key)
    else:
        symmetric = str(jwt_auth.get("JWT_ALGORITHM", "HS256")).upper().startswith("HS")
        symmetric_key = jwt_auth.get("JWT_SECRET_KEY", settings.SECRET_KEY) if symmetric else None
        where = "JWT_AUTH['JWT_SECRET_KEY'] (by default SECRET_KEY)"
        hint = "Set it to a long random secret of your own."
        # drf-jwt's decoder verifies with this key whatever it is: an empty one is no secret either.
        insecure = symmetric and (not symmetric_key or _is_public_secret(symmetric_key))
    if insecure:
        messages.append(
            Error(
                f"{where} is empty or a published default: JWTs are verified with HS256 and that key, so "
                "anyone can sign a token the REST API accepts, administrator (staff) claims included.",
                hint=hint,
                id="idv_core.E012",
            )
        )
    return messages


@register(Tags.compatibility, "idv")
def check_idv_configuration(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Report problems with idv_core's settings, providers that failed to load, and providers' own checks."""
    return (
        _check_settings()
        + _check_start_rate()
        + _check_load_errors()
        + _check_providers()
        + _check_event_bus()
        + _check_platform()
        + _check_jwt()
    )


@register(Tags.database, "idv")
def check_attempt_providers(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    """
    Report attempts written with a provider id that no installed provider has (idv_core.W006).

    A database check: ``manage.py check --database default`` and ``migrate`` run it. A typo in a
    provider id (``provider="emaildomian"``) or an uninstalled provider leaves attempts nobody serves.
    """
    if not databases:
        return []
    from django.db import DatabaseError

    from idv_core.models import VerificationAttempt

    try:
        written = set(
            VerificationAttempt.objects.exclude(provider="").values_list("provider", flat=True).distinct()
        )
    except DatabaseError:  # not migrated yet: nothing to report
        return []
    unknown = sorted(written - set(get_installed_providers()))
    if not unknown:
        return []
    return [
        Warning(
            f"Verification attempts were written with the provider id(s) {', '.join(map(repr, unknown))}, "
            "which no installed provider has.",
            hint=f"Installed provider ids: {', '.join(get_installed_providers()) or 'none'}. Reinstall the "
            "provider, or fix the id where the attempts are written.",
            id="idv_core.W006",
        )
    ]
