"""
The plugin's rendered LMS settings and init task, run for real by the main virtualenv (openedx-idv, its
providers, Django) in the repository's LMS-mode test host (tests/settings_lms.py: a stand-in of the platform's
verify_student app). Tutor stays in this venv; the main one runs Django (``IDV_MAIN_PYTHON``, set by
``make test-tutor``).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT

MAIN_PYTHON = os.environ.get("IDV_MAIN_PYTHON", "")
pytestmark = pytest.mark.skipif(not MAIN_PYTHON, reason="needs IDV_MAIN_PYTHON: run `make test-tutor`")

PATCHES_DIR = Path(__file__).resolve().parents[1] / "tutoridv" / "patches"
# What the LMS has before our patches: no IDV_PERSONA of the operator's, so the Persona provider reads its
# defaults, every key blank (the test host has test keys); Tutor's own common settings set the event bus
# (apps/openedx/settings/partials/common_all.py).
LMS_BEFORE_OUR_PATCHES = """
IDV_PERSONA = {}
EVENT_BUS_PRODUCER = "edx_event_bus_redis.create_producer"
EVENT_BUS_REDIS_CONNECTION_URL = "redis://@redis:6379/"
EVENT_BUS_TOPIC_PREFIX = "dev"
"""


def _lms_host(tmp_path: Path, render: Callable[..., str], **config: Any) -> dict[str, str]:
    """Write an LMS settings module: the test host, then our rendered patches; return the env to run it."""
    patches = [
        render((PATCHES_DIR / name).read_text(), **config)
        for name in ("openedx-lms-common-settings", "openedx-lms-production-settings")
    ]
    (tmp_path / "tutor_lms_settings.py").write_text(
        "from tests.settings_lms import *  # noqa\n"
        f'DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": "{tmp_path}/lms.db",'
        ' "ATOMIC_REQUESTS": True}}\n' + LMS_BEFORE_OUR_PATCHES + "\n".join(patches)
    )
    # ./manage.py lms <command>, as the init task calls it, on this host.
    manage = tmp_path / "manage.py"
    manage.write_text(f'#!/bin/sh\n[ "$1" = lms ] && shift\nexec "{MAIN_PYTHON}" -m django "$@"\n')
    manage.chmod(0o755)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tutor_lms_settings",
        "PYTHONPATH": os.pathsep.join(
            [str(tmp_path), str(REPO_ROOT), str(REPO_ROOT / "build" / "test-plugins")]
        ),
    }


def _init_task(tutor_api: Any) -> str:
    [task] = [
        task
        for service, task in tutor_api.hooks.Filters.CLI_DO_INIT_TASKS.iterate_from_context(
            tutor_api.hooks.Contexts.app("idv").name
        )
        if service == "lms"
    ]
    return task


def _run(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    # Tutor runs each init task as `sh -e -c <task>` in the LMS job container.
    return subprocess.run(
        ["/bin/sh", "-e", "-c", script], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )


def test_the_init_task_runs_in_an_lms_with_the_rendered_settings(
    tmp_path: Path, tutor_api: Any, render: Callable[..., str]
) -> None:
    env = _lms_host(tmp_path, render)
    migrated = _run("./manage.py lms migrate --noinput -v 0", env, tmp_path)  # Tutor's own init task
    assert migrated.returncode == 0, migrated.stderr
    # The settings as Django sees them: ours merged in, the mirror on (the stand-in platform app is there).
    shown = _run(
        "./manage.py lms shell -v 0 -c 'from django.conf import settings as s; print("
        's.IDV_ENABLED_PROVIDERS, s.OPEN_EDX_FILTERS_CONFIG["org.openedx.learning.idv.page.url.requested.v1"]'
        '["pipeline"], sorted(s.IDV_EVENT_BUS_PRODUCER_CONFIG))\'',
        env,
        tmp_path,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == (
        "['manual'] ['idv_core.pipeline.DefaultProviderVerifyURL'] "
        "['org.openedx.learning.idv_attempt.approved.v1', 'org.openedx.learning.idv_attempt.created.v1', "
        "'org.openedx.learning.idv_attempt.denied.v1', 'org.openedx.learning.idv_attempt.pending.v1']"
    )

    result = _run(render(_init_task(tutor_api)), env, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Checked 0 attempt(s)." in result.stdout
    assert "Nothing to change: every attempt has its platform row, in sync." in result.stdout


def test_the_init_task_stops_on_a_blank_persona_key(
    tmp_path: Path, tutor_api: Any, render: Callable[..., str]
) -> None:
    env = _lms_host(tmp_path, render, IDV_PROVIDERS=["persona"], IDV_PERSONA_INQUIRY_TEMPLATE_ID="itmpl_1")
    result = _run(render(_init_task(tutor_api), IDV_PROVIDERS=["persona"]), env, tmp_path)
    assert result.returncode != 0
    assert "persona.E002" in result.stderr  # the API key
    assert "persona.E004" in result.stderr  # the webhook secrets
    assert "persona.E003" not in result.stderr  # the inquiry template was set through Tutor's config
    assert "idv_platform_sync" not in result.stdout + result.stderr
    assert "Checked" not in result.stdout  # the sync did not run
