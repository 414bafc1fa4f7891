"""Stands in for edx-proctoring's ``signals``, for tests only: the signal edx-name-affirmation imports."""

from django.dispatch import Signal

#: edx-proctoring sends it when a proctored exam attempt's status changes (never sent in these tests).
exam_attempt_status_signal = Signal()
