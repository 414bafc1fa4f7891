"""
Subprocesses a provider's integration tests (and this repository's benchmark) run beside the test: a
Celery worker as the LMS runs one, and stopping any of them without leaving it behind.
"""

from __future__ import annotations

import subprocess
import sys


def celery_worker_command(app: str, *, loglevel: str = "WARNING") -> list[str]:
    """
    The command line of a Celery worker for ``app`` (``-A``), run by this interpreter: one process (solo
    pool), no heartbeat, gossip or mingle (nothing waits for other workers), logging at ``loglevel``.
    """
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        app,
        "worker",
        "--pool=solo",
        "--without-heartbeat",
        "--without-gossip",
        "--without-mingle",
        f"--loglevel={loglevel}",
    ]


def stop_process(process: subprocess.Popen, *, timeout: float = 30) -> int:
    """
    Stop ``process``: SIGTERM, then SIGKILL if it has not ended ``timeout`` seconds later. Returns its exit
    status (a process that had already ended is left as it is).
    """
    if process.poll() is not None:
        return process.returncode
    process.terminate()
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()
