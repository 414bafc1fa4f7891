"""
``python -m idv_core.startprovider <id> [--dest DIR]``: write a new provider distribution to start from.

It writes ``DIR/openedx-idv-<id>/`` (DIR defaults to the current directory): a ``pyproject.toml`` that
registers the provider under the ``openedx.idv_provider`` entry point, ``idv_<id>/provider.py`` (the provider:
its start page, rendered with the core's ``idv_core/provider_start.html``, so it needs no Django app of its
own) and tests that use the core's kit (``idv_core.testing``). ``pip install -e DIR/openedx-idv-<id>``
installs it in a host (the demo, an LMS); ``pytest`` in its root runs its tests. See docs/providers.rst.
"""

from __future__ import annotations

import argparse
import keyword
import re
import sys
from pathlib import Path
from string import Template

#: A provider id: the entry point's name, the URL segment (/idv/<id>/), the package suffix (idv_<id>).
PROVIDER_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

PYPROJECT = Template("""\
[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"

[project]
name = "openedx-idv-$id"
version = "0.1.0"
description = "The $title identity-verification provider for openedx-idv."
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["openedx-idv"]

[project.optional-dependencies]
test = ["pytest", "pytest-django"]

# The entry point's name is the provider's id: its attempts carry it, its URLs live under /idv/$id/.
[project.entry-points."openedx.idv_provider"]
$id = "idv_$id.provider:${cls}Provider"

[tool.setuptools.packages.find]
include = ["idv_$id*"]

[tool.pytest.ini_options]
DJANGO_SETTINGS_MODULE = "idv_core.testing.settings"
testpaths = ["tests"]
""")

PROVIDER = Template('''\
"""The $title identity-verification provider: a start page that records an attempt for review."""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from idv_core import api
from idv_core.providers import IDVProvider, learner_display_name, with_return_query
from idv_core.statuses import VerificationAttemptStatus


@transaction.non_atomic_requests  # the start lock's own transaction, even under ATOMIC_REQUESTS
@login_required
@require_http_methods(["GET", "POST"])
def start(request):
    """GET: what verifying with $title means, and a button. POST: the learner asks (a pending attempt)."""
    provider = request.idv_provider
    if request.method == "POST":
        # One open attempt per learner: racing clicks wait for the lock, then find the attempt made.
        with provider.start_lock(request.user):
            name = learner_display_name(request.user)
            attempt, created = provider.open_attempt(request.user, name, VerificationAttemptStatus.PENDING)
            # Call your vendor here when created; keep its id: update_attempt(attempt.id, external_id=ref).
        return redirect(with_return_query(reverse("idv:status"), request))
    context = {"provider": provider, "verification": api.get_user_verification_status(request.user)}
    return TemplateResponse(request, "idv_core/provider_start.html", context)


class ${cls}Provider(IDVProvider):
    """Learners ask $title to verify them; its decision is recorded with update_attempt."""

    name = "$title"
    description = "Verify your identity with $title."
    urlpatterns = [path("start", start, name="start")]
    settings_defaults = {"IDV_${upper}_API_KEY": ""}
''')

TESTS = Template('''\
"""The $title provider: the contract every provider keeps (idv_core.testing), and its own behaviour."""

import pytest

from idv_core import api
from idv_core.testing import ProviderContractTests


class TestContract(ProviderContractTests):
    provider_id = "$id"


@pytest.mark.django_db
def test_starting_records_a_pending_attempt(client, idv_learner, idv_enable_provider):
    provider = idv_enable_provider("$id")
    client.force_login(idv_learner)

    response = client.post(provider.get_start_url())

    assert response.status_code == 302
    [attempt] = api.get_verification_attempts(idv_learner)
    assert (attempt.provider, attempt.status, attempt.name) == ("$id", "pending", idv_learner.get_full_name())
    client.post(provider.get_start_url())  # a second click finds the open attempt
    assert len(api.get_verification_attempts(idv_learner)) == 1


def test_the_api_key_setting_defaults_to_empty(idv_enable_provider, settings):
    provider = idv_enable_provider("$id")
    assert provider.setting("IDV_${upper}_API_KEY") == ""
    settings.IDV_${upper}_API_KEY = "key"
    assert provider.setting("IDV_${upper}_API_KEY") == "key"
''')

CONFTEST = '''\
"""The test kit of openedx-idv: fixtures (idv_learner, idv_events, idv_enable_provider...) and settings."""

pytest_plugins = ["idv_core.testing"]
'''

README = Template("""\
# openedx-idv-$id

The $title identity-verification provider for [openedx-idv](https://pypi.org/project/openedx-idv/).

    pip install -e .          # into the LMS (or the demo): manage.py idv_providers lists it
    pip install -e ".[test]" && pytest

Its start page is /idv/$id/start. Settings: `IDV_${upper}_API_KEY`.
""")


class ProviderIdError(ValueError):
    """The provider id cannot name a provider (entry point, URL segment and Python package)."""


def validate_provider_id(provider_id: str) -> str:
    """Return ``provider_id`` if it can name a provider; raise :class:`ProviderIdError` saying why not."""
    if not PROVIDER_ID_PATTERN.match(provider_id):
        raise ProviderIdError(
            f"{provider_id!r} is not a provider id: use 2 to 40 lowercase letters, digits and underscores, "
            "starting with a letter (it names the entry point, the URL /idv/<id>/ and the package idv_<id>)."
        )
    if keyword.iskeyword(provider_id):
        raise ProviderIdError(f"{provider_id!r} is a Python keyword; choose another provider id.")
    return provider_id


def render_files(provider_id: str) -> dict[str, str]:
    """Return the new distribution's files, by path relative to its root."""
    validate_provider_id(provider_id)
    words = provider_id.split("_")
    values = {
        "id": provider_id,
        "title": " ".join(word.capitalize() for word in words),
        "cls": "".join(word.capitalize() for word in words),
        "upper": provider_id.upper(),
    }
    return {
        "pyproject.toml": PYPROJECT.substitute(values),
        "README.md": README.substitute(values),
        f"idv_{provider_id}/__init__.py": f'"""The {values["title"]} identity-verification provider."""\n',
        f"idv_{provider_id}/provider.py": PROVIDER.substitute(values),
        "tests/__init__.py": "",
        "tests/conftest.py": CONFTEST,
        "tests/test_provider.py": TESTS.substitute(values),
    }


def write_provider(provider_id: str, dest: Path) -> Path:
    """Write the distribution to ``dest/openedx-idv-<id>/`` and return that folder; never overwrite."""
    files = render_files(provider_id)
    root = dest / f"openedx-idv-{provider_id}"
    if root.exists():
        raise FileExistsError(f"{root} already exists; nothing was written.")
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def main(argv: list[str] | None = None) -> int:
    """The command line: ``python -m idv_core.startprovider <id> [--dest DIR]``."""
    parser = argparse.ArgumentParser(
        prog="python -m idv_core.startprovider", description=__doc__.split("\n\n")[1]
    )
    parser.add_argument("provider_id", metavar="id", help="the provider id, e.g. emailcode")
    parser.add_argument("--dest", type=Path, default=Path.cwd(), help="where to write (default: here)")
    options = parser.parse_args(argv)
    try:
        root = write_provider(options.provider_id, options.dest)
    except (ProviderIdError, FileExistsError) as error:
        parser.error(str(error))
    sys.stdout.write(
        f"Wrote {root}\n"
        f"  pip install -e {root}   # manage.py idv_providers lists it; /idv/{options.provider_id}/start\n"
        f"  cd {root} && pip install -e '.[test]' && pytest\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
