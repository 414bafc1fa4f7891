"""
Stands in for the platform's ``openedx/core/djangoapps/user_api/accounts/signals.py``, for tests only.

The retirement pipeline sends both with ``user=`` (the user being retired).
"""

from django.dispatch import Signal

#: Sent by the LMS's retirement of miscellaneous records (the platform deletes its generic attempts there).
USER_RETIRE_LMS_MISC = Signal()

#: Sent by the LMS's critical retirement step (the platform redacts its photo verifications there).
USER_RETIRE_LMS_CRITICAL = Signal()
