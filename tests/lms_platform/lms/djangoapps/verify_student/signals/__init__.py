"""Stands in for the platform's ``lms.djangoapps.verify_student.signals`` package, for tests only."""
