#!/usr/bin/env python3
"""
Check that the dependency floors agree everywhere, and that the LMS pins satisfy our specifiers.

Standard library only (``packaging`` is used when importable, else a small fallback), run from anywhere:

    python3 requirements/check_minimum.py

It reads the direct requirements of our distributions (requirements/base.in, the install_requires
of providers/*/setup.cfg, and the extras_require of setup.py) and fails (exit 1) when:

* a direct requirement has no ``>=`` floor (base.in and providers' setup.cfg), or no pin in minimum.txt;
* a floor differs from its pin in minimum.txt, or the pin does not satisfy the whole specifier;
* a pin of lms-ulmo.txt or lms-verawood.txt does not satisfy one of our specifiers (pip installing
  our distributions into that LMS image would upgrade or downgrade it), or a direct requirement has no
  pin there;
* a tool pin of minimum-test.txt differs from test.txt's.

setup.py's extras (which this checker does not own) only need to be satisfied by the pins: a floor
that no release matches exactly (``>=0.6`` where the first release is 0.6.1) is reported, not failed.
"""

from __future__ import annotations

import ast
import configparser
import re
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUR_DISTRIBUTIONS = {
    "openedx-idv",
    "openedx-idv-manual",
    "openedx-idv-sso",
    "openedx-idv-persona",
    "openedx-idv-persona-simulator",
}
LMS_FILES = ("lms-ulmo.txt", "lms-verawood.txt")

# ---------------------------------------------------------------------------------------------------
# Versions and specifiers: packaging when it is importable, else enough of PEP 440 for our files.

try:  # pragma: no cover - depends on the interpreter
    from packaging.specifiers import SpecifierSet as _SpecifierSet
    from packaging.version import Version as _Version

    def parse_version(text: str):
        return _Version(text)

    def satisfies(version: str, specifier: str) -> bool:
        return _SpecifierSet(specifier).contains(_Version(version), prereleases=True)

except ImportError:  # pragma: no cover
    _VERSION = re.compile(r"^(\d+(?:\.\d+)*)(?:\.?(a|b|rc)(\d+))?(?:\.?post(\d+))?$")
    _PRE = {"a": 0, "b": 1, "rc": 2}

    def parse_version(text: str):
        match = _VERSION.match(text.strip().lower())
        if not match:
            raise ValueError(f"cannot compare version {text!r} without the packaging library")
        release = [int(part) for part in match.group(1).split(".")]
        while len(release) > 1 and release[-1] == 0:
            release.pop()
        pre = (_PRE[match.group(2)], int(match.group(3))) if match.group(2) else (3, 0)
        post = int(match.group(4)) if match.group(4) else -1
        return (tuple(release), pre, post)

    def satisfies(version: str, specifier: str) -> bool:
        have = parse_version(version)
        for clause in filter(None, (part.strip() for part in specifier.split(","))):
            match = re.match(r"^(>=|<=|==|!=|>|<)\s*(\S+)$", clause)
            if not match:
                raise ValueError(f"cannot evaluate {clause!r} without the packaging library")
            operator, wanted = match.group(1), parse_version(match.group(2))
            ok = {
                ">=": have >= wanted,
                "<=": have <= wanted,
                ">": have > wanted,
                "<": have < wanted,
                "==": have == wanted,
                "!=": have != wanted,
            }[operator]
            if not ok:
                return False
        return True


def marker_applies(marker: str, python: str) -> bool:
    """Evaluate a ``python_version`` marker (the only kind our files use) for ``python`` ("3.11")."""
    if not marker:
        return True
    for clause in re.split(r"\s+and\s+", marker.strip()):
        match = re.match(r"""^python_version\s*(>=|<=|==|!=|>|<)\s*["']([\d.]+)["']$""", clause.strip())
        if not match:
            raise ValueError(f"unsupported environment marker {marker!r}")
        if not satisfies(python, f"{match.group(1)}{match.group(2)}"):
            return False
    return True


# ---------------------------------------------------------------------------------------------------
# Reading the files.


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Requirement:
    name: str  # canonical
    specifier: str  # "" when none
    marker: str
    where: str  # file (and extra) it came from
    owned: bool  # False for setup.py's extras (not editable by this checker's owners)

    @property
    def floor(self) -> str | None:
        for clause in self.specifier.split(","):
            clause = clause.strip()
            if clause.startswith((">=", "==")):
                return clause[2:].strip()
        return None


_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*?)\s*(?:;\s*(.*))?$")


def parse_requirement(text: str, where: str, owned: bool = True) -> Requirement:
    match = _REQUIREMENT.match(text)
    if not match:
        raise ValueError(f"{where}: cannot read requirement {text!r}")
    name, _extras, specifier, marker = match.groups()
    marker = re.sub(r"\s+", "", marker or "").replace("'", '"')  # compared as text: normalize it
    return Requirement(canonical(name), specifier.replace(" ", ""), marker, where, owned)


def requirement_lines(path: Path):
    for line in path.read_text(encoding="utf-8").splitlines():
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        if line and not line.startswith("-"):
            yield line


