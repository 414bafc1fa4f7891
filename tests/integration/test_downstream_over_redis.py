"""
A real downstream app across processes: edx-name-affirmation, its Celery tasks on the real Redis broker run
by a separate ``celery worker`` process, the demo host on the real MariaDB.

An approval made in one process must become an approved ``VerifiedName`` with the verified name, written by
the worker, and a change that is rolled back must reach nobody: idv_core sends its events after the commit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from idv_core.testing.processes import celery_worker_command
from tests.integration import mariadb

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = REPO_ROOT / "demo"
DATABASE = "idv_it_downstream"
REDIS_DB = 15
WAIT_SECONDS = 60

# Each learner is created in the same transaction as their attempts: a task that ran before the commit
# could not see the user. The third transaction rolls back: nothing of it may reach name-affirmation.
WRITE_ATTEMPTS = """
import json
from django.contrib.auth import get_user_model
from django.db import transaction
from idv_core import api
User = get_user_model()
with transaction.atomic():
    ada = User.objects.create(username="ada", email="ada@example.org", first_name="Ada", last_name="Lovelace")
    approved = api.create_verification_attempt(ada, "Augusta Ada King", "created", provider="persona")
    api.update_verification_attempt(approved, status="pending")
    api.update_verification_attempt(approved, status="approved")
try:
    with transaction.atomic():
        carl = User.objects.create(username="carl", email="carl@example.org")
        api.create_verification_attempt(carl, "Carl Rolledback", "approved")
        raise RuntimeError("roll back")
except RuntimeError:
    pass
with transaction.atomic():
    bob = User.objects.create(username="bob", email="bob@example.org")
    denied = api.create_verification_attempt(bob, "Robert Roe", "pending")
    api.update_verification_attempt(denied, status="denied")
print(json.dumps({"approved": approved, "denied": denied}))
"""

READ_VERIFIED_NAMES = """
import json
from edx_name_affirmation.models import VerifiedName
print(json.dumps(sorted(
    [n.user.username, n.verified_name, n.status, n.platform_verification_attempt_id]
    for n in VerifiedName.objects.select_related("user")
)))
"""


@pytest.fixture
def demo_env():
    """A fresh MariaDB database and Redis db for the demo host; both removed afterwards."""
    # Imported here: the default suite collects this module in an environment without the clients.
    import MySQLdb
    import redis

    database = settings.DATABASES["default"]
    broker = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB)
    try:
        broker.ping()
    except redis.ConnectionError as error:
        pytest.exit(
            f"Redis is not reachable at 127.0.0.1:6379 ({error}). Start it (shared/design/services.md) "
            "and run `make test-integration` again.",
            returncode=4,
        )
    broker.flushdb()
    server = MySQLdb.connect(**mariadb.server_kwargs())
    server.cursor().execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    server.cursor().execute(f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    env.update(
        DATABASE_URL=f"mysql://{database['USER']}{password}@{database['HOST']}:{database['PORT']}/{DATABASE}",
        DEMO_CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        DEMO_DEBUG="0",
        PYTHONPATH=os.pathsep.join([str(DEMO_DIR), str(REPO_ROOT)]),
    )
    yield env
    server.cursor().execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    server.close()
    broker.flushdb()


def _manage(env, *args):
    result = subprocess.run(
        [sys.executable, str(DEMO_DIR / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _last_json_line(output):
    return json.loads([line for line in output.splitlines() if line.startswith(("{", "["))][-1])


def test_name_affirmation_follows_approvals_and_denials_through_a_redis_worker(demo_env):
    _manage(demo_env, "migrate", "--noinput", "-v", "0")
    worker = subprocess.Popen(
        celery_worker_command("demo_site", loglevel="INFO"),
        cwd=DEMO_DIR,
        env={**demo_env, "DJANGO_SETTINGS_MODULE": "demo_site.settings"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        ids = _last_json_line(_manage(demo_env, "shell", "-c", WRITE_ATTEMPTS))
        deadline = time.monotonic() + WAIT_SECONDS
        names = []
        while time.monotonic() < deadline:
            names = _last_json_line(_manage(demo_env, "shell", "-c", READ_VERIFIED_NAMES))
            if [row[2] for row in names] == ["approved", "denied"]:
                break
            time.sleep(1)
    finally:
        worker.terminate()
        worker_log, _ = worker.communicate(timeout=30)
    assert names == [
        ["ada", "Augusta Ada King", "approved", ids["approved"]],
        ["bob", "Robert Roe", "denied", ids["denied"]],
    ], worker_log[-3000:]
    # The tasks ran in the worker process, one per status entered: ada created, pending, approved; bob
    # created, pending, denied. The rolled-back transaction (carl) sent none: sent before the commit, its
    # two tasks would reach the worker (and wait there on the uncommitted user row).
    received = [
        line
        for line in worker_log.splitlines()
        if "idv_update_verified_name_task[" in line and "received" in line
    ]
    assert len(received) == 6, worker_log[-3000:]
    assert worker_log.count("] succeeded in") == 6
