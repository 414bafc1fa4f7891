#!/usr/bin/env python
"""
The demo host's manage.py: ``python demo/manage.py <command>`` from the repository root (or from demo/).

Puts demo/ (for ``demo_site``) and the repository root (for ``idv_core``, imported from the checkout) at the
front of ``sys.path``, so the demo always runs the code being worked on.
"""

import os
import sys
from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent
REPO_ROOT = DEMO_DIR.parent


def main() -> None:
    """Run a Django management command with the demo's settings."""
    for path in (str(REPO_ROOT), str(DEMO_DIR)):
        if path not in sys.path:
            sys.path.insert(0, path)
    # Forced, not setdefault: the Makefile exports an empty DJANGO_SETTINGS_MODULE and a shell used for the
    # test suite may still carry tests.settings. ``--settings`` on the command line still wins.
    os.environ["DJANGO_SETTINGS_MODULE"] = "demo_site.settings"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
