"""Stands in for the platform's ``openedx.core.djangoapps.user_api`` package, for tests only."""
