"""
Stands in for the platform's ``lms`` package, for tests only.

As the LMS's own ``lms/__init__.py`` does, importing the package creates the Celery app (``lms.celery``), so
that every ``shared_task`` (edx-name-affirmation's included) binds to it.
"""

from lms.celery import APP as CELERY_APP

__all__ = ["CELERY_APP"]
