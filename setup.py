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


setup(
    install_requires=load_requirements(os.path.join(os.path.dirname(__file__), "requirements", "base.in")),
    # The event-bus relay (idv_relay_events, idv_core.tasks) over Redis Streams: openedx-idv[eventbus].
    # 0.6.x is the line that installs on Python 3.11; 1.x needs Python 3.12.
    extras_require={
        "eventbus": [
            'edx-event-bus-redis>=0.6.1,<0.7; python_version < "3.12"',
            'edx-event-bus-redis>=1.0,<2; python_version >= "3.12"',
        ]
    },
)
