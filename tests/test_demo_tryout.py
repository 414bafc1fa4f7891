"""
The demo as a newcomer tries it (issue 14): served by ``runserver`` as ``make demo`` serves it, on a fresh
SQLite database and a free port on 127.0.0.1, driven over HTTP like a browser (requests, cookies kept).

- "Your institution's sign-in" ends verified: the sso provider trusts the demo's social-auth OIDC backend,
  which signs in through the demo's own identity provider (demo/demo_idp): discovery, the sign-in and
  consent page, token, UserInfo, JWKS; and that IdP refuses what an IdP must refuse.
- Persona's hosted flow (the simulator) is prefilled with the learner's name, and the happy path logs no
  warning, no 404 and no retry; a request warning is printed once, not twice; there is a favicon.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.demo_host import demo_env, free_port, manage_ok, serving

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
STATUS = re.compile(r'data-testid="idv-status" data-status="([a-z]+)"')
# How long the demo may take to record a webhook the simulator sent (it waits up to 2 s itself).
WEBHOOK_DEADLINE_SECONDS = 30


@dataclass(frozen=True)
class Demo:
    """The served demo: its base URL and its server log."""

    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@dataclass(frozen=True)
class ServedDemo(Demo):
    """The served demo, and what ``idv_demo_setup`` printed."""

    setup_output: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedDemo]:
    base_url = f"http://127.0.0.1:{free_port()}"
    directory = tmp_path_factory.mktemp("demo-tryout")
    env = demo_env(f"sqlite:///{directory / 'db.sqlite3'}", base_url)
    manage_ok(env, "migrate", "--noinput", "-v", "0")
    setup_output = manage_ok(env, "idv_demo_setup", "--url", f"{base_url}/")
    log_path = directory / "runserver.log"
    with serving(env, base_url, log_path):
        yield ServedDemo(base_url, log_path, setup_output)


def test_the_setup_says_how_to_try_every_provider(demo: ServedDemo) -> None:
    assert "Persona (the local simulator plays it)" in demo.setup_output
    assert f"Manual review: {demo.url}/idv/manual/start" in demo.setup_output
    assert f"{demo.url}/idv/sso , 'Sign in with Demo University'" in demo.setup_output


def _browser() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # 127.0.0.1 only, whatever proxy the environment names
    return session


def _post_form(
    session: requests.Session, page: requests.Response, url: str, **fields: str
) -> requests.Response:
    data = {**dict(HIDDEN.findall(page.text)), **fields}
    data["csrfmiddlewaretoken"] = CSRF.search(page.text).group(1)
    return session.post(url, data=data, headers={"Referer": page.url}, allow_redirects=False)


def _logged_in(demo: Demo, username: str) -> requests.Session:
    session = _browser()
    page = session.get(f"{demo.url}/login/")
    response = _post_form(session, page, f"{demo.url}/login/", username=username, password=username)
    assert response.status_code == 302, response.text
    return session


def _status(session: requests.Session, demo: Demo, path: str = "/idv/status") -> str:
    return STATUS.search(session.get(f"{demo.url}{path}").text).group(1)


def _to_the_idp(session: requests.Session, demo: Demo) -> requests.Response:
    """From the sso start page, "Sign in with Demo University", to the IdP's sign-in page."""
    page = session.get(f"{demo.url}/idv/sso")
    assert page.status_code == 200
    assert "Sign in with Demo University" in page.text
    option = re.search(
        r'data-testid="idv-sso-option">\s*<form method="post" action="([^"]+)">(.*?)</form>', page.text, re.S
    )
    begin = session.post(
        f"{demo.url}{option.group(1)}",
        data={
            **dict(HIDDEN.findall(option.group(2))),
            "csrfmiddlewaretoken": CSRF.search(option.group(2)).group(1),
        },
        headers={"Referer": page.url},
        allow_redirects=False,
    )
    assert begin.status_code == 302
    assert begin.headers["Location"].startswith(f"{demo.url}/demo-idp/authorize?")
    at_idp = session.get(begin.headers["Location"])
    assert at_idp.status_code == 200
    assert "Sign in to Demo University" in at_idp.text
    return at_idp


def _attempts(session: requests.Session, demo: Demo) -> list[dict]:
    return session.get(f"{demo.url}/api/idv/v1/status").json()