def direct_requirements() -> list[Requirement]:
    requirements = [
        parse_requirement(line, "requirements/base.in") for line in requirement_lines(HERE / "base.in")
    ]
    for setup_cfg in sorted(ROOT.glob("providers/*/setup.cfg")):
        config = configparser.ConfigParser()
        config.read(setup_cfg, encoding="utf-8")
        where = str(setup_cfg.relative_to(ROOT))
        for line in config.get("options", "install_requires", fallback="").splitlines():
            line = re.sub(r"\s*#.*$", "", line).strip()
            if line:
                requirements.append(parse_requirement(line, where))
    requirements.extend(setup_py_extras())
    return [req for req in requirements if req.name not in OUR_DISTRIBUTIONS]


def setup_py_extras() -> list[Requirement]:
    """The literal ``extras_require={...}`` of setup.py's setup() call."""
    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    found: list[Requirement] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "extras_require":
            extras = ast.literal_eval(node.value)
            for extra, lines in extras.items():
                for line in lines:
                    found.append(parse_requirement(line, f"setup.py [{extra}]", owned=False))
    return found


@dataclass
class Pin:
    name: str
    version: str
    marker: str
    line: int


def read_pins(path: Path, unpinned_ok: bool = False) -> list[Pin]:
    pins = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line or line.startswith("-"):
            continue
        req = parse_requirement(line, f"{path.name}:{number}")
        if unpinned_ok and not req.specifier:
            continue
        if not req.specifier.startswith("==") or "," in req.specifier:
            raise ValueError(f"{path.name}:{number}: {raw.strip()!r} is not an exact == pin")
        pins.append(Pin(req.name, req.specifier[2:], req.marker, number))
    return pins


def python_of(path: Path) -> str:
    match = re.search(r"^#\s*python:\s*([\d.]+)\s*$", path.read_text(encoding="utf-8"), re.MULTILINE)
    if not match:
        raise ValueError(f"{path.name} needs a '# python: X.Y' header line")
    return match.group(1)


# ---------------------------------------------------------------------------------------------------


def check() -> tuple[list[str], list[str]]:
    errors: list[str] = []
    notes: list[str] = []
    requirements = direct_requirements()
    minimum = read_pins(HERE / "minimum.txt")

    # Floors against minimum.txt.
    for req in requirements:
        label = f"{req.where}: {req.name}{req.specifier}" + (f" ; {req.marker}" if req.marker else "")
        pins = [pin for pin in minimum if pin.name == req.name and pin.marker == req.marker]
        if not pins and req.marker:  # a requirement without marker in minimum.txt covers every Python
            pins = [pin for pin in minimum if pin.name == req.name and not pin.marker]
        if not pins:
            errors.append(f"{label}: no pin in requirements/minimum.txt (add {req.name}==<floor>)")
            continue
        pin = pins[0]
        if not satisfies(pin.version, req.specifier):
            errors.append(f"{label}: minimum.txt pins {pin.version}, which this specifier excludes")
            continue
        floor = req.floor
        if floor is None:
            message = f"{label}: no >= floor (minimum.txt tests {pin.version}: write >={pin.version})"
            (errors if req.owned else notes).append(message)
        elif parse_version(floor) != parse_version(pin.version):
            message = f"{label}: the floor is {floor}, but minimum.txt pins {pin.version}; make them the same"
            (errors if req.owned else notes).append(message)

    direct = {req.name for req in requirements}
    for pin in minimum:
        if pin.name not in direct:
            errors.append(
                f"minimum.txt:{pin.line}: {pin.name} is no direct requirement of ours; drop it or say why"
            )

    # The LMS pins against every specifier.
    for filename in LMS_FILES:
        path = HERE / filename
        python = python_of(path)
        lms = read_pins(path)
        for req in requirements:
            if not marker_applies(req.marker, python):
                continue
            label = f"{req.where}: {req.name}{req.specifier}"
            pins = [pin for pin in lms if pin.name == req.name]
            if not pins:
                errors.append(f"{filename}: no pin of {req.name} (needed by {label})")
            for pin in pins:
                if not satisfies(pin.version, req.specifier):
                    errors.append(
                        f"{filename}:{pin.line}: the LMS pins {req.name}=={pin.version}, which {label} "
                        "excludes: pip would upgrade or downgrade it in that image"
                    )

    # The floors run's tools follow test.txt.
    compiled = {pin.name: pin.version for pin in read_pins(HERE / "test.txt") if not pin.marker}
    for pin in read_pins(HERE / "minimum-test.txt", unpinned_ok=True):
        if pin.name in compiled and compiled[pin.name] != pin.version:
            pinned = compiled[pin.name]
            errors.append(
                f"minimum-test.txt:{pin.line}: {pin.name}=={pin.version}, but test.txt pins {pinned}"
            )
    return errors, notes


def main() -> int:
    try:
        errors, notes = check()
    except (OSError, ValueError) as error:
        print(f"check_minimum: {error}", file=sys.stderr)
        return 2
    for note in notes:
        print(f"note: {note}")
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    if errors:
        print(f"check_minimum: {len(errors)} problem(s) with the dependency floors.", file=sys.stderr)
        return 1
    print("check_minimum: the floors agree with minimum.txt and the Ulmo and Verawood LMS pins satisfy them.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
