"""
The demo's Celery app, configured from the Django settings whose names start with ``CELERY_``.

edx-name-affirmation updates verified names in ``shared_task``s. The demo has no broker and no worker, so
settings make every task run eagerly, in the process that sent the event (``CELERY_TASK_ALWAYS_EAGER``).
"""

from celery import Celery

app = Celery("demo_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
