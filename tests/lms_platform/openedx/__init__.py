"""Stands in for the platform's ``openedx`` package, for tests only."""
