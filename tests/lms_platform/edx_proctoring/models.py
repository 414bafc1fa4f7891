"""
Stands in for edx-proctoring's ``models`` module, for tests only.

Only what edx-name-affirmation's plugin receivers import: ``ProctoredExamStudentAttempt`` is used as a signal
sender, so a plain class is enough (it is NOT a Django model: no table, no app).
"""


class ProctoredExamStudentAttempt:
    """The sender edx-name-affirmation's ``post_delete`` receiver names (nothing is ever deleted here)."""
