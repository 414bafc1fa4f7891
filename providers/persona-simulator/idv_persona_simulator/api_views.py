"""
The simulator's REST API, in Persona's shapes: create, retrieve, redact and resume inquiries under
``api/v1/``.

Every request needs ``Authorization: Bearer <IDV_PERSONA_SIMULATOR["API_KEY"]>`` (401 otherwise);
``Persona-Version`` and ``Key-Inflection`` are accepted and ignored; ``Idempotency-Key`` on create returns
the inquiry first created with that key. Errors are JSON:API ``{"errors": [{"title", "details"}]}``.
Injected faults (``control.fail_next_api_requests`` / ``set_api_outage``) answer before anything else.
"""

from __future__ import annotations

import functools
import hmac
import json
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from idv_persona_simulator import faults, flow
from idv_persona_simulator.conf import simulator_setting
from idv_persona_simulator.models import RESUMABLE_STATUSES, SimulatedInquiry
from idv_persona_simulator.representations import error_document, inquiry_object

FAULT_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Record not found",
    409: "Conflict",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


def _error(status: int, title: str, details: str = "") -> JsonResponse:
    return JsonResponse(error_document(title, details), status=status)


def _authenticated(request: HttpRequest) -> bool:
    api_key = simulator_setting("API_KEY")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return bool(api_key) and scheme == "Bearer" and hmac.compare_digest(token.encode(), api_key.encode())


def api_endpoint(*methods: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Wrap an API view: CSRF-exempt (API-key auth), its HTTP methods, faults first, then the Bearer key."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            fault = faults.take()
            if fault is not None:
                return _error(fault, FAULT_TITLES.get(fault, "Error"), "Injected by the Persona simulator.")
            if not _authenticated(request):
                return _error(401, "Must be authenticated to access this endpoint")
            if request.method not in methods:
                allowed = ", ".join(methods)
                response = _error(405, "Method Not Allowed", f"Use {allowed}.")
                response["Allow"] = allowed
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _field_value(value: Any) -> str:
    # Persona accepts a field as its value or as {"type": ..., "value": ...}.
    if isinstance(value, dict):
        value = value.get("value")
    return "" if value is None else str(value)


@api_endpoint("POST")
def create_inquiry(request: HttpRequest) -> HttpResponse:
    """``POST /inquiries``: create an inquiry from ``data.attributes`` (``inquiry-template-id`` required)."""
    try:
        document = json.loads(request.body or b"{}")
    except ValueError:
        return _error(400, "Bad Request", "The request body is not JSON.")
    data = document.get("data") if isinstance(document, dict) else None
    attributes = data.get("attributes") if isinstance(data, dict) else None
    if not isinstance(attributes, dict):
        return _error(400, "Bad Request", "data.attributes is required.")
    template_id = attributes.get("inquiry-template-id") or attributes.get("template-id")
    if not isinstance(template_id, str) or not template_id.startswith("itmpl_"):
        return _error(400, "Bad Request", "data.attributes.inquiry-template-id (itmpl_...) is required.")
    fields = attributes.get("fields") or {}
    if not isinstance(fields, dict):
        return _error(400, "Bad Request", "data.attributes.fields must be an object.")
    inquiry, created = flow.create(
        inquiry_template_id=template_id,
        reference_id=str(attributes.get("reference-id") or ""),
        environment_id=str(attributes.get("environment-id") or ""),
        fields={str(key): _field_value(value) for key, value in fields.items()},
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )
    return JsonResponse({"data": inquiry_object(inquiry)}, status=201 if created else 200)


def _inquiry(inquiry_id: str, *, lock: bool = False) -> SimulatedInquiry | None:
    queryset = SimulatedInquiry.objects.select_for_update() if lock else SimulatedInquiry.objects
    return queryset.filter(pk=inquiry_id).first()


@api_endpoint("GET", "DELETE")
def inquiry_resource(request: HttpRequest, inquiry_id: str) -> HttpResponse:
    """``GET /inquiries/{id}`` (retrieve) and ``DELETE /inquiries/{id}`` (redact)."""
    if request.method == "DELETE":
        return _redact_inquiry(inquiry_id)
    inquiry = _inquiry(inquiry_id)
    if inquiry is None:
        return _error(404, "Record not found", f"No inquiry {inquiry_id}.")
    return JsonResponse({"data": inquiry_object(inquiry)})


def _redact_inquiry(inquiry_id: str) -> HttpResponse:
    """
    Redact an Inquiry: null its PII for good (and in the events recorded about it), answer the redacted
    inquiry, and send ``inquiry.redacted``. Redacting it again answers the same, with no new event.
    """
    with transaction.atomic():
        inquiry = _inquiry(inquiry_id, lock=True)
        if inquiry is None:
            return _error(404, "Record not found", f"No inquiry {inquiry_id}.")
        flow.redact(inquiry)
    return JsonResponse({"data": inquiry_object(inquiry)})


@api_endpoint("POST")
def resume_inquiry(request: HttpRequest, inquiry_id: str) -> HttpResponse:
    """``POST /inquiries/{id}/resume``: a new session token in ``meta.session-token`` (409 once finished)."""
    with transaction.atomic():
        inquiry = _inquiry(inquiry_id, lock=True)
        if inquiry is None:
            return _error(404, "Record not found", f"No inquiry {inquiry_id}.")
        if inquiry.redacted_at is not None:
            return _error(409, "Conflict", "A redacted inquiry cannot be resumed.")
        if inquiry.status not in RESUMABLE_STATUSES:
            return _error(409, "Conflict", f"An inquiry with status {inquiry.status} cannot be resumed.")
        token = flow.resume(inquiry)
    return JsonResponse({"data": inquiry_object(inquiry), "meta": {"session-token": token}})
