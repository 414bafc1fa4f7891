"""
Driving the demo in a real browser: Debian's headless Chromium through Playwright (no browser download),
the demo served as ``make demo`` serves it, and axe-core (from npm, pinned in the Makefile) for WCAG checks.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.demo_host import REPO_ROOT, demo_env, free_port, manage_ok, serving

CHROMIUM = "/usr/bin/chromium"
#: axe-core's browser bundle; `make axe-core` (a prerequisite of `make test-integration`) puts it there.
AXE_JS = Path(os.environ.get("IDV_AXE_JS", REPO_ROOT / "build" / "axe-core" / "axe.min.js"))
#: The WCAG 2.2 A and AA rules (axe-core's tags): what the learner pages must pass.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@contextmanager
def served_demo(directory: Path) -> Iterator[str]:
    """The demo host served by ``runserver`` on a fresh SQLite database, set up as ``make demo`` does."""
    base_url = f"http://127.0.0.1:{free_port()}"
    env = demo_env(f"sqlite:///{directory / 'db.sqlite3'}", base_url)
    manage_ok(env, "migrate", "--noinput", "-v", "0")
    manage_ok(env, "idv_demo_setup", "--url", f"{base_url}/")
    log_path = directory / "runserver.log"
    try:
        with serving(env, base_url, log_path):
            yield base_url
    finally:
        # The server's log names no learner (no PII in logs): show it when something failed.
        print(log_path.read_text())  # noqa: T201


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's headless Chromium, driven by Playwright."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (the CI image has it).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def log_in(page: Any, base_url: str, username: str, next_path: str = "/") -> None:
    """Log in through the demo's login page (the demo's password is the username)."""
    page.goto(f"{base_url}/login/?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", username)
    page.click("[type=submit]")
    page.wait_for_load_state()
    assert page.get_by_test_id("demo-username").inner_text() == username


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """
    Run axe-core's WCAG 2.2 A/AA rules on the page as it is; return the violations (id, impact, nodes).

    axe-core is injected with ``page.add_script_tag`` from the file ``make axe-core`` downloads.
    """
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `make axe-core` (make test-integration does).")
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "nodes": [" ".join(node["target"]) for node in violation["nodes"]],
        }
        for violation in result["violations"]
    ]


def has_horizontal_overflow(page: Any) -> bool:
    """Whether the page is wider than the window (a long word pushing it out)."""
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")
