"""
The ``idv`` Tutor plugin: installs openedx-idv into the ``openedx`` image and configures it in the LMS.

Laid out as overhangio/cookiecutter-tutor-plugin lays a plugin out: configuration, init tasks, then one
patch per file of ``tutoridv/patches`` (the file's name is the patch's name). See docs/tutor.rst.
"""

from __future__ import annotations

import os
import pprint
from glob import glob
from importlib import resources
from typing import Any

from tutor import hooks

from .__about__ import __version__

########################################
# CONFIGURATION
########################################

#: The topic every IDV event goes to by default (without ``EVENT_BUS_TOPIC_PREFIX``), as in docs/events.rst.
DEFAULT_TOPIC = "learning-idv-attempt"
#: The event types the core's outbox can relay (idv_core.outbox.IDV_EVENT_TYPES).
IDV_EVENT_TYPES = tuple(
    f"org.openedx.learning.idv_attempt.{status}.v1" for status in ("created", "pending", "approved", "denied")
)

#: The distributions of this repository, pinned to the versions this release of the plugin was tested with
#: (a test compares them with the ``__version__`` of each package in the repository).
PIP_REQUIREMENTS = {
    "IDV_PIP_REQUIREMENT": "openedx-idv==0.1.0",
    "IDV_MANUAL_PIP_REQUIREMENT": "openedx-idv-manual==0.1.0",
    "IDV_PERSONA_PIP_REQUIREMENT": "openedx-idv-persona==0.1.0",
    "IDV_SSO_PIP_REQUIREMENT": "openedx-idv-sso==0.1.0",
}

hooks.Filters.CONFIG_DEFAULTS.add_items(
    [
        ("IDV_VERSION", __version__),
        *PIP_REQUIREMENTS.items(),
        # More distributions to install with the providers above (a provider of your own).
        ("IDV_EXTRA_PIP_REQUIREMENTS", []),
        # IDV_ENABLED_PROVIDERS: the providers learners may use, in this order. Of these, "manual", "persona"
        # and "sso" are installed from the requirements above; the manual review needs no key.
        ("IDV_PROVIDERS", ["manual"]),
        # IDV_DEFAULT_PROVIDER; empty: the first of IDV_PROVIDERS.
        ("IDV_DEFAULT_PROVIDER", ""),
        # Persona's keys come from Persona's dashboard, so there is nothing to generate (no CONFIG_UNIQUE):
        # while "persona" is in IDV_PROVIDERS and one of them is blank, `manage.py lms check` (run by this
        # plugin's init task) fails with persona.E002 (API key), persona.E003 (inquiry template) or
        # persona.E004 (webhook secrets).
        ("IDV_PERSONA_API_KEY", ""),
        ("IDV_PERSONA_INQUIRY_TEMPLATE_ID", ""),
        ("IDV_PERSONA_ENVIRONMENT_ID", ""),
        ("IDV_PERSONA_WEBHOOK_SECRETS", []),
        # Merged into IDV_EVENT_BUS_PRODUCER_CONFIG (the outbox's routes); the relay service runs while it is
        # not empty. Empty ({}): no outbox, no relay.
        (
            "IDV_EVENT_BUS_PRODUCER_CONFIG",
            {
                event_type: {DEFAULT_TOPIC: {"event_key_field": "idv_attempt.user.id", "enabled": True}}
                for event_type in IDV_EVENT_TYPES
            },
        ),
        # "auto", true or false (docs/lms.rst); false also skips `idv_platform_sync` in the init task.
        ("IDV_PLATFORM_MIRROR", "auto"),
    ]
)

# Nothing of openedx-idv needs a secret generated here: hooks.Filters.CONFIG_UNIQUE stays untouched.


########################################
# TEMPLATE FILTERS
########################################


def python_literal(value: Any) -> str:
    """Render a configuration value (str, number, bool, None, list, dict) as a Python literal."""
    return pprint.pformat(value, width=100, sort_dicts=False)


hooks.Filters.ENV_TEMPLATE_FILTERS.add_item(("idv_python", python_literal))


########################################
# INITIALIZATION TASKS
########################################

# ("<service>", ("<path>", "<to>", "<script>", "<template>")), under tutoridv/templates. Low priority: after
# Tutor's own LMS task (its migrations, which create our tables).
MY_INIT_TASKS: list[tuple[str, tuple[str, ...]]] = [
    ("lms", ("idv", "tasks", "lms", "init.sh")),
]

for service, template_path in MY_INIT_TASKS:
    full_path: str = str(resources.files("tutoridv") / os.path.join("templates", *template_path))
    with open(full_path, encoding="utf-8") as init_task_file:
        init_task: str = init_task_file.read()
    hooks.Filters.CLI_DO_INIT_TASKS.add_item((service, init_task), priority=hooks.priorities.LOW)


########################################
# PATCH LOADING
########################################

# Our LMS settings merge into what the platform, its plugins and the other Tutor plugins set, so they come
# last among the patches of the same name (low priority; the others have the default one).
LATE_PATCHES = {
    "openedx-lms-common-settings",
    "openedx-lms-production-settings",
    "openedx-lms-development-settings",
}

# No template is rendered into the Tutor environment (no ENV_TEMPLATE_ROOTS / ENV_TEMPLATE_TARGETS): the
# patches below and the init task are all this plugin adds.
for path in sorted(glob(str(resources.files("tutoridv") / "patches" / "*"))):
    with open(path, encoding="utf-8") as patch_file:
        name = os.path.basename(path)
        hooks.Filters.ENV_PATCHES.add_item(
            (name, patch_file.read()),
            priority=hooks.priorities.LOW if name in LATE_PATCHES else None,
        )
