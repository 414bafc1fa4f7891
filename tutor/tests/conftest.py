"""
Fixtures of the Tutor plugin's tests: a throw-away TUTOR_ROOT made by Tutor's own CLI, and Tutor's API loaded
on it. Nothing here reaches the network: ``tutor config save`` only writes files, no image is pulled.

Run with ``make test-tutor`` (requirements/tutor.txt in a venv of its own, the plugin pip-installed).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TUTOR = str(Path(sys.executable).with_name("tutor"))


def run_tutor(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the ``tutor`` CLI of this venv on ``root``; fail the test with its output if it fails."""
    env = {**os.environ, "TUTOR_ROOT": str(root), "TUTOR_PLUGINS_ROOT": str(root / "plugins")}
    result = subprocess.run([TUTOR, *args], env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"tutor {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result


def make_root(path: Path, *config_args: str) -> Path:
    """A TUTOR_ROOT with the plugin enabled, as an operator makes one: config save, plugins enable idv."""
    run_tutor(path, "config", "save", *config_args)
    run_tutor(path, "plugins", "enable", "idv")
    return path


@pytest.fixture(scope="session")
def tutor_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's TUTOR_ROOT: the plugin enabled with its defaults."""
    return make_root(tmp_path_factory.mktemp("tutor-root"))


@pytest.fixture(scope="session")
def tutor_api(tutor_root: Path) -> Any:
    """Tutor's modules, with the hooks in the state the CLI leaves them in on ``tutor_root``."""
    # Read when tutor.plugins.base is imported: keep the machine's own plugin folder out.
    os.environ["TUTOR_PLUGINS_ROOT"] = str(tutor_root / "plugins")
    import tutor.commands.cli  # registers what the CLI registers (iter_mounts, the core's init tasks)

    from tutor import hooks

    hooks.Actions.CORE_READY.do()
    hooks.Actions.PROJECT_ROOT_READY.do(str(tutor_root))
    return tutor


@pytest.fixture(scope="session")
def tutor_config(tutor_api: Any, tutor_root: Path) -> dict[str, Any]:
    """The full configuration of ``tutor_root`` (user, base and defaults, rendered)."""
    from tutor import config

    return config.load(str(tutor_root))


@pytest.fixture
def render(tutor_api: Any, tutor_config: dict[str, Any]) -> Callable[..., str]:
    """``render(text, **config_overrides)``: Tutor's renderer on the session's config (StrictUndefined)."""
    from tutor import env

    def _render(text: str, **overrides: Any) -> str:
        return env.Renderer({**tutor_config, **overrides}).render_str(text)

    return _render
