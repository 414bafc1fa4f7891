"""Sphinx configuration of the openedx-idv documentation (``make docs``)."""

import importlib.util
import os
import sys
from pathlib import Path

import django

DOCS_DIR = Path(__file__).resolve().parent
REPO_ROOT = DOCS_DIR.parent

# autodoc imports idv_core, whose modules need configured Django settings. The docs use their own small
# settings module (docs/settings.py), never the tests' (the test provider is installed only for tests).
# It is registered under a name of its own: installed distributions ship top-level ``docs`` and
# ``settings`` packages (edx-drf-extensions, edx-opaque-keys), which would shadow "docs.settings".
sys.path.insert(0, str(REPO_ROOT))
_SETTINGS_MODULE = "idv_docs_settings"
_spec = importlib.util.spec_from_file_location(_SETTINGS_MODULE, DOCS_DIR / "settings.py")
_settings = importlib.util.module_from_spec(_spec)
sys.modules[_SETTINGS_MODULE] = _settings
_spec.loader.exec_module(_settings)
os.environ["DJANGO_SETTINGS_MODULE"] = _SETTINGS_MODULE
django.setup()

import idv_core  # noqa: E402 -- needs the path above

# -- Project ----------------------------------------------------------------------------------------------

project = "openedx-idv"
author = "openedx-idv contributors"
copyright = "openedx-idv contributors"
version = idv_core.__version__
release = idv_core.__version__

# -- General ----------------------------------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]

exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"
source_suffix = {".rst": "restructuredtext"}

# The docs build offline: no intersphinx inventories are fetched.

# -- autodoc / napoleon -----------------------------------------------------------------------------------

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented_params"
autodoc_default_options = {"members": True}

napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = True

# -- HTML -------------------------------------------------------------------------------------------------

html_theme = "sphinx_book_theme"
html_title = f"openedx-idv {release}"
html_theme_options = {
    "show_toc_level": 2,
}
html_static_path: list[str] = []
