"""
Stands in for the platform's ``lms/celery.py``, for tests only: the LMS's Celery app.

Configured from the Django settings whose names start with ``CELERY_``; LMS mode (tests/settings_lms.py) has
no broker and makes every task run eagerly, in the process that queued it, as the LMS's test settings do.

One difference from plain eager mode, to stay close to a real LMS: an eagerly run task runs in its own
savepoint. In the LMS a task runs in a worker, in its own transaction, so a task's database error (for example
edx-name-affirmation's task failing on an ``IDV_ATTEMPT_*`` event whose ``name`` is None) fails only that task
and never the request that queued it; here the savepoint is rolled back and the error is raised to the sender
(``send_robust`` logs it), leaving the caller's transaction usable.
"""

from typing import Any

from celery import Celery, Task
from django.db import transaction


class LMSTask(Task):
    """The LMS app's task base: eager runs are isolated in a savepoint, as a worker's own transaction is."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self.request.is_eager:
            return super().__call__(*args, **kwargs)
        with transaction.atomic():
            return super().__call__(*args, **kwargs)


APP = Celery("lms", task_cls=LMSTask)
APP.config_from_object("django.conf:settings", namespace="CELERY")
APP.set_default()
