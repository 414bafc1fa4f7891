"""
Stands in for the platform's ``lms/djangoapps/verify_student`` app (student identity verification), for tests
only.

Written from the platform's documented behaviour (shared/reference/lms-verify-student.md), not copied from it.
"""
