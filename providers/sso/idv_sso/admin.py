"""Read-only admin of the sso provider's records: which sign-in vouched for which attempt."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from idv_sso.models import SSOVerification


@admin.register(SSOVerification)
class SSOVerificationAdmin(admin.ModelAdmin):
    """Staff see which sign-in verified a learner; changes go through the attempt (idv_core's admin)."""

    list_display = ("id", "user_id", "attempt_id", "backend", "idp", "source", "created")
    list_filter = ("backend", "idp", "source")
    search_fields = ("=user__id", "=attempt_id", "=external_id")
    readonly_fields = ("user", "attempt_id", "external_id", "backend", "idp", "uid", "source", "created")

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Records are written by sign-ins and the backfill only."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: SSOVerification | None = None) -> bool:
        """Read-only: revoke a verification by denying its attempt instead."""
        return False
