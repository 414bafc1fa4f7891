"""Stands in for the platform's ``openedx.core`` package, for tests only."""
