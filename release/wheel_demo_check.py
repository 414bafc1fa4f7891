"""
Run by ``make test-wheels`` inside the demo's ``manage.py shell``, in a fresh virtualenv holding the built
wheels, with a copy of demo/ as the only source on sys.path (``IDV_SOURCE_TREE`` names the checkout).

Checks that nothing is imported from the checkout but the demo itself, that every provider's pages and the
admin render from the wheels' templates, and that the wheels' static files are found.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.test import Client

import idv_core
import idv_manual
import idv_persona
import idv_persona_simulator
import idv_sso

source_tree = Path(os.environ["IDV_SOURCE_TREE"]).resolve()
demo_copy = Path(os.environ["IDV_DEMO_COPY"]).resolve()
venv = Path(sys.prefix).resolve()

from_checkout = sorted(
    name
    for name, module in list(sys.modules.items())
    if getattr(module, "__file__", None)
    and Path(module.__file__).resolve().is_relative_to(source_tree)
    and not Path(module.__file__).resolve().is_relative_to(venv)
    and not Path(module.__file__).resolve().is_relative_to(demo_copy)
)
assert not from_checkout, f"imported from the source tree, not the wheels: {from_checkout}"
for package in (idv_core, idv_manual, idv_persona, idv_persona_simulator, idv_sso):
    assert Path(package.__file__).resolve().is_relative_to(venv), package.__file__

User = get_user_model()
learner = User.objects.create_user("wheel-learner")  # no password: the client logs in with force_login
admin = User.objects.create_superuser("wheel-admin", "admin@example.org", None)


def fetch(user, path: str, expected: bytes) -> None:
    client = Client()
    client.force_login(user)
    response = client.get(path, HTTP_HOST="127.0.0.1")
    assert response.status_code == 200, (path, response.status_code)
    assert expected in response.content, (path, expected)
    print(f"  {path}: {response.status_code}")


print("Pages served from the installed wheels:")
fetch(learner, "/idv/verify", b"Manual review")
fetch(learner, "/idv/status", b"<html")
fetch(learner, "/idv/manual/start", b'data-testid="idv-manual-request"')
fetch(learner, "/idv/sso", b"<html")
fetch(admin, "/admin/", b'id="idv-health-module"')
fetch(admin, "/admin/idv_core/verificationattempt/", b"verification attempt")
fetch(admin, "/admin/idv_manual/pendingattempt/", b"pending attempt")
fetch(admin, "/admin/idv_persona/personawebhookevent/", b"Persona webhook event")
fetch(admin, "/persona-simulator/", b"<html")  # its index is for staff
assert finders.find("admin/css/base.css"), "the admin's static files are not found"
print("Nothing imported from the source tree but the demo; idv_core from", Path(idv_core.__file__).parent)
