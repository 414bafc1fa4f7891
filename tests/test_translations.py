"""
Every string a learner reads is marked for translation: the learner pages, rendered in the dummy locale.

The dummy locale ("eo") is what edx-i18n-tools makes for this: ``i18n_tool dummy`` turns every msgid of a
source catalog into accented pseudo-text ("Vérïfý mý ïdéntïtý Ⱡ'σяєм#"). The fixture below does what
``make extract_translations dummy_translations`` does, for each Django app with a ``conf/locale/config.yaml``,
on a copy of the app in a temporary folder (nothing is written into the source tree, nothing generated is
committed), then compiles the dummy catalogs with gettext's ``msgfmt``. Each page is then rendered with
those catalogs first in ``LOCALE_PATHS`` and ``LANGUAGE_CODE = "eo"``: once the markup, scripts, styles and
the data the page shows (the learner's name, dates, an operator's sign-in title) are taken away, an ASCII
word of three letters or more is English that no translator could reach.

Needs gettext (``msgfmt``: the Debian package ``gettext``, which ``.ci/run`` installs) and edx-i18n-tools
(requirements/i18n.txt, installed by ``make requirements``); the tests are skipped, saying which, without.
"""

from __future__ import annotations

import html.parser
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
import responses
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.utils import translation
from django.utils.formats import date_format
from django.utils.timezone import localtime

from idv_core import api
from idv_core.providers import clear_provider_cache
from idv_core.statuses import VerificationAttemptStatus
from idv_manual.models import PendingAttempt
from tests.providers.manual.conftest import grant_review_permission

#: The Django apps whose strings are translated, each with its own conf/locale/ (the Open edX layout).
TRANSLATED_APPS = ("idv_core", "idv_manual", "idv_persona", "idv_sso", "idv_persona_simulator")
DUMMY_LOCALE = "eo"
#: Names that stay as they are in every language: brands and the vendor's own identifiers.
NOT_TRANSLATED = frozenset({"Persona"})
#: An ASCII word of three letters or more, not part of a longer word with accented letters.
ASCII_WORD = re.compile(r"(?<![^\W\d_])[A-Za-z]{3,}(?![^\W\d_])")

BIN = Path(sys.executable).parent
I18N_TOOL = shutil.which("i18n_tool", path=str(BIN)) or shutil.which("i18n_tool")
MSGFMT = shutil.which("msgfmt")


def _run(command: list[str], cwd: Path) -> None:
    environment = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    environment.pop("DJANGO_SETTINGS_MODULE", None)  # makemessages runs without the test host's settings
    done = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(command)} in {cwd} failed:\n{done.stdout}\n{done.stderr}"


def build_dummy_locale(app: str, workdir: Path) -> Path:
    """Extract ``app``'s strings, make its "eo" catalog and compile it; return its locale folder (a copy)."""
    source = Path(import_module(app).__file__).parent
    copy = workdir / app
    shutil.copytree(
        source, copy, ignore=shutil.ignore_patterns("__pycache__", "migrations", "*.mo", DUMMY_LOCALE)
    )
    _run([I18N_TOOL, "extract", "--no-segment"], cwd=copy)
    _run([I18N_TOOL, "dummy"], cwd=copy)
    messages = copy / "conf" / "locale" / DUMMY_LOCALE / "LC_MESSAGES"
    _run([MSGFMT, "--check-format", "-o", "django.mo", "django.po"], cwd=messages)
    return copy / "conf" / "locale"


