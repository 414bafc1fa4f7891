"""
The demo's Celery app, configured from the Django settings whose names start with ``CELERY_``.

edx-name-affirmation updates verified names in ``shared_task``s. By default the demo has no broker and no
worker, so its settings make every task run eagerly, in the process that sent the event; with
``DEMO_CELERY_BROKER_URL`` set, tasks go to that broker and a ``celery -A demo_site worker`` runs them.
"""

from celery import Celery

app = Celery("demo_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
# A worker (`celery -A demo_site worker`) finds the plugin apps' tasks modules, as the LMS's does.
app.autodiscover_tasks()
