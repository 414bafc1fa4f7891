"""
The demo host project: a small Django site standing in for the LMS (see ``demo/manage.py``).

The Celery app is imported here, as Celery's Django guide does, so that it is the current app before any
``shared_task`` of a plugin (edx-name-affirmation's) is called.
"""

from demo_site.celery_app import app as celery_app

__all__ = ["celery_app"]
