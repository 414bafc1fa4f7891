"""
``python -m bench.persona_webhook``: Persona webhook requests per second through the whole Django stack.

Creates ``--inquiries`` Persona attempts (default 1,000; provider ``persona``, status ``created``, each with
its inquiry id, written through the core API alone, so the first webhook also creates the provider's own
inquiry row), then POSTs, through Django's test client (URL routing, the middleware an LMS runs, the
view), three signed events per inquiry in Persona's order: ``inquiry.started`` (-> pending),
``inquiry.completed`` (stays pending) and ``inquiry.approved`` (-> approved, with the verified name). Each
request checks the HMAC signature over the raw body, parses the event, records its id and applies it in
a transaction. Then every ``inquiry.approved`` is delivered again: duplicates, answered without a change.
Prints requests per second and latency (median, p95) for each kind. ``--mysql``: the local MariaDB.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import statistics
import sys
import time
from types import ModuleType

from bench.host import argument_parser, start_django

SECRET = "wbhsec_bench_secret"  # noqa: S105 -- a benchmark-only webhook secret


def _parse() -> argparse.Namespace:
    parser = argument_parser("python -m bench.persona_webhook", __doc__)
    parser.add_argument("--inquiries", type=int, default=1_000, help="inquiries (default 1000)")
    return parser.parse_args()


def _configure_host(bench_settings: ModuleType) -> None:
    """Add to the bench host what a Persona webhook needs: the provider's app, its URLs and LMS middleware."""
    bench_settings.INSTALLED_APPS = [
        *bench_settings.INSTALLED_APPS,
        "django.contrib.sessions",
        "django.contrib.messages",
        "idv_persona",
    ]
    bench_settings.MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    ]
    bench_settings.ROOT_URLCONF = "bench.persona_webhook_urls"
    bench_settings.ALLOWED_HOSTS = ["testserver"]
    bench_settings.IDV_PERSONA = {
        "API_KEY": "persona_sandbox_bench",
        "INQUIRY_TEMPLATE_ID": "itmpl_bench",
        "API_ROOT": "http://127.0.0.1:9/api/v1",  # never called: webhooks only
        "WEBHOOK_SECRETS": [SECRET],
    }


def webhook_body(name: str, event_id: str, inquiry_id: str, status: str, created_at: str) -> bytes:
    """A Persona webhook event about ``inquiry_id``, as Persona sends it."""
    attributes = {"status": status, "reference-id": "openedx-user-1", "created-at": created_at}
    if status == "approved":
        attributes.update({"name-first": "Ada", "name-middle": None, "name-last": "Lovelace"})
    event = {
        "type": "event",
        "id": event_id,
        "attributes": {
            "name": name,
            "created-at": created_at,
            "payload": {"data": {"type": "inquiry", "id": inquiry_id, "attributes": attributes}},
        },
    }
    return json.dumps({"data": event}).encode()


def signature(body: bytes, secret: str = SECRET) -> str:
    """The ``Persona-Signature`` header of ``body``, signed now with ``secret``."""
    t = int(time.time())
    return f"t={t},v1={hmac.new(secret.encode(), f'{t}.'.encode() + body, hashlib.sha256).hexdigest()}"


def main() -> int:
    """Set up Django and the attempts, post the webhooks, print the figures."""
    options = _parse()
    start_django(mysql=options.mysql, configure=_configure_host)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from idv_core import api

    prefix = "bench-persona-"
    User = get_user_model()
    if options.mysql:  # a clean slate in the benchmark's database
        from idv_core.models import VerificationAttempt
        from idv_persona.models import PersonaInquiry, PersonaWebhookEvent

        PersonaWebhookEvent.objects.filter(inquiry_id__startswith="inq_bench").delete()
        PersonaInquiry.objects.filter(inquiry_id__startswith="inq_bench").delete()
        VerificationAttempt.history.filter(provider="persona", external_id__startswith="inq_bench").delete()
        VerificationAttempt.objects.filter(provider="persona", external_id__startswith="inq_bench").delete()
        User.objects.filter(username__startswith=prefix).delete()
    users = User.objects.bulk_create(
        [User(username=f"{prefix}{i}") for i in range(options.inquiries)], batch_size=2000
    )
    if users[0].pk is None:  # backends that do not return ids from bulk_create
        users = list(User.objects.filter(username__startswith=prefix).order_by("pk"))
    inquiry_ids = [f"inq_bench{i:08d}" for i in range(options.inquiries)]
    for user, inquiry_id in zip(users, inquiry_ids, strict=True):
        api.create_verification_attempt(
            user, "Ada Lovelace", "created", provider="persona", external_id=inquiry_id
        )
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"{options.inquiries} persona attempts (created, through the core API alone)")

    client = Client()
    steps = [
        ("inquiry.started", "pending", "2026-01-01T10:00:00.000Z"),
        ("inquiry.completed", "completed", "2026-01-01T10:05:00.000Z"),
        ("inquiry.approved", "approved", "2026-01-01T10:06:00.000Z"),
    ]
    timings: dict[str, list[float]] = {}
    approved_bodies = []
    statuses: dict[int, int] = {}

    def post(kind: str, body: bytes) -> None:
        started = time.perf_counter()
        response = client.post(
            "/idv/persona/webhook",
            data=body,
            content_type="application/json",
            HTTP_PERSONA_SIGNATURE=signature(body),
        )
        timings.setdefault(kind, []).append(time.perf_counter() - started)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    for number, (name, status, created_at) in enumerate(steps):
        for i, inquiry_id in enumerate(inquiry_ids):
            body = webhook_body(name, f"evt_bench{number}_{i:08d}", inquiry_id, status, created_at)
            post(name, body)
            if status == "approved":
                approved_bodies.append(body)
    for body in approved_bodies:
        post("duplicate inquiry.approved", body)

    approved = len(api.get_verified_user_ids(user.pk for user in users))
    print(
        f"responses: {dict(sorted(statuses.items()))}; attempts approved: {approved} of {options.inquiries}"
    )
    print()
    print(f"{'webhook':32} {'requests':>9} {'median ms':>10} {'p95 ms':>8} {'requests/s':>11}")
    every = []
    for kind, values in timings.items():
        every.extend(values)
        values_ms = sorted(v * 1000 for v in values)
        p95 = values_ms[int(len(values_ms) * 0.95) - 1]
        rate = len(values) / sum(values)
        print(f"{kind:32} {len(values):9} {statistics.median(values_ms):10.2f} {p95:8.2f} {rate:11.0f}")
    print(f"{'all':32} {len(every):9} {'':>10} {'':>8} {len(every) / sum(every):11.0f}")
    return 0 if statuses == {200: len(every)} and approved == options.inquiries else 1


if __name__ == "__main__":
    sys.exit(main())
