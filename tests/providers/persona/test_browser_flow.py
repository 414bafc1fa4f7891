"""
The whole Persona flow in a real browser (headless Chromium, Playwright), against the demo host.

The demo runs as ``make demo`` runs it: ``demo/manage.py`` migrate, ``idv_demo_setup`` and ``runserver``,
in a subprocess, on a fresh SQLite file and a free port on 127.0.0.1, with the Persona simulator that the
demo serves itself. A learner logs in, clicks "Verify my identity", approves on the simulator's hosted
flow and comes back verified; a staff member then finds the attempt and its history in the admin.
Screenshots go to build/browser-flow/ (not committed). Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import dateformat, timezone

from tests.browser import chromium, log_in, served_demo
from tests.demo_host import REPO_ROOT

pytestmark = pytest.mark.integration

SCREENSHOTS = REPO_ROOT / "build" / "browser-flow"
# The verified name the learner confirms on the simulator's page (the demo's "learner" is Lee Learner).
VERIFIED_FIRST, VERIFIED_LAST = "Leona", "Learner-Okafor"


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo host, served by ``runserver`` on a fresh SQLite database, set up as ``make demo`` does."""
    with served_demo(tmp_path_factory.mktemp("browser-demo")) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's headless Chromium, driven by Playwright (no browser download)."""
    with chromium() as launched:
        yield launched


def _approval_dates() -> set[str]:
    # The provider approves for IDV_PERSONA["DAYS_GOOD_FOR"] (365) days from now; the core renders the
    # date in DATE_FORMAT. Either side of midnight UTC is accepted.
    today = timezone.now()
    return {dateformat.format(today + timedelta(days=365 + offset), "N j, Y") for offset in (0, 1)}


def test_learner_verifies_with_persona_and_staff_sees_the_history(demo_url: str, browser: object) -> None:
    from playwright.sync_api import expect

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        # The learner: not verified, "Verify my identity", then the verify page's start button.
        log_in(page, demo_url, "learner")
        expect(page.get_by_test_id("idv-status")).to_have_attribute("data-status", "none")
        page.get_by_role("navigation").get_by_role("link", name="Verify my identity").click()
        page.wait_for_load_state()
        assert page.url == f"{demo_url}/idv/verify"
        page.get_by_test_id("idv-start").click()
        # The start page: nothing is created until the learner presses its button (a CSRF-protected POST).
        page.get_by_test_id("idv-provider-start").click()

        # Persona's hosted flow, played by the simulator: the inquiry the provider created, then Approve.
        flow = page.get_by_test_id("persona-sim-flow")
        expect(flow).to_be_visible()
        assert page.url.startswith(f"{demo_url}/persona-simulator/verify?inquiry-id=inq_")
        expect(flow).to_have_attribute("data-status", "pending")
        page.get_by_test_id("persona-sim-name-first").fill(VERIFIED_FIRST)
        page.get_by_test_id("persona-sim-name-last").fill(VERIFIED_LAST)
        page.screenshot(path=str(SCREENSHOTS / "1-simulator-hosted-flow.png"), full_page=True)
        page.get_by_test_id("persona-sim-approve").click()

        # Back on the site (redirect-uri, then the status page), verified with the simulator's name.
        page.wait_for_url(f"{demo_url}/idv/status**")
        status = page.get_by_test_id("idv-status")
        for _ in range(20):  # the webhook may land just after the learner: reload, as a learner would
            if status.get_attribute("data-status") == "approved":
                break
            time.sleep(0.5)
            page.reload()
        expect(status).to_have_attribute("data-status", "approved")
        text = " ".join(status.inner_text().split())
        match = re.fullmatch(r"Verified until (.+)\.", text)
        assert match, text
        assert match.group(1) in _approval_dates()
        row = page.get_by_test_id("idv-attempt").first
        expect(row).to_contain_text(f"{VERIFIED_FIRST} {VERIFIED_LAST}")
        expect(row).to_contain_text("approved")
        expect(row).to_contain_text("persona")
        page.screenshot(path=str(SCREENSHOTS / "2-learner-verified.png"), full_page=True)

        # Staff: the attempt in the admin, and its history with every status it went through.
        page.get_by_role("button", name="Log out").click()
        page.wait_for_load_state()
        log_in(page, demo_url, "staff")
        page.goto(f"{demo_url}/admin/idv_core/verificationattempt/?provider__exact=persona&q=learner")
        rows = page.locator("#result_list tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Approved")
        rows.first.locator("th a").click()
        page.wait_for_load_state()
        assert re.search(r"/admin/idv_core/verificationattempt/\d+/change/(\?|$)", page.url), page.url
        content = page.locator("#content")
        expect(content).to_contain_text(f"{VERIFIED_FIRST} {VERIFIED_LAST}")
        expect(content).to_contain_text("Approved")
        page.get_by_role("link", name="History").click()
        page.wait_for_load_state()
        assert re.search(r"/admin/idv_core/verificationattempt/\d+/history/(\?|$)", page.url), page.url
        history = page.locator("#change-history")
        expect(history).to_be_visible()
        # One row per change, newest first: approved (Persona's verdict by webhook), pending (the inquiry
        # completed), then the attempt's creation; each with its reason in the audit trail.
        rows = page.locator("#change-history tbody tr").all_inner_texts()
        statuses = [row.split("\t")[1] for row in rows]  # the columns: object, then status...
        assert statuses == ["approved", "pending", "created", "created"], rows
        page.screenshot(path=str(SCREENSHOTS / "3-admin-history.png"), full_page=True)
    finally:
        context.close()
