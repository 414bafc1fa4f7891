"""
The demo IdP's endpoints: discovery, the authorization endpoint with its sign-in and consent page, the
token endpoint, UserInfo and the JWKS (OpenID Connect Core 1.0, authorization code flow only).
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from demo_idp import provider

#: The OAuth 2 parameters the sign-in page carries from the GET to its POST.
_AUTHORIZE_PARAMS = ("client_id", "redirect_uri", "response_type", "scope", "state", "nonce")


@require_GET
def discovery(request: HttpRequest) -> JsonResponse:
    """``/.well-known/openid-configuration``."""
    return JsonResponse(provider.configuration())


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The key set ID tokens are signed with."""
    return JsonResponse(provider.jwks())


def _back_to_client(redirect_uri: str, **params: str) -> HttpResponseRedirect:
    separator = "&" if "?" in redirect_uri else "?"
    return HttpResponseRedirect(f"{redirect_uri}{separator}{urlencode(params)}")


def _page(request: HttpRequest, status: int = 200, **context: object) -> HttpResponse:
    return render(request, "demo_idp/authorize.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    """
    The authorization endpoint: the sign-in and consent page (GET), then the person's answer (POST).

    An unknown client or a redirect URI it did not register gets an error page here (never a redirect);
    other errors go back to the client as OAuth 2 errors. Signing in checks the demo's own logins.
    """
    params = request.POST if request.method == "POST" else request.GET
    query = {name: params.get(name, "") for name in _AUTHORIZE_PARAMS}
    client = provider.find_client(query["client_id"])
    if client is None or query["redirect_uri"] not in client.redirect_uris:
        return _page(
            request,
            400,
            fatal="This sign-in link is not valid: the site that sent you is not registered here.",
        )
    state = {"state": query["state"]} if query["state"] else {}
    if query["response_type"] != "code":
        return _back_to_client(query["redirect_uri"], error="unsupported_response_type", **state)
    if "openid" not in query["scope"].split():
        return _back_to_client(query["redirect_uri"], error="invalid_scope", **state)
    if request.method == "GET":
        username = request.user.get_username() if request.user.is_authenticated else ""
        return _page(request, query=query, username=username)
    if request.POST.get("action") != "allow":
        return _back_to_client(query["redirect_uri"], error="access_denied", **state)
    username = request.POST.get("username", "")
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None or not user.check_password(request.POST.get("password", "")):
        return _page(
            request, 400, query=query, username=username, error="The username or password is not right."
        )
    code = provider.issue_code(client, query["redirect_uri"], query["nonce"], user)
    return _back_to_client(query["redirect_uri"], code=code, **state)


def _client_credentials(request: HttpRequest) -> tuple[str, str]:
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme == "Basic":
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        return client_id, secret
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


def _oauth_error(error: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": error}, status=status)


@csrf_exempt
@never_cache
@require_POST
def token(request: HttpRequest) -> JsonResponse:
    """The token endpoint: an authorization code for an access token and an ID token."""
    client_id, secret = _client_credentials(request)
    client = provider.find_client(client_id)
    if client is None or client.secret != secret:
        return _oauth_error("invalid_client", 401)
    if request.POST.get("grant_type") != "authorization_code":
        return _oauth_error("unsupported_grant_type")
    try:
        answer = provider.redeem_code(
            client, request.POST.get("code", ""), request.POST.get("redirect_uri", "")
        )
    except provider.GrantRefused as refused:
        return _oauth_error(refused.error)
    return JsonResponse(answer)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "POST"])
def userinfo(request: HttpRequest) -> JsonResponse:
    """UserInfo: the claims of the person the Bearer access token was issued for."""
    scheme, _, access_token = request.headers.get("Authorization", "").partition(" ")
    if scheme != "Bearer":
        return _oauth_error("invalid_token", 401)
    try:
        user = provider.user_for_token(access_token)
    except provider.GrantRefused as refused:
        return _oauth_error(refused.error, 401)
    return JsonResponse(provider.claims(user))