# --- SSO through the demo's own identity provider --------------------------------------------------------


def test_discovery_describes_the_demo_idp(demo: Demo) -> None:
    configuration = _browser().get(f"{demo.url}/demo-idp/.well-known/openid-configuration").json()
    assert configuration["issuer"] == f"{demo.url}/demo-idp"
    assert configuration["token_endpoint"] == f"{demo.url}/demo-idp/token"
    keys = _browser().get(configuration["jwks_uri"]).json()["keys"]
    assert [(key["kty"], key["alg"], key["use"]) for key in keys] == [("RSA", "RS256", "sig")]


def test_institution_sign_in_verifies_the_learner(demo: Demo) -> None:
    session = _logged_in(demo, "learner")
    assert _status(session, demo, "/idv/sso") == "none"
    at_idp = _to_the_idp(session, demo)
    # The page is the IdP's: the demo's login plays the university's directory.
    back = _post_form(
        session,
        at_idp,
        f"{demo.url}/demo-idp/authorize",
        username="learner",
        password="learner",
        action="allow",
    )
    assert back.status_code == 302
    callback = urlsplit(back.headers["Location"])
    assert callback.path == "/complete/demo-university/"
    assert set(parse_qs(callback.query)) == {"code", "state"}
    done = session.get(back.headers["Location"])
    assert done.url == f"{demo.url}/idv/sso"
    assert STATUS.search(done.text).group(1) == "approved"
    status = session.get(f"{demo.url}/idv/status").text
    row = re.search(r'<tr data-testid="idv-attempt">(.*?)</tr>', status, re.S).group(1)
    assert "Lee Learner" in row
    assert "sso" in row
    assert "Created verification attempt" in demo.log()


def test_a_wrong_password_at_the_idp_is_refused_on_its_page(demo: Demo) -> None:
    session = _logged_in(demo, "denied")
    at_idp = _to_the_idp(session, demo)
    refused = _post_form(
        session, at_idp, f"{demo.url}/demo-idp/authorize", username="denied", password="nope", action="allow"
    )
    assert refused.status_code == 400
    assert "The username or password is not right." in refused.text
    assert 'role="alert"' in refused.text
    assert _status(session, demo) == "denied"


def test_cancelling_at_the_idp_goes_back_without_a_code(demo: Demo) -> None:
    session = _logged_in(demo, "pending")
    at_idp = _to_the_idp(session, demo)
    back = _post_form(session, at_idp, f"{demo.url}/demo-idp/authorize", action="deny")
    assert back.status_code == 302
    query = parse_qs(urlsplit(back.headers["Location"]).query)
    assert query["error"] == ["access_denied"]
    assert "code" not in query
    # Back at the site: the sign-in page again, not a server error (it was a 500 with a traceback).
    landed = session.get(back.headers["Location"], allow_redirects=False)
    assert (landed.status_code, landed.headers["Location"]) == (302, "/idv/sso")
    assert "Sign in with Demo University" in session.get(f"{demo.url}/idv/sso").text
    assert "Traceback" not in demo.log()


def test_the_idp_never_redirects_to_an_unregistered_address(demo: Demo) -> None:
    response = _browser().get(
        f"{demo.url}/demo-idp/authorize",
        params={
            "client_id": "demo-lms",
            "redirect_uri": "http://127.0.0.1:9/steal",
            "response_type": "code",
            "scope": "openid",
        },
        allow_redirects=False,
    )
    assert response.status_code == 400
    assert "not registered" in response.text


def test_the_token_endpoint_refuses_bad_clients_and_codes(demo: Demo) -> None:
    token_url = f"{demo.url}/demo-idp/token"
    redirect_uri = f"{demo.url}/complete/demo-university/"
    form = {"grant_type": "authorization_code", "code": "forged", "redirect_uri": redirect_uri}
    wrong_secret = _browser().post(token_url, data=form, auth=("demo-lms", "wrong"))
    assert (wrong_secret.status_code, wrong_secret.json()) == (401, {"error": "invalid_client"})
    forged = _browser().post(token_url, data=form, auth=("demo-lms", "demo-idp-client-secret"))
    assert (forged.status_code, forged.json()) == (400, {"error": "invalid_grant"})
    userinfo = _browser().get(f"{demo.url}/demo-idp/userinfo", headers={"Authorization": "Bearer forged"})
    assert (userinfo.status_code, userinfo.json()) == (401, {"error": "invalid_token"})