@pytest.fixture(scope="module")
def dummy_locale_paths(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The compiled dummy catalogs of every translated app, built from the code as it is now."""
    if MSGFMT is None:
        pytest.skip(
            "gettext's msgfmt is not installed (apt-get install gettext): the dummy locale is not built"
        )
    if I18N_TOOL is None:
        pytest.skip("edx-i18n-tools is not installed (pip install -r requirements/i18n.txt): no i18n_tool")
    workdir = tmp_path_factory.mktemp("dummy-locale")
    return [str(build_dummy_locale(app, workdir)) for app in TRANSLATED_APPS]


@pytest.fixture
def in_dummy_locale(settings: Any, dummy_locale_paths: list[str]) -> Iterator[None]:
    """Serve the pages in the dummy locale (LOCALE_PATHS come before the apps' own locale folders)."""
    settings.LOCALE_PATHS = dummy_locale_paths  # setting_changed resets Django's loaded catalogs
    settings.LANGUAGE_CODE = DUMMY_LOCALE
    with translation.override(DUMMY_LOCALE):
        yield


class _VisibleText(html.parser.HTMLParser):
    """The text a person reads or hears: text nodes (not scripts or styles) and the labels in attributes."""

    SKIPPED = frozenset({"script", "style"})
    READ_ATTRIBUTES = frozenset({"title", "alt", "placeholder", "aria-label"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self._skipping += 1
        values = dict(attrs)
        for name, value in attrs:
            shown_value = tag == "input" and name == "value" and values.get("type") in {"submit", "button"}
            if value and (name in self.READ_ATTRIBUTES or shown_value):
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def untranslated_words(page: str, data: Iterable[str] = ()) -> list[str]:
    """The ASCII words left on ``page`` once its markup and the ``data`` it shows are taken away."""
    parser = _VisibleText()
    parser.feed(page)
    text = "\n".join(parser.parts)
    for value in sorted(data, key=len, reverse=True):  # longest first: a name before its parts
        text = text.replace(value, " ")
    return [word for word in ASCII_WORD.findall(text) if word not in NOT_TRANSLATED]


def dates_shown(learner: Any) -> list[str]:
    """How the pages write the learner's attempts' dates in the dummy locale (Django's "eo" formats): data."""
    moments = [
        moment
        for attempt in api.get_verification_attempts(learner)
        for moment in (attempt.created, attempt.expiration_datetime)
        if moment is not None
    ]
    return [date_format(localtime(moment), "DATE_FORMAT") for moment in moments]


@pytest.fixture
def providers(settings: Any) -> Iterator[None]:
    """The three learner-facing providers enabled, Persona first, an institution's sign-in trusted."""
    settings.IDV_ENABLED_PROVIDERS = ["persona", "manual", "sso"]
    settings.IDV_DEFAULT_PROVIDER = "persona"
    settings.AUTHENTICATION_BACKENDS = [
        "tests.providers.sso.backends.UniversityOIDC",
        "django.contrib.auth.backends.ModelBackend",
    ]
    settings.IDV_SSO_TRUSTED_BACKENDS = {"uni-oidc": {"TITLE": "Universität Zürich"}}
    clear_provider_cache()
    yield
    clear_provider_cache()


@pytest.fixture
def learner(make_user: Any) -> Any:
    """A learner whose name has no ASCII word, so that only the page's own text can be English."""
    return make_user(first_name="Åsa", last_name="Ørnsø")


#: The providers' ids, which the status page's "Method" column shows as they are (values, like a status).
PROVIDER_IDS = ["manual", "persona", "sso"]


def _data(learner: Any) -> list[str]:
    return [learner.username, learner.email, learner.get_full_name(), *PROVIDER_IDS]


def _get(client: Any, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.content.decode()


#: The pages' tests: in the dummy locale, with the learner-facing providers enabled.
in_dummy_locale_with_providers = pytest.mark.usefixtures("providers", "in_dummy_locale")
pytestmark = pytest.mark.django_db


@in_dummy_locale_with_providers
@pytest.mark.urls("tests.providers.sso.urls")
def test_the_learner_pages_of_a_learner_not_yet_verified_are_all_translated(
    client: Any, learner: Any
) -> None:
    client.force_login(learner)
    pages = {
        url: _get(client, url)
        for url in ("/idv/verify", "/idv/status", "/idv/manual/start", "/idv/sso", "/idv/persona/start")
    }

    assert {url: untranslated_words(page, _data(learner)) for url, page in pages.items()} == {
        url: [] for url in pages
    }
    # The pages really are in the dummy locale (the check above would pass on an empty page).
    assert "Vérïfý mý ïdéntïtý" in pages["/idv/verify"]
    assert '<html lang="eo">' in pages["/idv/verify"]


@in_dummy_locale_with_providers
def test_the_status_page_with_attempts_in_every_status_is_translated(client: Any, learner: Any) -> None:
    later = datetime(2031, 3, 9, 12, tzinfo=UTC)
    attempts = [
        api.create_verification_attempt(
            learner, "Åsa Ørnsø", status, provider=provider, expiration_datetime=when
        )
        for status, provider, when in [
            (VerificationAttemptStatus.DENIED, "persona", None),
            (VerificationAttemptStatus.APPROVED, "", later),
            (VerificationAttemptStatus.APPROVED, "manual", None),
            (VerificationAttemptStatus.CREATED, "sso", None),
            (VerificationAttemptStatus.PENDING, "manual", None),
        ]
    ]
    client.force_login(learner)
    page = _get(client, "/idv/status")
    assert untranslated_words(page, [*_data(learner), *dates_shown(learner)]) == []
    assert page.count('data-testid="idv-attempt"') == len(attempts)


@in_dummy_locale_with_providers
def test_a_verified_learner_s_pages_are_translated(client: Any, learner: Any) -> None:
    until = datetime(2031, 3, 9, 12, tzinfo=UTC)
    api.create_verification_attempt(
        learner, "Åsa Ørnsø", VerificationAttemptStatus.APPROVED, provider="manual", expiration_datetime=until
    )
    client.force_login(learner)
    for url in ("/idv/verify", "/idv/status", "/idv/manual/start"):
        assert untranslated_words(_get(client, url), [*_data(learner), *dates_shown(learner)]) == [], url


@in_dummy_locale_with_providers
def test_the_manual_review_request_and_its_refusal_are_translated(client: Any, learner: Any) -> None:
    client.force_login(learner)
    refused = client.post("/idv/manual/start", {"name": "Å" * 300})
    assert refused.status_code == 400
    assert untranslated_words(refused.content.decode(), _data(learner)) == []

    client.post("/idv/manual/start", {"name": "Åsa Ørnsø"})
    page = _get(client, "/idv/manual/start")
    assert 'data-testid="idv-manual-pending"' in page
    assert untranslated_words(page, [*_data(learner), *dates_shown(learner)]) == []


@in_dummy_locale_with_providers
@pytest.mark.parametrize(("persona_status", "message"), [(401, "rejected"), (None, "unreachable")])
def test_persona_s_unavailable_page_is_translated(
    client: Any, learner: Any, persona_status: int | None, message: str
) -> None:
    client.force_login(learner)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as persona_api:
        if persona_status is None:
            persona_api.add_passthru("http://127.0.0.1:9")  # a closed port: the connection is refused
        else:
            persona_api.add(responses.POST, re.compile(r".*/inquiries$"), json={"errors": []}, status=401)
        response = client.post("/idv/persona/start")
    assert response.status_code == 503, response.status_code
    assert untranslated_words(response.content.decode(), _data(learner)) == [], message


@in_dummy_locale_with_providers
def test_the_start_rate_limit_page_is_translated(client: Any, learner: Any, settings: Any) -> None:
    settings.IDV_START_RATE_LIMIT = "1/h"
    attempt_id = api.create_verification_attempt(learner, "Åsa Ørnsø", "pending", provider="manual")
    api.update_verification_attempt(attempt_id, status="denied")  # decided: no open attempt to resume
    client.force_login(learner)
    response = client.post("/idv/manual/start", {"name": "Åsa Ørnsø"})
    assert response.status_code == 429, response.status_code
    page = response.content.decode()
    assert 'data-testid="idv-start-rate-limited"' in page
    assert untranslated_words(page, _data(learner)) == []


def test_the_detector_finds_one_unmarked_string() -> None:
    """A page with one English sentence among dummy text is reported, word by word; data is not."""
    page = (
        '<html lang="eo"><head><style>body { color: red }</style><script>var start = "now";</script></head>'
        "<body><h1>Vérïfý mý ïdéntïtý Ⱡ'σяєм#</h1><p>Åsa Ørnsø, learner7</p>"
        '<p title="Stärt">Start verification with Persona</p><input type="submit" value="Send it">'
        "</body></html>"
    )
    assert untranslated_words(page, ["learner7"]) == ["Start", "verification", "with", "Send"]


@in_dummy_locale_with_providers
def test_the_persona_simulator_s_pages_are_translated(client: Any, make_user: Any) -> None:
    """Development only, but a learner of the demo goes through it: its pages are marked too."""
    created = client.post(
        "/persona-simulator/api/v1/inquiries",
        data={"data": {"attributes": {"inquiry-template-id": "itmpl_Test", "fields": {"name-first": "Åsa"}}}},
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer sim_test_api_key",
    )
    inquiry = created.json()["data"]
    flow_page = client.get("/persona-simulator/verify", {"inquiry-id": inquiry["id"]})
    done = client.post(
        "/persona-simulator/verify",
        {"inquiry-id": inquiry["id"], "session-token": flow_page.context["session_token"], "choice": "fail"},
    )
    # The vendor's identifiers stay as they are: the inquiry and template ids, the form's field names and
    # Persona's event names (inquiry.completed...), which the page shows as data.
    vendor_terms = [inquiry["id"], "itmpl_Test", "name-first", "name-last", "failed"]
    vendor_terms += re.findall(r"inquiry\.[a-z-]+", flow_page.content.decode())
    client.force_login(make_user(is_staff=True))
    overview = client.get("/persona-simulator/")  # the staff's overview: inquiries, events, fault controls
    vendor_terms += re.findall(r"inquiry\.[a-z-]+|evt_\w+", overview.content.decode())
    for page in (flow_page, done, overview):
        assert page.status_code == 200
        assert untranslated_words(page.content.decode(), vendor_terms) == []
    assert 'data-testid="persona-sim-inquiry"' in overview.content.decode()


@in_dummy_locale_with_providers
def test_the_review_queue_s_decision_page_is_translated(
    client: Any, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Staff: the bulk decision's page (our template, our form) is marked; the admin's chrome is Django's."""
    learners = [make_user(first_name="Åsa", last_name="Ørnsø"), make_user(first_name="Bø", last_name="Lü")]
    with django_capture_on_commit_callbacks(execute=True):
        for learner in learners:
            api.create_verification_attempt(learner, "Åsa Ørnsø", "pending", provider="manual")
    reviewer = make_user(is_staff=True)
    grant_review_permission(reviewer)
    client.force_login(reviewer)
    entries = [str(pk) for pk in PendingAttempt.objects.values_list("pk", flat=True)]
    assert len(entries) == len(learners)
    for action in ("approve_selected", "deny_selected"):
        page = client.post(
            "/admin/idv_manual/pendingattempt/",
            {"action": action, ACTION_CHECKBOX_NAME: entries, "index": "0"},
        ).content.decode()
        ours = page[page.index('id="content"') : page.index("</form>")]  # the page's content, not the chrome
        data = [learner.username for learner in learners] + ["manual"]
        assert untranslated_words(ours, data) == [], action


def test_the_admin_s_status_labels_cover_every_status() -> None:
    """The attempt's status choices are written out to be marked: none may be missing or extra."""
    from idv_core.models import VerificationAttempt

    choices = VerificationAttempt._meta.get_field("status").choices
    assert [value for value, _label in choices] == list(VerificationAttemptStatus.values())
