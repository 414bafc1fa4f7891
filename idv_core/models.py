"""
The one generic table every identity-verification provider writes to.

Only ``idv_core.api`` writes it: saving a model instance directly skips the status rules and the events.
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.manager import HistoryManager
from simple_history.models import HistoricalRecords

from idv_core.statuses import VerificationAttemptStatus

NAME_MAX_LENGTH = 255
#: The permission to read learners' verified names over the REST API (``idv_core.view_verified_name``).
VIEW_VERIFIED_NAME_PERMISSION = "idv_core.view_verified_name"
PROVIDER_MAX_LENGTH = 64
EXTERNAL_ID_MAX_LENGTH = 255


class AttemptHistoryManager(HistoryManager):
    """
    django-simple-history's manager of an attempt's history, with its manager class built once.

    simple-history reaches the history model through ``attempt.history`` on every save it records, and its
    descriptor builds that manager's class anew each time (``from_queryset``: a new class, Django's
    ``inspect.getmembers`` over the queryset class): 111 us a change, 2.5 us with the class built once
    (about 4% of a Persona webhook's CPU). The class built for one queryset class is the same every time.
    """

    @classmethod
    def from_queryset(cls, queryset_class: type, class_name: str | None = None) -> type:
        return _history_manager_class(cls, queryset_class, class_name)


@functools.cache
def _history_manager_class(
    manager: type[HistoryManager], queryset_class: type, class_name: str | None
) -> type:
    return super(AttemptHistoryManager, manager).from_queryset(queryset_class, class_name)


class VerificationAttempt(models.Model):
    """
    One attempt of one user to verify their identity, with whichever provider.

    "No external id" is stored as NULL, so the plain unique constraint on (provider, external_id) holds
    on every database (MySQL/MariaDB ignore conditional unique constraints) and leaves attempts without
    an external id unconstrained. Every change is kept, with who made it and why, in the history table.

    .. pii: ``name`` is the name being ID-verified (a legal name); the history table keeps every past
       value. The user's username and email reach events through the user, not through this table.
    .. pii_types: name
    .. pii_retirement: local_api
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idv_attempts")
    name = models.CharField(max_length=NAME_MAX_LENGTH, help_text=_("The name being ID-verified."))
    status = models.CharField(
        max_length=32,
        # The admin's labels, translated; the stored values are the statuses' (idv_core.statuses).
        choices=[
            (VerificationAttemptStatus.CREATED.value, _("Created")),
            (VerificationAttemptStatus.PENDING.value, _("Pending")),
            (VerificationAttemptStatus.APPROVED.value, _("Approved")),
            (VerificationAttemptStatus.DENIED.value, _("Denied")),
        ],
        default=VerificationAttemptStatus.CREATED.value,
    )
    expiration_datetime = models.DateTimeField(
        null=True, blank=True, help_text=_("When an approval stops counting. Empty on an approval: never.")
    )
    hide_status_from_user = models.BooleanField(
        default=False, help_text=_("Leave this attempt out of what the learner is shown about their status.")
    )
    provider = models.CharField(
        max_length=PROVIDER_MAX_LENGTH,
        blank=True,
        default="",
        help_text=_("Id of the provider that owns it."),
    )
    # NULL, not "", means "no external id" so that the unique constraint leaves those rows alone.
    # On MySQL/MariaDB this column and ``provider`` compare exactly (binary collation, migration 0002).
    external_id = models.CharField(  # noqa: DJ001
        max_length=EXTERNAL_ID_MAX_LENGTH,
        null=True,
        blank=True,
        help_text=_("The provider's own reference (e.g. a Persona inquiry id). Unique per provider."),
    )
    # Inside the LMS: the id of the platform's verify_student.VerificationAttempt row that mirrors this
    # attempt (idv_core.platform_mirror). A plain integer, not a foreign key: idv_core's migrations must
    # not depend on the LMS, and the platform deletes its rows on its own (retirement, its admin).
    platform_attempt_id = models.BigIntegerField(
        null=True,
        blank=True,
        unique=True,
        help_text=_("The id of the LMS's verify_student VerificationAttempt mirroring this attempt, if any."),
    )
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)
    # The attempt's status events are numbered 1, 2, 3... in commit order: a change numbers its events under
    # the row lock, in its own transaction. After the commit, the in-process signals of an event go out only
    # if no later-numbered event went out before it (docs/decisions/0006-events-in-commit-order.rst).
    event_sequence = models.PositiveIntegerField(
        default=0, editable=False, help_text=_("The number of the attempt's last status event.")
    )
    events_sent_sequence = models.PositiveIntegerField(
        default=0, editable=False, help_text=_("The number of the last status event sent in-process.")
    )

    history = HistoricalRecords(
        excluded_fields=["event_sequence", "events_sent_sequence"], history_manager=AttemptHistoryManager
    )

    class Meta:
        verbose_name = _("verification attempt")
        permissions = [
            # Staff without it get the attempts with every name redacted (idv_core.rest_api.v1).
            ("view_verified_name", "Can read learners' verified names through the REST API"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "external_id"], name="idv_attempt_provider_external_id"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=VerificationAttemptStatus.values()),
                name="idv_attempt_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(external_id=""), name="idv_attempt_external_id_null_not_blank"
            ),
        ]
        indexes = [
            # is_user_verified / get_verified_user_ids: user and status equality, expiration range.
            models.Index(
                fields=["user", "status", "expiration_datetime"], name="idv_attempt_user_status_exp"
            ),
            # Providers' housekeeping (e.g. reconciling attempts stuck in created/pending).
            models.Index(fields=["provider", "status", "modified"], name="idv_attempt_provider_status"),
            # One learner's attempts a page at a time, newest first (/idv/status, the REST list): read
            # backwards, without sorting the learner's other attempts.
            models.Index(fields=["user", "id"], name="idv_attempt_user_id"),
            # The admin's date hierarchy (its first and last dates, then a range per year, month, day).
            models.Index(fields=["created"], name="idv_attempt_created"),
        ]

    def __str__(self) -> str:
        # Never include the name: this string reaches logs and admin messages.
        return f"VerificationAttempt {self.pk} of user {self.user_id} ({self.status})"


