"""Stands in for the platform's ``openedx.core.djangoapps.user_api.verification_api``, for tests only."""