def test_a_code_is_redeemed_once(demo: Demo) -> None:
    session = _logged_in(demo, "staff")
    at_idp = _to_the_idp(session, demo)
    back = _post_form(
        session, at_idp, f"{demo.url}/demo-idp/authorize", username="staff", password="staff", action="allow"
    )
    code = parse_qs(urlsplit(back.headers["Location"]).query)["code"][0]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": f"{demo.url}/complete/demo-university/",
    }
    credentials = ("demo-lms", "demo-idp-client-secret")
    first = _browser().post(f"{demo.url}/demo-idp/token", data=form, auth=credentials)
    assert first.status_code == 200
    assert set(first.json()) == {"access_token", "token_type", "expires_in", "id_token"}
    claims = (
        _browser()
        .get(
            f"{demo.url}/demo-idp/userinfo",
            headers={"Authorization": f"Bearer {first.json()['access_token']}"},
        )
        .json()
    )
    assert claims["preferred_username"] == "staff"
    second = _browser().post(f"{demo.url}/demo-idp/token", data=form, auth=credentials)
    assert (second.status_code, second.json()) == (400, {"error": "invalid_grant"})


# --- Persona's happy path, the log, the favicon ------------------------------------------------------------


def test_persona_is_prefilled_with_the_learner_s_name_and_the_happy_path_logs_no_warning(demo: Demo) -> None:
    log_before = len(demo.log())
    session = _logged_in(demo, "learner")
    start_page = session.get(f"{demo.url}/idv/persona/start")  # the verify link: a page with the button
    started = _post_form(session, start_page, f"{demo.url}/idv/persona/start")
    assert started.status_code == 302, started.text
    flow = session.get(started.headers["Location"])
    assert flow.url.startswith(f"{demo.url}/persona-simulator/verify?inquiry-id=inq_")
    assert 'name="name-first" value="Lee"' in flow.text
    assert 'name="name-last" value="Learner"' in flow.text
    back = _post_form(
        session,
        flow,
        f"{demo.url}/persona-simulator/verify",
        choice="approve",
        **{"name-first": "Lee", "name-last": "Learner"},
    )
    assert back.status_code == 302
    deadline = time.monotonic() + WEBHOOK_DEADLINE_SECONDS
    while _persona_status(session, demo) != "approved":
        assert time.monotonic() < deadline, demo.log()[log_before:]
        time.sleep(0.2)
    happy_path_log = demo.log()[log_before:]
    for symptom in ("WARNING", "Not Found", "names unknown inquiry", "will retry", "Traceback"):
        assert symptom not in happy_path_log, happy_path_log
    assert "Lee Learner" not in demo.log()  # no PII in the log


def _persona_status(session: requests.Session, demo: Demo) -> str:
    page = session.get(f"{demo.url}/idv/status").text
    rows = re.findall(r'<tr data-testid="idv-attempt">(.*?)</tr>', page, re.S)
    persona = [row for row in rows if "persona" in row]
    return "approved" if persona and "approved" in persona[0] else "not yet"


def test_a_request_warning_is_printed_once(demo: Demo) -> None:
    assert _browser().get(f"{demo.url}/no-such-page-here").status_code == 404
    deadline = time.monotonic() + WEBHOOK_DEADLINE_SECONDS
    while "Not Found: /no-such-page-here" not in demo.log():
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert demo.log().count("Not Found: /no-such-page-here") == 1


def test_every_page_has_an_icon(demo: Demo) -> None:
    icon = _browser().get(f"{demo.url}/favicon.ico")
    assert icon.status_code == 200
    assert icon.headers["Content-Type"] == "image/svg+xml"
    assert icon.text.startswith("<svg")
    assert 'rel="icon" href="/favicon.ico"' in _browser().get(f"{demo.url}/login/").text


def test_the_demo_idp_is_not_installed_anywhere_but_the_demo() -> None:
    # It lives under demo/ (on sys.path only through demo/manage.py), which no distribution packages.
    import importlib.util

    assert importlib.util.find_spec("demo_idp") is None
    assert importlib.util.find_spec("demo_site") is None