TOPIC_MAX_LENGTH = 255


class OutboxEvent(models.Model):
    """
    One IDV event waiting for (or delivered to) the Open edX event bus: the transactional outbox.

    Written in the same transaction as the attempt change it announces, one row per event and bus topic,
    only when ``IDV_EVENT_BUS_PRODUCER_CONFIG`` routes the event type to a topic. The relay
    (``manage.py idv_relay_events`` or the ``idv_core.tasks.relay_idv_events`` Celery task) sends the rows
    in ``id`` order and sets ``delivered`` once the bus confirmed the message; delivered rows are deleted
    after ``IDV_EVENT_BUS_OUTBOX_RETENTION_DAYS``. ``attempt_id`` and ``user_id`` are plain integers, not
    foreign keys: an event that was committed must still go out if its attempt or user is deleted later.

    .. pii: ``payload`` is the event's ``VerificationAttemptData`` in the openedx-events Avro dict form:
       the verified name, and the learner's username, email and full name.
    .. pii_types: name, username, email_address
    .. pii_retirement: local_api
    """

    event_id = models.UUIDField(
        help_text=_("The event's CloudEvents id (EventsMetadata.id), as sent in-process.")
    )
    event_type = models.CharField(max_length=255)
    topic = models.CharField(max_length=TOPIC_MAX_LENGTH, help_text=_("The bus topic, without the prefix."))
    event_key_field = models.CharField(max_length=255, blank=True, default="")
    attempt_id = models.BigIntegerField(help_text=_("The verification attempt the event is about."))
    sequence = models.PositiveIntegerField(
        default=0, help_text=_("The event's number among its attempt's events (commit order).")
    )
    user_id = models.BigIntegerField(help_text=_("The learner, for retirement."))
    payload = models.JSONField(help_text=_("The signal's data in the openedx-events Avro dict form."))
    metadata = models.JSONField(help_text=_("The event's EventsMetadata (id, time, source...)."))
    created = models.DateTimeField(auto_now_add=True)
    delivered = models.DateTimeField(
        null=True, blank=True, help_text=_("When the bus confirmed the message.")
    )
    message_id = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text=_(
            "The Redis stream id chosen for the message before its first try and kept for every retry "
            "(so Redis refuses a second copy); confirmed once 'delivered' is set."
        ),
    )
    tries = models.PositiveIntegerField(default=0, help_text=_("How many times the relay tried to send it."))
    next_try = models.DateTimeField(
        null=True, blank=True, help_text=_("A record that could not be encoded waits until then.")
    )
    last_error = models.CharField(
        max_length=255, blank=True, default="", help_text=_("No PII: a class name.")
    )

    class Meta:
        verbose_name = _("event-bus outbox record")
        constraints = [
            models.UniqueConstraint(fields=["event_id", "topic"], name="idv_outbox_event_topic"),
        ]
        indexes = [
            # The relay's scan (undelivered, in id order) and the pruning (delivered before a date).
            models.Index(fields=["delivered"], name="idv_outbox_delivered"),
            # Retirement scrubs a user's payloads.
            models.Index(fields=["user_id"], name="idv_outbox_user"),
            # The admin changelist's filters list the distinct values: read from an index, not the table.
            models.Index(fields=["event_type"], name="idv_outbox_event_type"),
            models.Index(fields=["topic"], name="idv_outbox_topic"),
        ]

    def __str__(self) -> str:
        # Never include the payload: it is PII.
        state = "delivered" if self.delivered else "pending"
        return f"OutboxEvent {self.pk} {self.event_type} of attempt {self.attempt_id} ({state})"


