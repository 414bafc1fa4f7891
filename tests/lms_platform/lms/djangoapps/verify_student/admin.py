"""Stands in for the platform's ``lms/djangoapps/verify_student/admin.py``, for tests only."""

from django.contrib import admin

from lms.djangoapps.verify_student.models import (
    ManualVerification,
    SoftwareSecurePhotoVerification,
    SSOVerification,
    VerificationAttempt,
)


@admin.register(VerificationAttempt)
class VerificationAttemptAdmin(admin.ModelAdmin):
    """The generic attempts: staff can edit every field (the platform's admin is not read-only)."""

    list_display = ("id", "user", "name", "status", "expiration_datetime")
    raw_id_fields = ("user",)
    search_fields = ("user__username", "name")


@admin.register(SoftwareSecurePhotoVerification)
class SoftwareSecurePhotoVerificationAdmin(admin.ModelAdmin):
    """The photo verifications."""

    list_display = ("id", "user", "status", "receipt_id", "updated_at")
    raw_id_fields = ("user",)
    search_fields = ("receipt_id", "user__username")


@admin.register(SSOVerification)
class SSOVerificationAdmin(admin.ModelAdmin):
    """The SSO verifications."""

    list_display = ("id", "user", "status", "identity_provider_slug", "created_at", "updated_at")
    readonly_fields = ("user", "identity_provider_slug", "identity_provider_type")
    raw_id_fields = ("user",)
    search_fields = ("user__username", "identity_provider_slug")


@admin.register(ManualVerification)
class ManualVerificationAdmin(admin.ModelAdmin):
    """The manual verifications."""

    list_display = ("id", "user", "status", "reason", "created_at", "updated_at")
    raw_id_fields = ("user",)
    search_fields = ("user__username", "reason")
