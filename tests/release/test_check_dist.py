"""release/check_dist.py, the checker of ``make dist``: it finds what a wheel lacks or must not hold."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from release import check_dist

PERSONA = next(dist for dist in check_dist.DISTRIBUTIONS if dist.name == "openedx-idv-persona")
VERSION = check_dist.declared_version(PERSONA)
DIST_INFO = f"openedx_idv_persona-{VERSION}.dist-info"


def make_wheel(tmp_path: Path, names: set[str]) -> Path:
    wheel = tmp_path / f"openedx_idv_persona-{VERSION}-py3-none-any.whl"
    entry_points = "[lms.djangoapp]\nidv_persona = x\n\n[openedx.idv_provider]\npersona = y\n"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name in names:
            archive.writestr(name, entry_points if name.endswith("entry_points.txt") else "")
    return wheel


@pytest.fixture
def complete() -> set[str]:
    return {
        *check_dist.tracked_package_files(PERSONA),
        f"{DIST_INFO}/licenses/LICENSE.txt",
        f"{DIST_INFO}/entry_points.txt",
    }


def test_a_complete_wheel_passes(tmp_path, complete):
    assert check_dist.check_wheel(PERSONA, make_wheel(tmp_path, complete), VERSION) == []


def test_a_missing_template_is_found(tmp_path, complete):
    template = "idv_persona/templates/idv_persona/unavailable.html"
    problems = check_dist.check_wheel(PERSONA, make_wheel(tmp_path, complete - {template}), VERSION)
    assert problems == [f"openedx_idv_persona-{VERSION}-py3-none-any.whl lacks {template}"]


def test_the_simulator_in_the_persona_wheel_is_found(tmp_path, complete):
    names = complete | {"idv_persona/simulator/views.py", "idv_persona_simulator/__init__.py"}
    problems = check_dist.check_wheel(PERSONA, make_wheel(tmp_path, names), VERSION)
    assert any("outside its packages: idv_persona_simulator/__init__.py" in problem for problem in problems)
    assert any("must not hold 'simulator'" in problem for problem in problems)


def test_a_wheel_without_its_license_is_found(tmp_path, complete):
    names = complete - {f"{DIST_INFO}/licenses/LICENSE.txt"}
    problems = check_dist.check_wheel(PERSONA, make_wheel(tmp_path, names), VERSION)
    assert problems == [
        f"openedx_idv_persona-{VERSION}-py3-none-any.whl lacks {DIST_INFO}/licenses/LICENSE.txt"
    ]


def test_a_wheel_without_its_provider_entry_point_is_found(tmp_path, complete):
    wheel = tmp_path / f"openedx_idv_persona-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name in complete:
            archive.writestr(
                name, "[lms.djangoapp]\nidv_persona = x\n" if name.endswith("entry_points.txt") else ""
            )
    problems = check_dist.check_wheel(PERSONA, wheel, VERSION)
    assert problems == [f"{wheel.name}: entry points openedx.idv_provider []"]


def test_build_warnings_are_problems_and_pip_s_index_notes_are_not(tmp_path):
    log = tmp_path / "openedx-idv.log"
    log.write_text(
        "WARNING: Location 'file:///opt/pypi/simple/x/' is ignored: it is neither a file nor a directory.\n"
        "SetuptoolsDeprecationWarning: License classifiers are deprecated.\n"
        "warning: no files found matching '*.css' under directory 'idv_core'\n"
        "Successfully built openedx_idv-0.1.0.tar.gz\n"
    )
    assert check_dist.check_build_log(log) == [
        "openedx-idv.log: SetuptoolsDeprecationWarning: License classifiers are deprecated.",
        "openedx-idv.log: warning: no files found matching '*.css' under directory 'idv_core'",
    ]


def test_a_file_of_a_distribution_it_does_not_know_is_a_problem(tmp_path, capsys):
    (tmp_path / "dist").mkdir()
    (tmp_path / "logs").mkdir()
    (tmp_path / "dist" / "openedx_idv_newprovider-0.1.0.tar.gz").write_bytes(b"")
    assert check_dist.main(tmp_path / "dist", tmp_path / "logs") == 1
    errors = capsys.readouterr().err
    assert "openedx_idv_newprovider-0.1.0.tar.gz: a distribution this checker does not know" in errors
    assert "openedx-idv: openedx_idv-" in errors  # and the missing ones are reported
