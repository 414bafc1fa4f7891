"""
Settings of idv_core: their defaults, their documentation, and how the plugin applies them to a host.

The host's own value always wins, whether the host defines it before or after ``add_plugins`` runs:
``plugin_settings`` only fills in what is missing. Code reads these through
``idv_core.conf.idv_setting`` so that a host that does not run ``add_plugins`` gets the same defaults.
"""

from __future__ import annotations

from typing import Any

IDV_PAGE_URL_FILTER_TYPE = "org.openedx.learning.idv.page.url.requested.v1"
DEFAULT_PROVIDER_URL_STEP = "idv_core.pipeline.DefaultProviderVerifyURL"

DEFAULTS: dict[str, Any] = {
    # .. setting_name: IDV_DAYS_GOOD_FOR
    # .. setting_default: 365
    # .. setting_description: How many days an approval lasts when the provider gives no expiration:
    #   an attempt that becomes approved without an expiration gets now + this many days.
    "IDV_DAYS_GOOD_FOR": 365,
    # .. setting_name: IDV_ENABLED_PROVIDERS
    # .. setting_default: None
    # .. setting_description: The ids of the providers learners may use, in the order they are offered.
    #   None enables every installed provider (sorted by id). Ids of providers that are not installed are
    #   reported by ``manage.py check`` (idv_core.W003) and otherwise ignored.
    "IDV_ENABLED_PROVIDERS": None,
    # .. setting_name: IDV_DEFAULT_PROVIDER
    # .. setting_default: None
    # .. setting_description: The id of the provider that ``get_verify_url`` sends learners to. None means the
    #   first enabled provider. It must be enabled (``manage.py check`` reports idv_core.E002 otherwise).
    "IDV_DEFAULT_PROVIDER": None,
    # .. setting_name: IDV_VERIFY_URL
    # .. setting_default: "/idv/verify"
    # .. setting_description: The verification page URL that ``get_verify_url`` starts from before the
    #   ``IDVPageURLRequested`` filter runs. The default is this plugin's "Verify my identity" page.
    "IDV_VERIFY_URL": "/idv/verify",
    # .. setting_name: IDV_EVENT_BUS_PRODUCER_CONFIG
    # .. setting_default: {}
    # .. setting_description: Which IDV events go to the Open edX event bus through idv_core's
    #   transactional outbox, in the shape of openedx-events' ``EVENT_BUS_PRODUCER_CONFIG``:
    #   ``{event_type: {topic: {"event_key_field": "idv_attempt.user.id", "enabled": True}}}``, topics
    #   without ``EVENT_BUS_TOPIC_PREFIX``. Each enabled (event type, topic) gets an outbox row written in
    #   the transaction of the change, delivered by ``manage.py idv_relay_events`` or the Celery task
    #   ``idv_core.tasks.relay_idv_events`` through the bus of ``EVENT_BUS_PRODUCER`` (edx-event-bus-redis).
    #   An event type listed here must not also be enabled in ``EVENT_BUS_PRODUCER_CONFIG``
    #   (idv_core.E007). Empty: no outbox rows are written at all.
    "IDV_EVENT_BUS_PRODUCER_CONFIG": {},
    # .. setting_name: IDV_EVENT_BUS_OUTBOX_RETENTION_DAYS
    # .. setting_default: 7
    # .. setting_description: How many days a delivered outbox record is kept (for replay and audit)
    #   before the relay deletes it. Undelivered records are never deleted.
    "IDV_EVENT_BUS_OUTBOX_RETENTION_DAYS": 7,
    # .. setting_name: IDV_EVENT_BUS_RELAY_BATCH_SIZE
    # .. setting_default: 100
    # .. setting_description: How many outbox records the relay reads per batch.
    "IDV_EVENT_BUS_RELAY_BATCH_SIZE": 100,
    # .. setting_name: IDV_EVENT_BUS_RELAY_POLL_SECONDS
    # .. setting_default: 1.0
    # .. setting_description: How long ``idv_relay_events`` waits before looking again when nothing is
    #   pending (the latency of an event on the bus is at most about this much).
    "IDV_EVENT_BUS_RELAY_POLL_SECONDS": 1.0,
    # .. setting_name: IDV_EVENT_BUS_RELAY_MAX_BACKOFF_SECONDS
    # .. setting_default: 30.0
    # .. setting_description: The longest wait between two tries while the bus is unreachable (the wait
    #   doubles from 0.5 s up to this).
    "IDV_EVENT_BUS_RELAY_MAX_BACKOFF_SECONDS": 30.0,
    # .. setting_name: IDV_EVENT_BUS_RELAY_LEASE_SECONDS
    # .. setting_default: 60
    # .. setting_description: Only one relay sends at a time (that keeps each attempt's events in order);
    #   it renews its lease before each batch. A relay that died without releasing it is replaced after
    #   this many seconds. Keep it above IDV_EVENT_BUS_RELAY_MAX_BACKOFF_SECONDS.
    "IDV_EVENT_BUS_RELAY_LEASE_SECONDS": 60,
    # .. setting_name: IDV_EVENT_BUS_RELAY_SOCKET_TIMEOUT_SECONDS
    # .. setting_default: None
    # .. setting_description: How long the relay waits for Redis to connect, and then for each answer,
    #   before it gives the send up and retries later (with the same stream id, so Redis never stores a
    #   record twice). redis-py's own retries are off on the relay's connection. None: a quarter of
    #   IDV_EVENT_BUS_RELAY_LEASE_SECONDS, at most 5 seconds. Twice this must stay below the lease
    #   (idv_core.E006): a relay stalled on a frozen Redis gives up before another relay may take its lease.
    "IDV_EVENT_BUS_RELAY_SOCKET_TIMEOUT_SECONDS": None,
    # .. setting_name: IDV_PLATFORM_MIRROR
    # .. setting_default: "auto"
    # .. setting_description: Inside the LMS, mirror every attempt into the platform's own
    #   ``verify_student.VerificationAttempt`` table, in the same transaction, so that the LMS's
    #   ``IDVerificationService`` (certificates, dashboard, grade reports, the MFEs) sees our verifications,
    #   and send our events with the platform row's id. "auto": on when the app
    #   ``lms.djangoapps.verify_student`` is installed and its model has the fields the mirror needs;
    #   True: required (``manage.py check`` reports idv_core.E009 when the model is missing or lacks a
    #   field, and writes refuse to run without it); False: never. See docs/lms.rst.
    "IDV_PLATFORM_MIRROR": "auto",
    # .. setting_name: IDV_INCLUDE_PLATFORM_VERIFICATIONS
    # .. setting_default: True
    # .. setting_description: Inside the LMS, ``is_user_verified``, ``get_verified_user_ids`` and
    #   ``get_user_verification_status`` also count what the platform already knows (photo, SSO and manual
    #   verifications, generic attempts not written by openedx-idv), asked through the platform's
    #   ``IDVerificationService`` only when our own table has no current approval. No effect outside the LMS.
    "IDV_INCLUDE_PLATFORM_VERIFICATIONS": True,
    # .. setting_name: IDV_COURSE_URL
    # .. setting_default: "/courses/{course_id}/course/"
    # .. setting_description: Where "Back to your course" leads a learner who came to verify from a course
    #   (the LMS adds ``?course_id=`` to its verify links) and ends verified, when no same-site ``next`` was
    #   given. ``{course_id}`` is replaced by the URL-quoted course id; empty: no such link.
    "IDV_COURSE_URL": "/courses/{course_id}/course/",
    # .. setting_name: IDV_START_RATE_LIMIT
    # .. setting_default: "5/h"
    # .. setting_description: How many new verification attempts one learner may start with one provider
    #   in a period: ``"<count>/<period>"``, the period in seconds or with a unit ``s``, ``m``, ``h`` or
    #   ``d`` (``"5/h"``, ``"20/d"``, ``"3/10m"``); None for no limit. Counted in the attempts table, under
    #   the learner's start lock, so racing starts cannot exceed it. Resuming the learner's open attempt is
    #   not a new start and is never limited. Past the limit the start page answers 429 with a
    #   ``Retry-After`` header, and nothing is created (no attempt, no vendor inquiry). A malformed value is
    #   reported by ``manage.py check`` (idv_core.E013).
    "IDV_START_RATE_LIMIT": "5/h",
}


