"""Stands in for the platform's ``openedx.core.djangoapps.plugins`` app, for tests only."""
