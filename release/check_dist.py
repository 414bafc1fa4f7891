"""
Check the release files ``make dist`` built: ``python release/check_dist.py DIST_DIR BUILD_LOG_DIR``.

For each distribution of the repository (the core, each provider, the Persona simulator, the Tutor plugin):
- one wheel and one sdist, named with the version its package declares;
- the wheel holds every file git tracks in the distribution's package (templates, migrations, static files,
  locale files, ``py.typed``, patches: whatever is added later is checked too), nothing outside its own
  packages and ``.dist-info`` (the Persona simulator is not in the Persona wheel, no tests), its
  LICENSE.txt, and its entry points;
- the sdist holds the same package files, the README, the CHANGELOG.rst and the LICENSE.txt;
- the build printed no warning (setuptools' or hatchling's; pip's notes about this machine's index
  locations are not the build's).

Prints each file's size and number of files (the closing note's table); exits 1 with the problems found.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Distribution:
    """One distribution of the repository and what its files must hold."""

    name: str
    folder: str
    packages: tuple[str, ...]
    version_file: str
    readme: str
    entry_points: dict[str, set[str]] = field(default_factory=dict)
    #: Words no path in the wheel may contain.
    forbidden: tuple[str, ...] = ()

    @property
    def filename_stem(self) -> str:
        return self.name.replace("-", "_")


DISTRIBUTIONS = [
    Distribution(
        "openedx-idv",
        ".",
        ("idv_core",),
        "idv_core/__init__.py",
        "README.md",
        {"lms.djangoapp": {"idv_core"}},
    ),
    Distribution(
        "openedx-idv-manual",
        "providers/manual",
        ("idv_manual",),
        "idv_manual/__init__.py",
        "README.rst",
        {"lms.djangoapp": {"idv_manual"}, "openedx.idv_provider": {"manual"}},
    ),
    Distribution(
        "openedx-idv-persona",
        "providers/persona",
        ("idv_persona",),
        "idv_persona/__init__.py",
        "README.rst",
        {"lms.djangoapp": {"idv_persona"}, "openedx.idv_provider": {"persona"}},
        forbidden=("simulator",),
    ),
    Distribution(
        "openedx-idv-persona-simulator",
        "providers/persona-simulator",
        ("idv_persona_simulator",),
        "idv_persona_simulator/__init__.py",
        "README.rst",
    ),
    Distribution(
        "openedx-idv-sso",
        "providers/sso",
        ("idv_sso",),
        "idv_sso/__init__.py",
        "README.rst",
        {"lms.djangoapp": {"idv_sso"}, "openedx.idv_provider": {"sso"}},
    ),
    Distribution(
        "tutor-contrib-idv",
        "tutor",
        ("tutoridv",),
        "tutoridv/__about__.py",
        "README.rst",
        {"tutor.plugin.v1": {"idv"}},
    ),
]

#: pip's note, inside the isolated build environment, about this machine's configured index locations.
PIP_LOCATION_NOTE = re.compile(r"^WARNING: Location '.*' is ignored")
WARNING = re.compile(r"warning", re.IGNORECASE)


def declared_version(dist: Distribution) -> str:
    text = (REPO / dist.folder / dist.version_file).read_text(encoding="utf-8")
    match = re.search(r'^__version__\s*=\s*"([^"]+)"', text, re.MULTILINE)
    if match is None:
        raise SystemExit(f"{dist.version_file}: no __version__")
    return match.group(1)


def tracked_package_files(dist: Distribution) -> set[str]:
    """The files git tracks in the distribution's packages, relative to the distribution's folder."""
    folder = REPO / dist.folder
    listed = subprocess.run(
        ["git", "ls-files", "--", *dist.packages],
        cwd=folder,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return {name for name in listed if "__pycache__" not in name}


def entry_points_of(text: str) -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    group = ""
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            group = line[1:-1]
            groups.setdefault(group, set())
        elif "=" in line and group:
            groups[group].add(line.split("=", 1)[0].strip())
    return groups


def check_wheel(dist: Distribution, wheel: Path, version: str) -> list[str]:
    problems = []
    names = set(zipfile.ZipFile(wheel).namelist())
    dist_info = f"{dist.filename_stem}-{version}.dist-info"
    missing = sorted(tracked_package_files(dist) - names)
    if missing:
        problems.append(f"{wheel.name} lacks {', '.join(missing)}")
    strays = sorted(
        name for name in names if name.split("/")[0] not in {*dist.packages, dist_info} or "/tests/" in name
    )
    if strays:
        problems.append(f"{wheel.name} holds files outside its packages: {', '.join(strays[:10])}")
    for word in dist.forbidden:
        found = sorted(name for name in names if word in name.lower())
        if found:
            problems.append(f"{wheel.name} must not hold {word!r}: {', '.join(found[:5])}")
    if f"{dist_info}/licenses/LICENSE.txt" not in names:
        problems.append(f"{wheel.name} lacks {dist_info}/licenses/LICENSE.txt")
    if dist.entry_points:
        found = entry_points_of(zipfile.ZipFile(wheel).read(f"{dist_info}/entry_points.txt").decode())
        for group, expected in dist.entry_points.items():
            if not expected <= found.get(group, set()):
                problems.append(f"{wheel.name}: entry points {group} {sorted(found.get(group, set()))}")
    return problems


def check_sdist(dist: Distribution, sdist: Path, version: str) -> list[str]:
    root = f"{dist.filename_stem}-{version}"
    with tarfile.open(sdist) as archive:
        names = {member.name.removeprefix(f"{root}/") for member in archive.getmembers() if member.isfile()}
    required = {dist.readme, "CHANGELOG.rst", "LICENSE.txt", *tracked_package_files(dist)}
    problems = [f"{sdist.name} lacks {name}" for name in sorted(required - names)]
    tests = sorted(name for name in names if name.startswith(("tests/", "demo/", "providers/")))
    if tests:
        problems.append(f"{sdist.name} holds {', '.join(tests[:5])}...")
    return problems


def check_build_log(log: Path) -> list[str]:
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    warnings = [line for line in lines if WARNING.search(line) and not PIP_LOCATION_NOTE.match(line)]
    return [f"{log.name}: {line.strip()}" for line in warnings]


def main(dist_dir: Path, log_dir: Path) -> int:
    problems: list[str] = []
    print(f"{'file':<56} {'bytes':>8} {'files':>6}")
    for dist in DISTRIBUTIONS:
        version = declared_version(dist)
        wheel = dist_dir / f"{dist.filename_stem}-{version}-py3-none-any.whl"
        sdist = dist_dir / f"{dist.filename_stem}-{version}.tar.gz"
        for path in (wheel, sdist):
            if not path.exists():
                problems.append(f"{dist.name}: {path.name} was not built")
        if problems and not (wheel.exists() and sdist.exists()):
            continue
        problems += check_wheel(dist, wheel, version)
        problems += check_sdist(dist, sdist, version)
        with tarfile.open(sdist) as archive:
            sdist_files = sum(member.isfile() for member in archive.getmembers())
        print(f"{wheel.name:<56} {wheel.stat().st_size:>8} {len(zipfile.ZipFile(wheel).namelist()):>6}")
        print(f"{sdist.name:<56} {sdist.stat().st_size:>8} {sdist_files:>6}")
    known = {dist.filename_stem for dist in DISTRIBUTIONS}
    for path in sorted(dist_dir.iterdir()):
        if path.name.split("-")[0] not in known:
            problems.append(
                f"{path.name}: a distribution this checker does not know (add it to DISTRIBUTIONS)"
            )
    for log in sorted(log_dir.glob("*.log")):
        problems += check_build_log(log)
    if problems:
        print("\n".join(["", "Problems:", *problems]), file=sys.stderr)
        return 1
    print(f"\n{len(DISTRIBUTIONS)} distributions: wheels and sdists complete, builds without warnings.")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
