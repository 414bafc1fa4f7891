"""Stands in for the platform's ``openedx.core.djangoapps`` package, for tests only."""
