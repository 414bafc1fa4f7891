"""
Stands in for edx-proctoring (installed in every real LMS), for tests only.

Only what edx-name-affirmation's plugin receivers import: its ``signals_config`` for ``lms.djangoapp`` names
``edx_proctoring.signals.exam_attempt_status_signal`` and the sender
``edx_proctoring.models.ProctoredExamStudentAttempt``, and edx-django-utils' ``connect_plugin_receivers``
imports both. Nothing sends the signal and nothing stores attempts here.
"""
