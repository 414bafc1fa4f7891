"""
The demo host (demo/): its checks pass, ``idv_demo_setup`` is re-runnable, and the served site works.

The demo has its own settings (``demo_site.settings``) while this suite runs Django with ``tests.settings``,
so every demo command runs in a subprocess, against a temporary SQLite database. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import http.cookiejar
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest

from tests.demo_host import demo_env, free_port, manage, manage_ok, serving

# Printed by `shell -c` as one JSON line: each user's attempts (through idv_core.api) and the verified names
# edx-name-affirmation recorded (user and status only; the names themselves stay out of the output).
STATE_QUERY = """
import json
from django.contrib.auth import get_user_model
from edx_name_affirmation.models import VerifiedName
from idv_core import api
users = get_user_model().objects.order_by("username")
names = VerifiedName.objects.select_related("user")
print(json.dumps({
    "attempts": {user.username: [a.status for a in api.get_verification_attempts(user)] for user in users},
    "verified_names": sorted([name.user.username, name.status] for name in names),
}))
"""

# The demo's SECRET_KEY when DEMO_SECRET_KEY is not set: published in demo/demo_site/settings.py.
DEMO_PUBLIC_SECRET_KEY = "insecure-demo-only-key-never-use-in-production"

EXPECTED_ATTEMPTS = {
    "denied": ["denied"],
    "expired": ["approved"],
    "learner": [],
    "pending": ["pending"],
    "staff": [],
    "verified": ["approved"],
}
# What the setup's table says of each login (the learner's summed-up status).
EXPECTED_STATUS = {
    "staff": "none",
    "learner": "none",
    "verified": "approved",
    "pending": "pending",
    "expired": "expired",
    "denied": "denied",
}


def _manage_ok(database_url: str, *args: str) -> str:
    return manage_ok(demo_env(database_url), *args)


def _state(database_url: str) -> dict[str, Any]:
    return json.loads(
        _manage_ok(database_url, "shell", "-v", "0", "-c", STATE_QUERY).strip().splitlines()[-1]
    )


@dataclass(frozen=True)
class DemoDatabase:
    """A migrated temporary database on which ``idv_demo_setup`` ran twice, and what each run left."""

    url: str
    first_output: str
    first_state: dict[str, Any]
    second_output: str
    second_state: dict[str, Any]


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> DemoDatabase:
    """Migrate a temporary SQLite database and run ``idv_demo_setup`` on it twice."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'db.sqlite3'}"
    _manage_ok(url, "migrate", "--noinput", "-v", "0")
    first_output = _manage_ok(url, "idv_demo_setup")
    first_state = _state(url)
    second_output = _manage_ok(url, "idv_demo_setup")
    return DemoDatabase(url, first_output, first_state, second_output, _state(url))


def test_check_reports_no_errors(tmp_path: Path) -> None:
    result = manage(demo_env(f"sqlite:///{tmp_path / 'db.sqlite3'}"), "check")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "ERRORS" not in output


def test_setup_prints_the_logins_and_is_idempotent(demo_database: DemoDatabase) -> None:
    output = demo_database.first_output
    assert "Demo users: 6 created, 0 already existed." in output
    assert "Demo attempts: written for 4 learners, 0 already had attempts." in output
    assert "http://127.0.0.1:8000/" in output
    table = {cells[0]: cells[1:3] for cells in (line.split() for line in output.splitlines()) if cells}
    for username, status in EXPECTED_STATUS.items():
        assert table[username] == [username, status], output  # username, password (= username), status

    assert demo_database.first_state["attempts"] == EXPECTED_ATTEMPTS
    assert "Demo users: 0 created, 6 already existed." in demo_database.second_output
    assert "Demo attempts: written for 0 learners, 4 already had attempts." in demo_database.second_output
    assert demo_database.second_state == demo_database.first_state


