"""
The learner's pages in headless Chromium, against the demo as ``make demo`` serves it (issue 14):

- "Your institution's sign-in" ends verified through the demo's own OpenID Connect identity provider;
- every learner page passes axe-core's WCAG 2.2 A and AA rules (choose a provider, each provider's start
  page, the status page, the Persona simulator's hosted flow and its result, the demo IdP's sign-in page);
- the Persona flow can be done with the keyboard alone (``keyboard.press`` only);
- the status is announced (a live region) and a 255-character name wraps instead of widening the page.

axe-core comes from npm, pinned in the Makefile (``make axe-core``, a prerequisite of ``make
test-integration``). The axe results are written to build/axe-results.json (not committed).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser import axe_violations, chromium, has_horizontal_overflow, log_in, served_demo
from tests.demo_host import REPO_ROOT

pytestmark = pytest.mark.integration

LONG_NAME = "W" * 255  # the longest name idv_core keeps, without a space to break at
MAX_TABS = 40


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_demo(tmp_path_factory.mktemp("learner-pages")) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    contexts = []

    def make(width: int = 1100) -> Any:
        context = browser.new_context(viewport={"width": width, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def test_institution_sign_in_ends_verified_in_chromium(demo_url: str, new_page: Any) -> None:
    from playwright.sync_api import expect

    page = new_page()
    log_in(page, demo_url, "learner")
    page.get_by_role("navigation").get_by_role("link", name="Verify my identity").click()
    page.get_by_role("link", name="Verify with Your institution's sign-in").click()
    page.wait_for_url(f"{demo_url}/idv/sso")
    expect(page.get_by_test_id("idv-status")).to_have_attribute("data-status", "none")
    page.get_by_role("button", name="Sign in with Demo University").click()

    # The demo's identity provider: its own sign-in and consent page.
    page.wait_for_url(f"{demo_url}/demo-idp/authorize?**")
    expect(page.get_by_role("heading", name="Sign in to Demo University")).to_be_visible()
    expect(page.get_by_label("Username")).to_have_value("learner")
    page.get_by_label("Password").fill("learner")
    page.get_by_role("button", name="Sign in and share").click()

    # Back on the site, verified by the sign-in, with the name the IdP has on record.
    page.wait_for_url(f"{demo_url}/idv/sso")
    status = page.get_by_test_id("idv-status")
    expect(status).to_have_attribute("data-status", "approved")
    expect(status).to_have_attribute("role", "status")
    page.goto(f"{demo_url}/idv/status")
    row = page.get_by_test_id("idv-attempt").first
    expect(row).to_contain_text("Lee Learner")
    expect(row).to_contain_text("sso")


def _axe_results(demo_url: str, new_page: Any) -> dict[str, list[dict[str, Any]]]:
    results: dict[str, list[dict[str, Any]]] = {}
    page = new_page()
    log_in(page, demo_url, "denied")
    for label, path in [
        ("choose a provider (/idv/verify)", "/idv/verify"),
        ("manual: start page", "/idv/manual/start"),
        ("sso: start page", "/idv/sso"),
        ("status page", "/idv/status"),
    ]:
        page.goto(f"{demo_url}{path}")
        results[label] = axe_violations(page)
    # Persona's start page: its button (a POST) sends the learner to the hosted flow (the simulator).
    page.goto(f"{demo_url}/idv/persona/start")
    results["persona: start page"] = axe_violations(page)
    page.get_by_test_id("idv-provider-start").click()
    page.wait_for_url(f"{demo_url}/persona-simulator/verify?**")
    results["persona: the simulator's hosted flow"] = axe_violations(page)
    page.get_by_test_id("persona-sim-name-first").fill(LONG_NAME)
    page.get_by_test_id("persona-sim-approve").click()
    page.wait_for_load_state()
    results["persona: the simulator refusing a long name"] = axe_violations(page)
    page.goto(f"{demo_url}/idv/sso")
    page.get_by_role("button", name="Sign in with Demo University").click()
    page.wait_for_url(f"{demo_url}/demo-idp/authorize?**")
    results["demo IdP: sign-in page"] = axe_violations(page)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in and share").click()
    page.wait_for_load_state()
    results["demo IdP: sign-in refused"] = axe_violations(page)
    return results


def test_learner_pages_pass_axe_wcag_22_aa(demo_url: str, new_page: Any) -> None:
    results = _axe_results(demo_url, new_page)
    (REPO_ROOT / "build").mkdir(exist_ok=True)
    (REPO_ROOT / "build" / "axe-results.json").write_text(json.dumps(results, indent=2))
    assert len(results) == 9
    assert {label: violations for label, violations in results.items() if violations} == {}


def _tab_to(page: Any, test_id: str) -> None:
    """Press Tab until the element with ``data-testid=test_id`` has the focus."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate("id => document.activeElement?.dataset?.testid === id", test_id):
            return
    pytest.fail(f"{MAX_TABS} presses of Tab never reached {test_id} on {page.url}")


def test_the_persona_flow_works_with_the_keyboard_alone(demo_url: str, new_page: Any) -> None:
    from playwright.sync_api import expect

    page = new_page()
    log_in(page, demo_url, "expired")
    page.goto(f"{demo_url}/idv/verify")
    _tab_to(page, "idv-start")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{demo_url}/idv/persona/start**")
    _tab_to(page, "idv-provider-start")  # the start page's button (starts are POSTs)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{demo_url}/persona-simulator/verify?**")
    # The learner's name is prefilled: Tab through the fields to Approve, and press Enter.
    expect(page.get_by_test_id("persona-sim-name-first")).to_have_value("Eve")
    expect(page.get_by_test_id("persona-sim-name-last")).to_have_value("Expired")
    _tab_to(page, "persona-sim-approve")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{demo_url}/idv/status**")
    status = page.get_by_test_id("idv-status")
    expect(status).to_have_attribute("role", "status")  # a live region: the change is announced
    # The webhook may land just after the learner: the page asks again by itself and updates the region.
    expect(status).to_have_attribute("data-status", "approved", timeout=60_000)
    expect(status).to_contain_text("Verified until")


@pytest.mark.parametrize("width", [1100, 375])
def test_a_255_character_name_wraps_without_widening_the_page(
    demo_url: str, new_page: Any, width: int
) -> None:
    page = new_page(width)
    log_in(page, demo_url, "staff")
    page.goto(f"{demo_url}/idv/manual/start")
    if page.get_by_test_id("idv-manual-request").count():  # the first run asks; the second finds it asked
        page.locator("input[name=name]").fill(LONG_NAME)
        page.get_by_role("button", name="Ask for a review").click()
        page.wait_for_load_state()
    page.goto(f"{demo_url}/idv/status")
    assert LONG_NAME in page.get_by_test_id("idv-attempt").first.inner_text()
    assert not has_horizontal_overflow(page)
