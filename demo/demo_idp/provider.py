"""
What the demo's identity provider knows and signs: its configuration (``DEMO_IDP``), its signing key, the
claims of a person, and the codes and tokens it hands out.

Codes and access tokens are Django-signed, time-limited strings (no table): a code carries the client,
redirect URI, nonce and user id, and can be redeemed once per process (the cache remembers it); an access
token carries the user id only, so no name travels in a token.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core import signing
from django.core.cache import cache
from jwt.algorithms import RSAAlgorithm

KEY_ID = "demo-idp"
CODE_MAX_AGE = 120
TOKEN_MAX_AGE = 600
ID_TOKEN_LIFETIME = 300
_CODE_SALT = "demo_idp.code"
_TOKEN_SALT = "demo_idp.access-token"
# A fresh key per process, as the demo's JWT keys: what it signed dies with the server.
_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class GrantRefused(ValueError):
    """A code, token or client the IdP does not accept; ``error`` is the OAuth 2 error code."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True, slots=True)
class Client:
    """A relying party registered in ``DEMO_IDP["CLIENTS"]``."""

    client_id: str
    secret: str
    redirect_uris: tuple[str, ...]


def issuer() -> str:
    """The issuer URL: discovery lives at ``<issuer>/.well-known/openid-configuration``."""
    return str(settings.DEMO_IDP["ISSUER"]).rstrip("/")


def find_client(client_id: str) -> Client | None:
    """The registered client ``client_id``, or None."""
    entry = settings.DEMO_IDP.get("CLIENTS", {}).get(client_id)
    if not isinstance(entry, dict):
        return None
    return Client(client_id, str(entry["SECRET"]), tuple(entry["REDIRECT_URIS"]))


def jwks() -> dict[str, Any]:
    """The public signing key, as a JSON Web Key Set."""
    public = json.loads(RSAAlgorithm.to_jwk(_KEY.public_key()))
    return {"keys": [{**public, "kid": KEY_ID, "alg": "RS256", "use": "sig"}]}


def configuration() -> dict[str, Any]:
    """The OpenID Provider metadata (OpenID Connect Discovery 1.0)."""
    base = issuer()
    return {
        "issuer": base,
        "authorization_endpoint": f"{base}/authorize",
        "token_endpoint": f"{base}/token",
        "userinfo_endpoint": f"{base}/userinfo",
        "jwks_uri": f"{base}/jwks",
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "profile", "email"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "claims_supported": ["sub", "name", "given_name", "family_name", "email", "preferred_username"],
    }


def subject(user: AbstractBaseUser) -> str:
    """The person's stable identifier at the IdP (``sub``)."""
    return f"demo-{user.pk}"


def claims(user: AbstractBaseUser) -> dict[str, Any]:
    """What UserInfo says of ``user``: the demo's user table plays the institution's directory."""
    return {
        "sub": subject(user),
        "name": user.get_full_name() or user.get_username(),
        "given_name": user.first_name,
        "family_name": user.last_name,
        "email": user.email,
        "preferred_username": user.get_username(),
    }


def issue_code(client: Client, redirect_uri: str, nonce: str, user: AbstractBaseUser) -> str:
    """An authorization code for ``user``, redeemable once by ``client`` within ``CODE_MAX_AGE`` seconds."""
    payload = {"client": client.client_id, "redirect_uri": redirect_uri, "nonce": nonce, "user": user.pk}
    return signing.dumps(payload, salt=_CODE_SALT)


def redeem_code(client: Client, code: str, redirect_uri: str) -> dict[str, Any]:
    """
    The token response for ``code``: an access token and an RS256 ID token carrying the nonce.

    Raises:
        GrantRefused: ``invalid_grant`` for an expired, forged, reused or mismatched code.
    """
    try:
        grant = signing.loads(code, salt=_CODE_SALT, max_age=CODE_MAX_AGE)
    except signing.BadSignature as error:
        raise GrantRefused("invalid_grant") from error
    if grant["client"] != client.client_id or grant["redirect_uri"] != redirect_uri:
        raise GrantRefused("invalid_grant")
    # cache.add is atomic: only the first redemption of a code gets its tokens.
    if not cache.add(f"demo_idp:code:{hashlib.sha256(code.encode()).hexdigest()}", 1, CODE_MAX_AGE):
        raise GrantRefused("invalid_grant")
    user = get_user_model().objects.filter(pk=grant["user"], is_active=True).first()
    if user is None:
        raise GrantRefused("invalid_grant")
    now = int(time.time())
    id_token = jwt.encode(
        {
            "iss": issuer(),
            "sub": subject(user),
            "aud": client.client_id,
            "iat": now,
            "exp": now + ID_TOKEN_LIFETIME,
            "nonce": grant["nonce"],
        },
        _KEY,
        algorithm="RS256",
        headers={"kid": KEY_ID},
    )
    return {
        "access_token": signing.dumps({"user": user.pk}, salt=_TOKEN_SALT),
        "token_type": "Bearer",
        "expires_in": TOKEN_MAX_AGE,
        "id_token": id_token,
    }


def user_for_token(token: str) -> AbstractBaseUser:
    """
    The person an access token was issued for.

    Raises:
        GrantRefused: ``invalid_token`` for an expired or forged token, or a user gone since.
    """
    try:
        payload = signing.loads(token, salt=_TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature as error:
        raise GrantRefused("invalid_token") from error
    user = get_user_model().objects.filter(pk=payload["user"], is_active=True).first()
    if user is None:
        raise GrantRefused("invalid_token")
    return user
