"""Stands in for the platform's ``openedx.core.djangoapps.user_api.accounts`` package, for tests only."""
