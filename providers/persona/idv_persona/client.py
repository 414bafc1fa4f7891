"""
A small client of Persona's REST API: create, resume, retrieve and redact inquiries.

Every request has a timeout (``IDV_PERSONA["TIMEOUT_SECONDS"]``) and is retried, with a short backoff,
when it could not connect, timed out reading, or got a 5xx answer; a 4xx answer is never retried (the
same request would fail the same way). POSTs are retried too, which is safe because each call sends an
``Idempotency-Key`` header (Persona's documented mechanism): a retry of a ``POST /inquiries`` whose first
try reached Persona gets the first try's answer instead of creating a second inquiry. The key is fresh
for every call of a method, so a learner who tries again later (after Persona answered 5xx, which
Persona replays for the same key) gets a new request, not the cached failure.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

log = logging.getLogger(__name__)

#: Retries after the first try (connection errors, read timeouts, 5xx answers).
MAX_RETRIES: Final = 2
#: urllib3 backoff: no wait before the first retry, then 2 x this many seconds.
BACKOFF_FACTOR: Final = 0.3
RETRY_STATUSES: Final = frozenset({500, 502, 503, 504})
#: The Persona API version this client was written against (Persona-Version header).
PERSONA_API_VERSION: Final = "2023-01-05"


class PersonaError(Exception):
    """Persona's API could not do what was asked. Messages carry ids and status codes, never PII."""


class PersonaUnavailable(PersonaError):
    """Persona could not be reached, timed out, or answered 5xx, after the retries."""


