"""
The ``Persona-Signature`` header, written from Persona's documentation (independently of the provider).

``t=<unix seconds>,v1=<hex HMAC-SHA256 keyed with the webhook secret over "<t>.<raw body>">``; during a
secret rotation, one such pair per secret, separated by a space.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex ``v1`` value of ``body`` sent at ``timestamp``, keyed with ``secret``."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secrets: str | Iterable[str], body: bytes, timestamp: int | None = None) -> str:
    """The ``Persona-Signature`` value for ``body``: one ``t=...,v1=...`` pair per secret."""
    if isinstance(secrets, str):
        secrets = [secrets]
    when = int(time.time()) if timestamp is None else timestamp
    return " ".join(f"t={when},v1={signature(secret, when, body)}" for secret in secrets)
