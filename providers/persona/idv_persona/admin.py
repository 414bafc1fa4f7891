"""Read-only admin pages for the Persona provider's own records (the attempts are in idv_core's admin)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from idv_persona.models import PersonaInquiry, PersonaRedaction, PersonaWebhookEvent, PersonaWebhookFailures


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shows the rows; nobody adds, changes or deletes them by hand (they mirror Persona's records)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PersonaInquiry)
class PersonaInquiryAdmin(ReadOnlyAdmin):
    """Which Persona inquiry verifies which attempt, and the newest status applied."""

    list_display = ("inquiry_id", "attempt_id", "status", "last_event_at", "modified")
    list_filter = ("status",)
    search_fields = ("=inquiry_id",)


@admin.register(PersonaWebhookEvent)
class PersonaWebhookEventAdmin(ReadOnlyAdmin):
    """The webhook events processed, with what each did."""

    list_display = ("event_id", "name", "inquiry_id", "outcome", "event_created_at", "received")
    list_filter = ("outcome", "name")
    search_fields = ("=event_id", "=inquiry_id")


@admin.register(PersonaRedaction)
class PersonaRedactionAdmin(ReadOnlyAdmin):
    """The inquiries of retired learners Persona is asked to redact, pending or done."""

    list_display = ("inquiry_id", "requested", "redacted_at", "tries", "last_error")
    list_filter = (("redacted_at", admin.EmptyFieldListFilter),)
    search_fields = ("=inquiry_id",)


@admin.register(PersonaWebhookFailures)
class PersonaWebhookFailuresAdmin(ReadOnlyAdmin):
    """The webhook deliveries refused, counted per minute and HTTP status (the last day)."""

    list_display = ("minute", "status_code", "count")
    list_filter = ("status_code",)
    ordering = ("-minute", "status_code")
