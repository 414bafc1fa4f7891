"""idv_core.testing's subprocess helpers: the Celery worker's command line, and stopping a process."""

from __future__ import annotations

import subprocess
import sys

from idv_core.testing import celery_worker_command, stop_process

# A child that says when it is ready, then waits on its stdin (it ends only when stopped).
_WAITS = "import sys; print('ready', flush=True); sys.stdin.read()"
_IGNORES_SIGTERM = (
    "import signal, sys; signal.signal(signal.SIGTERM, signal.SIG_IGN); " + _WAITS.split("; ", 1)[1]
)


def _child(code: str) -> subprocess.Popen:
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline() == "ready\n"  # its handlers are in place before it is stopped
    return child


def test_the_celery_worker_runs_alone_under_this_interpreter():
    command = celery_worker_command("demo_site", loglevel="INFO")
    assert command[:6] == [sys.executable, "-m", "celery", "-A", "demo_site", "worker"]
    assert {"--pool=solo", "--without-heartbeat", "--without-gossip", "--without-mingle"} <= set(command)
    assert command[-1] == "--loglevel=INFO"
    assert celery_worker_command("app")[-1] == "--loglevel=WARNING"


def test_stop_process_terminates_a_process():
    child = _child(_WAITS)
    assert stop_process(child) == -15  # SIGTERM
    child.stdin.close()
    child.stdout.close()


def test_stop_process_kills_a_process_that_ignores_sigterm():
    child = _child(_IGNORES_SIGTERM)
    # It ignores SIGTERM whatever the wait: killed once the wait is over (however slow the machine).
    assert stop_process(child, timeout=0.2) == -9  # SIGKILL
    child.stdin.close()
    child.stdout.close()


def test_stop_process_leaves_an_ended_process_as_it_is():
    child = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    child.wait()
    assert stop_process(child) == 3
