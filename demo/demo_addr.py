#!/usr/bin/env python3
"""
Where ``make demo`` serves: the first free port from 127.0.0.1:8000 on, or a check of ``DEMO_ADDR``.

``python demo/demo_addr.py`` prints the address to serve on (standard library only: it runs before the
virtualenv exists) and says on stderr when 8000 was taken. ``python demo/demo_addr.py --check HOST:PORT``
exits 1 with a message saying how to pick another address when something already listens there.
"""

from __future__ import annotations

import socket
import sys

HOST = "127.0.0.1"
FIRST_PORT = 8000
PORTS_TRIED = 20


def _say(message: str) -> None:
    sys.stderr.write(f"{message}\n")


def is_free(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now (runserver sets SO_REUSEADDR too)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_address() -> str:
    """The first free port of 8000-8019 on 127.0.0.1, else any free port the system picks."""
    for port in range(FIRST_PORT, FIRST_PORT + PORTS_TRIED):
        if is_free(HOST, port):
            break
    else:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((HOST, 0))
            port = sock.getsockname()[1]
    if port != FIRST_PORT:
        _say(
            f"make demo: port {FIRST_PORT} is in use, serving on {HOST}:{port} instead "
            f"(choose with: make demo DEMO_ADDR={HOST}:PORT)."
        )
    return f"{HOST}:{port}"


def check(address: str) -> int:
    """0 when ``address`` (HOST:PORT) is free; else 1, after saying how to pick another."""
    host, _, port = address.rpartition(":")
    if not port.isdigit() or not host:
        _say(f"make demo: DEMO_ADDR={address!r} is not HOST:PORT (for example {HOST}:8001).")
        return 1
    if is_free(host, int(port)):
        return 0
    _say(
        f"make demo: {address} is already in use. Stop what serves there, or pick another address: "
        f"make demo DEMO_ADDR={host}:{int(port) + 1} (or leave DEMO_ADDR out to take the first free port "
        f"from {FIRST_PORT})."
    )
    return 1


def main(argv: list[str]) -> int:
    """Print a free address, or check the one given after --check."""
    if len(argv) == 2 and argv[0] == "--check":
        return check(argv[1])
    if argv:
        _say("usage: demo_addr.py [--check HOST:PORT]")
        return 2
    sys.stdout.write(f"{free_address()}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
