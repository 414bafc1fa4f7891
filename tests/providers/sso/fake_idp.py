"""
A tiny OpenID Connect identity provider served on 127.0.0.1 in a thread, for end-to-end sign-in tests.

It implements just what python-social-auth's ``OpenIdConnectAuth`` uses: discovery, the authorization
endpoint (which "signs in" whoever the test chose in :attr:`FakeIdentityProvider.identity` and redirects
back with a code), the token endpoint (client authentication, code check, an RS256 ID token carrying the
nonce), UserInfo and the JWKS.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

KEY_ID = "fake-idp-key"


@dataclass
class _Grant:
    client_id: str
    redirect_uri: str
    nonce: str
    claims: dict[str, Any]


@dataclass
class FakeIdentityProvider:
    """The IdP's state: registered clients, who signs in next, issued codes and tokens, requests seen."""

    clients: dict[str, str] = field(default_factory=dict)  # client id -> secret
    identity: dict[str, Any] = field(default_factory=dict)  # the claims of whoever signs in next
    requests: list[str] = field(default_factory=list)  # "METHOD /path" of every request received
    url: str = ""
    _codes: dict[str, _Grant] = field(default_factory=dict)
    _tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    _key: Any = field(default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @property
    def jwks(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        return {"keys": [{**public, "kid": KEY_ID, "alg": "RS256", "use": "sig"}]}

    def configuration(self) -> dict[str, Any]:
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        if query.get("client_id") not in self.clients or query.get("response_type") != "code":
            return 400, {}, {"error": "invalid_request"}
        code = secrets.token_urlsafe(16)
        self._codes[code] = _Grant(
            client_id=query["client_id"],
            redirect_uri=query["redirect_uri"],
            nonce=query.get("nonce", ""),
            claims=dict(self.identity),
        )
        location = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        return 302, {"Location": location}, None

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict[str, str], Any]:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if self.clients.get(client_id) != secret:
            return 401, {}, {"error": "invalid_client"}
        grant = self._codes.pop(form.get("code", ""), None)
        if (
            grant is None
            or grant.client_id != client_id
            or grant.redirect_uri != form.get("redirect_uri")
            or form.get("grant_type") != "authorization_code"
        ):
            return 400, {}, {"error": "invalid_grant"}
        access_token = secrets.token_urlsafe(24)
        self._tokens[access_token] = grant.claims
        now = int(time.time())
        id_token = jwt.encode(
            {
                "iss": self.url,
                "sub": grant.claims["sub"],
                "aud": client_id,
                "iat": now,
                "exp": now + 300,
                "nonce": grant.nonce,
            },
            self._key,
            algorithm="RS256",
            headers={"kid": KEY_ID},
        )
        return (
            200,
            {},
            {"access_token": access_token, "token_type": "Bearer", "expires_in": 300, "id_token": id_token},
        )

    def userinfo(self, authorization: str) -> tuple[int, dict[str, str], Any]:
        claims = self._tokens.get(authorization.removeprefix("Bearer "))
        if claims is None:
            return 401, {}, {"error": "invalid_token"}
        return 200, {}, claims


def _handler_for(idp: FakeIdentityProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output clean

        def _answer(self, status: int, headers: dict[str, str], body: Any) -> None:
            payload = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            idp.requests.append(f"GET {url.path}")
            query = {name: values[0] for name, values in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                self._answer(200, {}, idp.configuration())
            elif url.path == "/jwks":
                self._answer(200, {}, idp.jwks)
            elif url.path == "/authorize":
                self._answer(*idp.authorize(query))
            elif url.path == "/userinfo":
                self._answer(*idp.userinfo(self.headers.get("Authorization", "")))
            else:
                self._answer(404, {}, {"error": "not_found"})

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            idp.requests.append(f"POST {url.path}")
            length = int(self.headers.get("Content-Length", "0"))
            form = {name: values[0] for name, values in parse_qs(self.rfile.read(length).decode()).items()}
            if url.path == "/token":
                self._answer(*idp.token(form, self.headers.get("Authorization", "")))
            else:
                self._answer(404, {}, {"error": "not_found"})

    return Handler


class FakeIdentityProviderServer:
    """Serves a :class:`FakeIdentityProvider` on 127.0.0.1, on a free port, in a daemon thread."""

    def __init__(self) -> None:
        self.idp = FakeIdentityProvider()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self.idp))
        self.idp.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeIdentityProvider:
        self._thread.start()
        return self.idp

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
