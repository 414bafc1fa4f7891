"""
Settings of the manual provider: their defaults, their documentation, and how the plugin applies them.

As in idv_core, ``plugin_settings`` only fills in what the host has not set, so the operator's value
always wins, whether it is set before or after ``add_plugins`` runs. Code reads these through
``idv_manual.conf.manual_setting``, so a host that does not run ``add_plugins`` gets the same defaults.
"""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    # .. setting_name: IDV_MANUAL_INSTRUCTIONS
    # .. setting_default: "A member of our support team checks your identity by hand. ..." (see below)
    # .. setting_description: The text the manual provider's start page (``/idv/manual/start``) shows
    #   learners: how manual verification works at this site (which document to send, where, how long a
    #   review takes). Plain text; blank lines separate paragraphs. It must be a non-blank string
    #   (``manage.py check`` reports manual.E001 otherwise).
    "IDV_MANUAL_INSTRUCTIONS": (
        "A member of our support team checks your identity by hand.\n\n"
        "Ask for a review below, then contact support with a photo of an official identity document "
        "that shows the name you want verified. You will see the decision on your verification status "
        "page, usually within a few working days."
    ),
}


def plugin_settings(settings: Any) -> None:
    """Apply the manual provider's defaults to the host's settings, keeping every value already set."""
    for name, default in DEFAULTS.items():
        if not hasattr(settings, name):
            setattr(settings, name, default)
