"""
Running the demo host (``demo/manage.py``) from tests: a subprocess on its own database and port, with
nothing of the test suite's configuration (settings module, test provider path), contacting 127.0.0.1 only.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from idv_core.testing.processes import stop_process

REPO_ROOT = Path(__file__).resolve().parent.parent
MANAGE = REPO_ROOT / "demo" / "manage.py"
COMMAND_TIMEOUT = 180
SERVER_START_TIMEOUT = 30


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_env(database_url: str, base_url: str | None = None) -> dict[str, str]:
    """The environment of a demo process on ``database_url`` (served at ``base_url``, if given)."""
    env = {
        key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE", "PYTHONPATH"}
    }
    env["DATABASE_URL"] = database_url
    if base_url is not None:
        env["DEMO_BASE_URL"] = base_url
    # Only 127.0.0.1 is contacted, directly, whatever proxy the environment names.
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``demo/manage.py *args``; the caller checks the result."""
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )


def manage_ok(env: dict[str, str], *args: str) -> str:
    """Run ``demo/manage.py *args``, fail the test if it fails, return its output."""
    result = manage(env, *args)
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@contextmanager
def serving(env: dict[str, str], base_url: str, log_path: Path) -> Iterator[None]:
    """Serve the demo with ``runserver`` at ``base_url`` (logging to ``log_path``) until the block ends."""
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, str(MANAGE), "runserver", "--noreload", base_url.removeprefix("http://")],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_serving(server, base_url, log_path)
        yield
    finally:
        stop_process(server, timeout=10)


def _wait_until_serving(server: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        assert server.poll() is None, f"runserver exited:\n{log_path.read_text()}"
        try:
            opener.open(f"{base_url}/login/", timeout=5).close()
        except OSError:
            time.sleep(0.2)
        else:
            return
    pytest.fail(f"runserver did not answer within {SERVER_START_TIMEOUT} s:\n{log_path.read_text()}")