def test_name_affirmation_recorded_the_verified_names(demo_database: DemoDatabase) -> None:
    verified_names = demo_database.second_state["verified_names"]
    assert ["verified", "approved"] in verified_names
    assert ["denied", "denied"] in verified_names
    # One per attempt, from name-affirmation's own handler and (eager) task; the second run added none.
    assert sorted(username for username, _ in verified_names) == ["denied", "expired", "pending", "verified"]


def _opener(cookies: http.cookiejar.CookieJar | None = None) -> urllib.request.OpenerDirector:
    # No proxy from the environment: only 127.0.0.1 is contacted, directly.
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
    if cookies is not None:
        handlers.append(urllib.request.HTTPCookieProcessor(cookies))
    return urllib.request.build_opener(*handlers)


def _open(opener: urllib.request.OpenerDirector, url: str, data: bytes | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(url, data=data, headers={"Accept": "application/json, text/html"})  # noqa: S310
    with opener.open(request, timeout=10) as response:
        return response.status, response.geturl(), response.read().decode()


def test_served_demo_shows_the_verified_learner(demo_database: DemoDatabase, tmp_path: Path) -> None:
    base_url = f"http://127.0.0.1:{free_port()}"
    with serving(demo_env(demo_database.url, base_url), base_url, tmp_path / "runserver.log"):
        with pytest.raises(urllib.error.HTTPError) as anonymous:
            _open(_opener(), f"{base_url}/api/idv/v1/status")
        assert anonymous.value.code == 401
        anonymous.value.close()

        cookies = http.cookiejar.CookieJar()
        session = _opener(cookies)
        status, _, login_page = _open(session, f"{base_url}/login/?next=/idv/status")
        assert status == 200
        assert 'name="csrfmiddlewaretoken"' in login_page
        csrf_token = next(cookie.value for cookie in cookies if cookie.name == "csrftoken")
        form = {
            "csrfmiddlewaretoken": csrf_token,
            "username": "verified",
            "password": "verified",
            "next": "/idv/status",
        }
        status, url, page = _open(session, f"{base_url}/login/", urllib.parse.urlencode(form).encode())
        assert (status, urllib.parse.urlsplit(url).path) == (200, "/idv/status")
        assert 'data-status="approved"' in page
        assert 'data-testid="demo-username">verified<' in page

        status, _, body = _open(session, f"{base_url}/api/idv/v1/status")
        assert status == 200
        data = json.loads(body)
        assert (data["status"], data["is_verified"]) == ("approved", True)


def _forged_tokens() -> dict[str, str]:
    """Tokens anyone could make for the demo: HS256 with its published SECRET_KEY, and unsigned (alg none)."""
    now = int(time.time())
    claims = {
        "iss": "demo-issuer",
        "aud": "demo-audience",
        "exp": now + 600,
        "iat": now,
        "preferred_username": "mallory",
        "email": "mallory@example.org",
        "administrator": True,
        "version": "1.2.0",
    }
    return {
        "hs256-public-secret-key": jwt.encode(claims, DEMO_PUBLIC_SECRET_KEY, algorithm="HS256"),
        "alg-none": jwt.encode(claims, key=None, algorithm="none"),
    }


def test_served_demo_refuses_tokens_signed_with_its_public_key_or_unsigned(
    demo_database: DemoDatabase, tmp_path: Path
) -> None:
    base_url = f"http://127.0.0.1:{free_port()}"
    with serving(demo_env(demo_database.url, base_url), base_url, tmp_path / "runserver.log"):
        for kind, token in _forged_tokens().items():
            request = urllib.request.Request(  # noqa: S310 -- 127.0.0.1 only
                f"{base_url}/api/idv/v1/users/verified/attempts", headers={"Authorization": f"JWT {token}"}
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                _opener().open(request, timeout=10)
            assert refused.value.code == 401, kind
            refused.value.close()
    # Nobody was made staff (edx-drf-extensions creates the token's user when it accepts a token).
    assert "mallory" not in _manage_ok(
        demo_database.url,
        "shell",
        "-v",
        "0",
        "-c",
        "from django.contrib.auth import get_user_model; "
        "print(list(get_user_model().objects.values_list('username', flat=True)))",
    )
