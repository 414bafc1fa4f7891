"""
Where the core mounts the providers' own views (``IDVProvider.urlpatterns``): under ``/idv/<provider id>``, in
the namespace ``<provider id>`` inside idv_core's URLs, each view closed while its provider is disabled and
handed the provider as ``request.idv_provider``. ``idv_core.urls`` includes :func:`provider_urlpatterns`.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, path
from django.urls import include as include_urls
from django.urls.resolvers import RegexPattern, RoutePattern

from idv_core.exceptions import VerificationStartRateLimited
from idv_core.providers import IDVProvider, get_installed_providers, is_provider_enabled

log = logging.getLogger(__name__)


def _provider_view(view: Callable[..., HttpResponse], provider_id: str) -> Callable[..., HttpResponse]:
    open_always = getattr(view, "idv_open_while_disabled", False)

    @functools.wraps(view)
    def provider_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Decided per request, so that a settings change (IDV_ENABLED_PROVIDERS) needs no URL reload; the
        # provider is the registry's (the URLconf is built once, the registry may be loaded again).
        provider = get_installed_providers().get(provider_id)
        if provider is None or (not open_always and not is_provider_enabled(provider_id)):
            raise Http404(f"The identity-verification provider {provider_id!r} is not enabled.")
        request.idv_provider = provider  # type: ignore[attr-defined]
        try:
            return view(request, *args, **kwargs)
        except VerificationStartRateLimited as error:
            return rate_limited_response(request, error)

    return provider_view


def rate_limited_response(request: HttpRequest, error: VerificationStartRateLimited) -> HttpResponse:
    """The page a learner over ``IDV_START_RATE_LIMIT`` gets: 429, with ``Retry-After``, and the way back."""
    log.info("User %s is over IDV_START_RATE_LIMIT with provider %r.", request.user.pk, error.provider)
    context = {"provider": request.idv_provider, "retry_after_minutes": -(-error.retry_after // 60)}
    response = render(request, "idv_core/start_rate_limited.html", context, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


def _mounted(pattern: Any, provider_id: str, *, is_endpoint: bool) -> Any:
    """``pattern`` (a route or regex) under ``idv/<id>``: "start" -> "idv/<id>/start", "" -> "idv/<id>"."""
    base = f"idv/{provider_id}"
    text = str(pattern)
    if isinstance(pattern, RoutePattern):
        return RoutePattern(f"{base}/{text}" if text else base, name=pattern.name, is_endpoint=is_endpoint)
    if isinstance(pattern, RegexPattern):
        rest = text.removeprefix("^")
        # r"^/?$" (the provider's root, slash optional) -> r"^idv/<id>/?$"; r"^start$" -> r"^idv/<id>/start$"
        joiner = "" if not rest or rest[0] in "/$" else "/"
        return RegexPattern(f"^{re.escape(base)}{joiner}{rest}", name=pattern.name, is_endpoint=is_endpoint)
    raise TypeError(
        f"Provider URL patterns must be path() or re_path() patterns, not {type(pattern).__name__}."
    )


def _wrap_patterns(patterns: list[Any], provider: IDVProvider, *, mount: bool = False) -> list[Any]:
    wrapped: list[Any] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            wrapped.append(
                URLResolver(
                    _mounted(pattern.pattern, provider.id, is_endpoint=False) if mount else pattern.pattern,
                    _wrap_patterns(list(pattern.url_patterns), provider),
                    pattern.default_kwargs,
                    pattern.app_name,
                    pattern.namespace,
                )
            )
        elif isinstance(pattern, URLPattern):
            wrapped.append(
                URLPattern(
                    _mounted(pattern.pattern, provider.id, is_endpoint=True) if mount else pattern.pattern,
                    _provider_view(pattern.callback, provider.id),
                    pattern.default_args,
                    pattern.name,
                )
            )
        else:
            raise TypeError(
                f"{type(provider).__name__}.urlpatterns must hold Django URL patterns (path(), re_path(), "
                f"include()), not {type(pattern).__name__}."
            )
    return wrapped


def provider_urlpatterns() -> list[URLResolver]:
    """
    Return the URL patterns of every installed provider that has :attr:`~IDVProvider.urlpatterns`, each
    mounted under ``idv/<provider id>`` (``path("start", ...)`` answers ``/idv/<id>/start``; an empty route,
    or ``re_path(r"^/?$", ...)``, answers ``/idv/<id>``) in the namespace ``<provider id>``
    (``idv:<provider id>:<name>`` inside idv_core's URLs), closed while the provider is disabled.
    """
    mounted = []
    for provider in get_installed_providers().values():
        if not provider.urlpatterns:
            continue
        try:
            patterns = _wrap_patterns(list(provider.urlpatterns), provider, mount=True)
        except TypeError as error:
            # One provider's bad urlpatterns must not take the site's URLs (and the other providers) down.
            log.error("The URLs of IDV provider %r are not mounted: %s", provider.id, error)
            continue
        mounted.append(path("", include_urls((patterns, provider.id))))
    return mounted
