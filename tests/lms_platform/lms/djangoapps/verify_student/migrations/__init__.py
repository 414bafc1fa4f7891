"""Migrations of the stand-in ``verify_student`` app (tests only)."""
