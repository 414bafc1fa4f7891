"""
Django admin for verification attempts: read-only, with the audit trail (django-simple-history).

Attempts change only through ``idv_core.api`` (status rules, events). Staff actions that change them
(approve, deny) belong to a provider's admin, e.g. openedx-idv-manual, which calls the API.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from idv_core import names
from idv_core.models import OutboxEvent, VerificationAttempt

try:  # django-simple-history 3.5+ shows each version's changed values; older releases have no helper
    from simple_history.template_utils import HistoricalRecordContextHelper
except ImportError:  # pragma: no cover - the 3.4 floor
    HistoricalRecordContextHelper = None


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """
    A SimpleHistoryAdmin whose history pages only show: a "revert" POST is refused (403), for everyone.

    django-simple-history's ``history_form_view`` saves the old version on any POST from a user who may
    *view* the history: ``revert_disabled`` (and ``SIMPLE_HISTORY_REVERT_DISABLED``) only hide the button,
    and its own permission check accepts the view permission. Our models change only through
    ``idv_core.api`` (status rules, events), so reverting is disabled outright, whatever the permissions.
    """

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        """Always: no "Revert" button, and the history pages are titled "View"."""
        return True

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        """Show an old version; refuse any method but GET and HEAD, before simple-history can save it."""
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied(_("Past versions are read-only; change an attempt through idv_core.api."))
        return super().history_form_view(request, object_id, version_id, extra_context)


class _DisplayNameHistoryHelper(HistoricalRecordContextHelper or object):  # type: ignore[misc]
    def prepare_delta_change_value(self, change: Any, value: Any) -> Any:
        value = super().prepare_delta_change_value(change, value)
        return names.for_display(value) if change.field == "name" and isinstance(value, str) else value


@admin.register(VerificationAttempt)
class VerificationAttemptAdmin(ReadOnlyHistoryAdmin):
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
    # "created" as a filter (today, past 7 days, this month, this year: ranges on its index), not a
    # date_hierarchy, whose first level lists the distinct dates of the whole table.
    list_filter = ("status", "provider", "hide_status_from_user", "created")
    search_fields = ("user__username", "user__email", "=external_id")
    # No JOIN in the changelist's query: with one, MySQL/MariaDB may read the users first and sort the
    # whole join (a filesort over every attempt); the page's users come in one more query (get_queryset).
    # () and not False: False makes Django join every foreign key of list_display.
    list_select_related = ()
    raw_id_fields = ("user",)
    ordering = ("-id",)
    # The name is shown through verified_name (escaped markers for invisible characters), never raw.
    exclude = ("name",)
    readonly_fields = [
        "verified_name" if field.name == "name" else field.name for field in VerificationAttempt._meta.fields
    ]
    history_list_display = ("status", "expiration_datetime", "hide_status_from_user")

    def get_queryset(self, request: HttpRequest) -> Any:
        """The attempts with their users fetched in one query per page (see ``list_select_related``)."""
        return super().get_queryset(request).prefetch_related("user")

    @admin.display(description=_("name"))
    def verified_name(self, obj: VerificationAttempt) -> str:
        """The name, with invisible format characters shown as markers (the stored name is unchanged)."""
        return names.for_display(obj.name)

    def get_historical_record_context_helper(self, request: HttpRequest, historical_record: Any) -> Any:
        """The history's "Changes" column shows names the way the form does (``names.for_display``)."""
        return _DisplayNameHistoryHelper(self.model, historical_record)

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
