"""
Stands in for the platform's ``lms/djangoapps/certificates`` app, for tests only: just its receiver on
``IDV_ATTEMPT_APPROVED`` (see ``signals``).
"""
