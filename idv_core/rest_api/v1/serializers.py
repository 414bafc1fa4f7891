"""Serializers of idv_core's REST API: the immutable API records as JSON."""

from rest_framework import serializers


class UserVerificationStatusSerializer(serializers.Serializer):
    """A learner's verification, summed up (``idv_core.data.UserVerificationStatus``)."""

    status = serializers.CharField(help_text="none, created, pending, approved, denied or expired")
    is_verified = serializers.BooleanField()
    expiration_datetime = serializers.DateTimeField(allow_null=True)
    attempt_id = serializers.IntegerField(allow_null=True)


class VerificationAttemptSerializer(serializers.Serializer):
    """
    One attempt (``idv_core.data.VerificationAttemptRecord``). ``name`` is PII: null unless the requester
    has the ``idv_core.view_verified_name`` permission.
    """

    id = serializers.IntegerField()
    user_id = serializers.IntegerField()
    name = serializers.CharField(allow_null=True)
    status = serializers.CharField()
    provider = serializers.CharField()
    external_id = serializers.CharField()
    expiration_datetime = serializers.DateTimeField(allow_null=True)
    hide_status_from_user = serializers.BooleanField()
    created = serializers.DateTimeField()
    modified = serializers.DateTimeField()