class PersonaRequestRejected(PersonaError):
    """Persona answered 4xx: the request (or the configuration: API key, template id) is wrong."""

    def __init__(self, message: str, *, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class PersonaInvalidResponse(PersonaError):
    """Persona answered 2xx with a body that is not the documented inquiry object."""


@dataclass(frozen=True, slots=True)
class Inquiry:
    """
    The parts of a Persona inquiry this provider uses.

    ``name_first``, ``name_middle``, ``name_last`` are the name Persona verified (PII: never log them);
    ``session_token`` is set only by :meth:`PersonaClient.resume_inquiry`.
    """

    id: str
    status: str
    reference_id: str | None = None
    name_first: str | None = None
    name_middle: str | None = None
    name_last: str | None = None
    session_token: str | None = None

    @property
    def verified_name(self) -> str:
        """The verified name's parts joined with spaces ("" when Persona gave none)."""
        parts = (self.name_first, self.name_middle, self.name_last)
        return " ".join(part.strip() for part in parts if isinstance(part, str) and part.strip())


def _optional_text(attributes: dict[str, Any], key: str) -> str | None:
    value = attributes.get(key)
    return value if isinstance(value, str) else None


def parse_inquiry(document: Any, *, session_token: Any = None) -> Inquiry:
    """
    Read an inquiry object (``{"type": "inquiry", "id": ..., "attributes": {...}}``).

    Raises:
        PersonaInvalidResponse: it is not an inquiry object with a string id and status.
    """
    if not isinstance(document, dict) or document.get("type") != "inquiry":
        raise PersonaInvalidResponse("Expected an inquiry object.")
    inquiry_id = document.get("id")
    attributes = document.get("attributes")
    if not isinstance(inquiry_id, str) or not inquiry_id or not isinstance(attributes, dict):
        raise PersonaInvalidResponse("The inquiry object has no id or no attributes.")
    status = attributes.get("status")
    if not isinstance(status, str):
        raise PersonaInvalidResponse(f"Inquiry {inquiry_id} has no status.")
    return Inquiry(
        id=inquiry_id,
        status=status,
        reference_id=_optional_text(attributes, "reference-id"),
        name_first=_optional_text(attributes, "name-first"),
        name_middle=_optional_text(attributes, "name-middle"),
        name_last=_optional_text(attributes, "name-last"),
        session_token=session_token if isinstance(session_token, str) and session_token else None,
    )


class PersonaClient:
    """
    Persona's inquiries API, configured from ``IDV_PERSONA`` (or the keyword arguments).

    Create one per unit of work (a request, a command run); it holds a ``requests.Session``.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        api_root: str | None = None,
        timeout: float | None = None,
    ) -> None:
        from idv_persona.provider import PersonaProvider  # the provider's module imports this one

        config = PersonaProvider.config()
        self.api_key = config["API_KEY"] if api_key is None else api_key
        self.api_root = str(config["API_ROOT"] if api_root is None else api_root).rstrip("/")
        self.timeout = float(config["TIMEOUT_SECONDS"] if timeout is None else timeout)
        self.session = requests.Session()
        retry = Retry(
            total=MAX_RETRIES,
            connect=MAX_RETRIES,
            read=MAX_RETRIES,
            status=MAX_RETRIES,
            other=0,
            redirect=0,
            backoff_factor=BACKOFF_FACTOR,
            status_forcelist=RETRY_STATUSES,
            # POST is safe to retry here only because every POST carries an Idempotency-Key.
            allowed_methods=frozenset({"GET", "POST", "DELETE"}),
            raise_on_status=False,
            respect_retry_after_header=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update(
            {
                "Authorization": f"Bearer {self.api_key}",
                "Persona-Version": PERSONA_API_VERSION,
                "Accept": "application/json",
            }
        )

    def create_inquiry(
        self,
        *,
        reference_id: str,
        template_id: str,
        environment_id: str = "",
        fields: dict[str, str] | None = None,
    ) -> Inquiry:
        """
        ``POST /inquiries``: create an inquiry from ``template_id`` for ``reference_id``.

        ``fields`` prefill the inquiry's fields (Persona's ``data.attributes.fields``, such as
        ``name-first``); they are sent, never logged.

        Raises:
            PersonaUnavailable, PersonaRequestRejected, PersonaInvalidResponse.
        """
        attributes: dict[str, Any] = {"inquiry-template-id": template_id, "reference-id": reference_id}
        if environment_id:
            attributes["environment-id"] = environment_id
        if fields:
            attributes["fields"] = dict(fields)
        body = self._request("POST", "/inquiries", json={"data": {"attributes": attributes}})
        return parse_inquiry(body.get("data"))

    def resume_inquiry(self, inquiry_id: str) -> Inquiry:
        """
        ``POST /inquiries/{id}/resume``: get a session token to continue a pending inquiry.

        Persona refuses (409) to resume a completed, failed, decisioned or redacted inquiry.

        Raises:
            PersonaUnavailable, PersonaRequestRejected, PersonaInvalidResponse.
        """
        body = self._request("POST", f"/inquiries/{quote(inquiry_id, safe='')}/resume")
        meta = body.get("meta")
        token = meta.get("session-token") if isinstance(meta, dict) else None
        return parse_inquiry(body.get("data"), session_token=token)

    def retrieve_inquiry(self, inquiry_id: str) -> Inquiry:
        """
        ``GET /inquiries/{id}``: the inquiry's current status and verified name.

        Raises:
            PersonaUnavailable, PersonaRequestRejected, PersonaInvalidResponse.
        """
        body = self._request("GET", f"/inquiries/{quote(inquiry_id, safe='')}")
        return parse_inquiry(body.get("data"))

    def redact_inquiry(self, inquiry_id: str) -> Inquiry:
        """
        ``DELETE /inquiries/{id}`` (Persona's "Redact an Inquiry"): Persona deletes the inquiry's PII for
        good, keeps its status and times, and answers the redacted inquiry (then sends
        ``inquiry.redacted``). Idempotent, so retried like a GET.

        Raises:
            PersonaUnavailable, PersonaRequestRejected (404: Persona has no such inquiry),
            PersonaInvalidResponse.
        """
        body = self._request("DELETE", f"/inquiries/{quote(inquiry_id, safe='')}")
        return parse_inquiry(body.get("data"))

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = {}
        if method == "POST":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        url = f"{self.api_root}{path}"
        try:
            response = self.session.request(
                method,
                url,
                headers=headers,
                timeout=(min(self.timeout, 5.0), self.timeout),
                **kwargs,
            )
        except requests.RequestException as error:
            log.warning("Persona %s %s failed after retries: %s", method, path, type(error).__name__)
            raise PersonaUnavailable(f"Persona could not be reached ({type(error).__name__}).") from error
        if response.status_code >= 500:
            log.warning("Persona %s %s answered %s after retries.", method, path, response.status_code)
            raise PersonaUnavailable(f"Persona answered {response.status_code}.")
        if response.status_code >= 400:
            titles = _error_titles(response)
            log.error("Persona %s %s answered %s: %s", method, path, response.status_code, titles)
            raise PersonaRequestRejected(
                f"Persona answered {response.status_code}: {titles}", status_code=response.status_code
            )
        try:
            body = response.json()
        except ValueError as error:
            raise PersonaInvalidResponse(f"Persona's answer to {method} {path} is not JSON.") from error
        if not isinstance(body, dict):
            raise PersonaInvalidResponse(f"Persona's answer to {method} {path} is not a JSON object.")
        return body


def _error_titles(response: requests.Response) -> str:
    """The ``title`` of each JSON:API error (Persona's titles name the problem, not the person)."""
    try:
        errors = response.json().get("errors")
    except (ValueError, AttributeError):
        return "(no JSON:API error body)"
    if not isinstance(errors, list):
        return "(no JSON:API error body)"
    titles = [str(error.get("title"))[:200] for error in errors if isinstance(error, dict)]
    return "; ".join(titles) or "(no error title)"


def parse_timestamp(value: str) -> datetime:
    """
    Parse Persona's ISO 8601 times (``2024-03-16T12:00:00.000Z``) into UTC; a naive time is taken as UTC.

    Raises:
        ValueError: not ISO 8601, or outside the years 1970 to 9998.
    """
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{value!r} is out of range") from None
    if not 1970 <= parsed.year <= 9998:
        raise ValueError(f"{value!r} is out of range")
    return parsed