class OutboxRelayLease(models.Model):
    """
    Who may relay the outbox now: one relay at a time keeps the per-attempt order.

    A relay renews its lease before every batch; a relay that died loses it when ``expires`` passes.

    .. no_pii: Only a process identifier (host name, process id) and a time.
    """

    name = models.CharField(max_length=64, primary_key=True)
    owner = models.CharField(max_length=255)
    expires = models.DateTimeField()

    class Meta:
        verbose_name = _("event-bus relay lease")

    def __str__(self) -> str:
        return f"OutboxRelayLease {self.name} held by {self.owner} until {self.expires:%Y-%m-%d %H:%M:%S}"


class StartLock(models.Model):
    """
    One row per learner and provider that ever started a verification: the row a start locks, so that
    concurrent starts of one learner with one provider run one at a time (``idv_core.starts``) and
    converge on one open attempt and one vendor inquiry.

    Written with an upsert that takes the row's exclusive lock at once (``INSERT ... ON DUPLICATE KEY
    UPDATE`` on MySQL/MariaDB), so that racing first starts never deadlock on the new key.

    .. no_pii: A user id, a provider id and a time.
    """

    user_id = models.BigIntegerField(help_text="The learner starting a verification.")
    provider = models.CharField(max_length=PROVIDER_MAX_LENGTH)
    last_start = models.DateTimeField(help_text="When the learner last started with this provider.")

    class Meta:
        verbose_name = "verification start lock"
        constraints = [
            models.UniqueConstraint(fields=["user_id", "provider"], name="idv_start_lock_user_provider"),
        ]

    def __str__(self) -> str:
        return f"StartLock of user {self.user_id} with {self.provider}"


WEBHOOK_EVENT_ID_MAX_LENGTH = 255


class ProcessedWebhookEvent(models.Model):
    """
    One vendor callback a provider applied: its event id (so a redelivery changes nothing) and when the
    vendor says it happened (so an older event arriving late does not undo a newer one).

    Written by ``idv_core.webhooks.record_webhook_event``, for any provider. ``provider`` and ``event_id``
    compare exactly on MySQL/MariaDB (binary collation, migration 0005): vendor ids are case-sensitive.

    .. no_pii: A provider id, the vendor's event id, the attempt's id and times.
    """

    provider = models.CharField(max_length=PROVIDER_MAX_LENGTH)
    event_id = models.CharField(max_length=WEBHOOK_EVENT_ID_MAX_LENGTH, help_text=_("The vendor's event id."))
    attempt_id = models.BigIntegerField(null=True, blank=True, help_text=_("The attempt the event is about."))
    occurred_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the vendor says the event happened (its own clock).")
    )
    received = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("processed webhook event")
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="idv_webhook_provider_event"),
        ]
        indexes = [
            # "Has a newer event of this attempt been applied?"
            models.Index(fields=["provider", "attempt_id", "occurred_at"], name="idv_webhook_attempt_time"),
        ]

    def __str__(self) -> str:
        return f"ProcessedWebhookEvent {self.provider}:{self.event_id} (attempt {self.attempt_id})"
