"""
Packaging for openedx-idv: metadata lives in setup.cfg.

The install requirements are read from requirements/base.in so that they are
kept in one place (the Open edX convention); pins live in the compiled *.txt.
"""

import os
import re

from setuptools import setup


def load_requirements(*requirements_paths):
    """Return the unpinned requirements listed in the given ``*.in`` files (no -r / -c lines)."""
    requirements = []
    for path in requirements_paths:
        with open(path, encoding="utf-8") as reqs:
            for line in reqs:
                line = re.sub(r"\s*#.*$", "", line).strip()
                if line and not line.startswith(("-", "git+")):
                    requirements.append(line)
    return requirements


setup(install_requires=load_requirements(os.path.join(os.path.dirname(__file__), "requirements", "base.in")))
