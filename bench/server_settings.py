"""
Settings of the server ``python -m bench.webhook_server`` runs under gunicorn: the demo host (its apps,
middleware, plugin wiring, URLs and its Persona settings, whose webhook secret the simulator signs with)
on the local MariaDB, in the benchmark's own database, configured as an LMS runs: DEBUG off,
ATOMIC_REQUESTS on, persistent database connections, Celery tasks sent to a broker (the local Redis, db
``IDV_BENCH_REDIS_DB``, 11 by default) for a worker to run, not run in the request. The URLs add a no-op
view (the server's ceiling).
``IDV_BENCH_NO_RECEIVERS=1`` also installs bench.no_receivers: the IDV events are sent, nobody listens.
"""

import os

from demo_site.settings import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "bench.server_urls"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.mysql",
        "NAME": os.environ.get("IDV_BENCH_WEB_DATABASE", "idv_bench_web"),
        "USER": "root",
        "HOST": "127.0.0.1",
        "PORT": "3306",
        "OPTIONS": {"charset": "utf8mb4", "isolation_level": "read committed"},
        "ATOMIC_REQUESTS": True,
        "CONN_MAX_AGE": 60,
    }
}

# As the LMS runs them: edx-name-affirmation's receiver queues a Celery task; a worker (another process,
# another machine in production) files the verified name. bench.webhook_server starts one after the load.
CELERY_BROKER_URL = f"redis://127.0.0.1:6379/{int(os.environ.get('IDV_BENCH_REDIS_DB', '11'))}"
CELERY_TASK_ALWAYS_EAGER = False

if os.environ.get("IDV_BENCH_NO_RECEIVERS") == "1":
    INSTALLED_APPS = [*INSTALLED_APPS, "bench.no_receivers"]  # noqa: F405
