"""Stands in for the platform's ``lms.djangoapps`` package, for tests only."""