def plugin_settings(settings: Any) -> None:
    """
    Apply idv_core's defaults to the host's settings, keeping every value the host already set.

    Also installs the ``IDVPageURLRequested`` pipeline step that answers with the default provider's start
    URL, at the front of that filter's pipeline, so an operator gets it without editing
    ``OPEN_EDX_FILTERS_CONFIG``; steps the operator configured run after it and may replace the URL.
    """
    for name, default in DEFAULTS.items():
        if not hasattr(settings, name):
            setattr(settings, name, default)

    filters_config = dict(getattr(settings, "OPEN_EDX_FILTERS_CONFIG", None) or {})
    filter_config = filters_config.get(IDV_PAGE_URL_FILTER_TYPE)
    if isinstance(filter_config, str):
        filter_config = {"pipeline": [filter_config]}
    elif isinstance(filter_config, list):
        filter_config = {"pipeline": filter_config}
    else:
        filter_config = dict(filter_config or {})
    pipeline = list(filter_config.get("pipeline", []))
    if DEFAULT_PROVIDER_URL_STEP not in pipeline:
        pipeline.insert(0, DEFAULT_PROVIDER_URL_STEP)
    filter_config["pipeline"] = pipeline
    filter_config.setdefault("fail_silently", True)
    filters_config[IDV_PAGE_URL_FILTER_TYPE] = filter_config
    settings.OPEN_EDX_FILTERS_CONFIG = filters_config
