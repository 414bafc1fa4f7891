"""
Django admin for verification attempts: read-only, with the audit trail (django-simple-history).

Attempts change only through ``idv_core.api`` (status rules, events). Staff actions that change them
(approve, deny) belong to a provider's admin, e.g. openedx-idv-manual, which calls the API.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from idv_core.models import OutboxEvent, VerificationAttempt


@admin.register(VerificationAttempt)
class VerificationAttemptAdmin(SimpleHistoryAdmin):
    """Browse and search attempts and their history; never edit them here."""

    list_display = (
        "id",
        "user",
        "status",
        "provider",
        "external_id",
        "expiration_datetime",
        "created",
        "modified",
    )
    list_filter = ("status", "provider", "hide_status_from_user")
    search_fields = ("user__username", "user__email", "=external_id")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    date_hierarchy = "created"
    ordering = ("-id",)
    readonly_fields = [field.name for field in VerificationAttempt._meta.fields]
    history_list_display = ("status", "expiration_datetime", "hide_status_from_user")

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Attempts are created by providers through idv_core.api (which sends the events)."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Read-only: a change made here would skip the status rules and the events."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Attempts are kept: deny or hide one instead (through the API)."""
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(admin.ModelAdmin):
    """See what waits for the event bus and why; the relay alone changes these records."""

    list_display = ("id", "event_type", "topic", "attempt_id", "created", "delivered", "tries", "last_error")
    list_filter = ("event_type", "topic", ("delivered", admin.EmptyFieldListFilter))
    search_fields = ("=attempt_id", "=user_id", "=event_id")
    ordering = ("-id",)
    # The payload is PII (names, username, email): not shown.
    exclude = ("payload",)
    readonly_fields = [field.name for field in OutboxEvent._meta.fields if field.name != "payload"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Records are written by idv_core.api only."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Read-only."""
        return False
