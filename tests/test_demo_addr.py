"""``demo/demo_addr.py``: where ``make demo`` serves (the first free port from 8000, or DEMO_ADDR checked)."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

from tests.demo_host import REPO_ROOT

SCRIPT = REPO_ROOT / "demo" / "demo_addr.py"


@pytest.fixture(scope="module")
def demo_addr() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_addr", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port something listens on, for the test's duration."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_a_busy_demo_addr_stops_with_how_to_pick_another(busy_port: int) -> None:
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--check", f"127.0.0.1:{busy_port}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert f"127.0.0.1:{busy_port} is already in use" in result.stderr
    assert f"make demo DEMO_ADDR=127.0.0.1:{busy_port + 1}" in result.stderr


def test_a_malformed_demo_addr_is_refused(demo_addr: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert demo_addr.main(["--check", "8000"]) == 1
    assert "is not HOST:PORT" in capsys.readouterr().err


def test_the_first_free_port_is_taken_and_said(
    demo_addr: ModuleType, busy_port: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(demo_addr, "FIRST_PORT", busy_port)
    address = demo_addr.free_address()
    host, _, port = address.partition(":")
    assert host == "127.0.0.1"
    assert int(port) != busy_port
    assert demo_addr.is_free(host, int(port))
    assert f"port {busy_port} is in use, serving on {address} instead" in capsys.readouterr().err
    assert demo_addr.main(["--check", address]) == 0
