"""
Fixtures of the Persona provider's tests: Persona's REST API stood in by ``responses``, webhook bodies
signed with the spec's HMAC, and attempts in each status.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import responses
from django.conf import settings as django_settings

from idv_core import api

API_ROOT = django_settings.IDV_PERSONA["API_ROOT"]
SECRET = django_settings.IDV_PERSONA["WEBHOOK_SECRETS"][0]
WEBHOOK_URL = "/idv/persona/webhook"
_ids = itertools.count(1)


def new_id(prefix: str) -> str:
    """A fresh Persona-style id (``inq_...``, ``evt_...``)."""
    return f"{prefix}_{next(_ids):012d}TEST"


def signature_header(body: bytes, *, secret: str = SECRET, timestamp: int | None = None) -> str:
    """A ``Persona-Signature`` value for ``body``, computed from the spec (independently of the provider)."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def inquiry_object(inquiry_id: str, status: str = "created", **attributes: Any) -> dict[str, Any]:
    """A Persona inquiry object (JSON:API, dash-case attributes)."""
    return {
        "type": "inquiry",
        "id": inquiry_id,
        "attributes": {
            "status": status,
            "reference-id": "openedx-user-1",
            "name-first": None,
            "name-middle": None,
            "name-last": None,
            "created-at": "2026-01-01T10:00:00.000Z",
            **attributes,
        },
    }


def event_body(
    name: str,
    inquiry_id: str,
    *,
    event_id: str | None = None,
    created_at: str = "2026-01-01T10:00:00.000Z",
    status: str | None = None,
    **inquiry_attributes: Any,
) -> bytes:
    """A Persona webhook body for event ``name`` about ``inquiry_id``."""
    inquiry_status = status or name.removeprefix("inquiry.").replace("marked-for-review", "needs_review")
    return json.dumps(
        {
            "data": {
                "type": "event",
                "id": event_id or new_id("evt"),
                "attributes": {
                    "name": name,
                    "created-at": created_at,
                    "payload": {"data": inquiry_object(inquiry_id, inquiry_status, **inquiry_attributes)},
                },
            }
        }
    ).encode()


@pytest.fixture
def persona_api():
    """Persona's REST API, stood in by ``responses`` (any unregistered request fails the test)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def post_webhook(client) -> Callable[..., Any]:
    """POST a body to the webhook, signed with the test secret unless ``signature`` is given."""

    def post(body: bytes, *, signature: str | None = None, **headers: Any):
        header = signature_header(body) if signature is None else signature
        extra = {"HTTP_PERSONA_SIGNATURE": header} if header else {}
        return client.post(WEBHOOK_URL, data=body, content_type="application/json", **extra, **headers)

    return post


@pytest.fixture
def persona_attempt(user) -> Callable[..., tuple[int, str]]:
    """Create a persona attempt with an inquiry id (through the core API only); return (id, inquiry id)."""

    def factory(status: str = "created", *, owner=None, inquiry_id: str | None = None) -> tuple[int, str]:
        inquiry_id = inquiry_id or new_id("inq")
        attempt_id = api.create_verification_attempt(
            owner or user, "Ada Lovelace", status, provider="persona", external_id=inquiry_id
        )
        return attempt_id, inquiry_id

    return factory
