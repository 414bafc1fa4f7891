"""
Settings of idv_sso: their defaults, their documentation, and how the plugin applies them to a host.

As in idv_core, the host's own value always wins: ``plugin_settings`` only fills in what is missing, and
code reads the settings through ``idv_sso.conf.sso_setting`` so that a host without plugin settings gets
the same defaults.
"""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    # .. setting_name: IDV_SSO_TRUSTED_BACKENDS
    # .. setting_default: {}
    # .. setting_description: The sign-in methods whose login verifies a learner's identity, and how.
    #   A dict mapping a key to a dict of options. The key is a python-social-auth backend name
    #   (``"oidc"``, ``"azuread-oauth2"``), trusting every sign-in through that backend, or
    #   ``"<backend>:<idp>"`` for a backend with several identity providers, such as edx-platform's SAML
    #   backend (``"tpa-saml:mit"``: the backend ``tpa-saml``, the IdP whose slug is ``mit``). Options:
    #   ``NAME_FIELD``: the social-auth detail holding the name to verify, or a list of details joined by
    #   a space (default ``"fullname"``); ``DAYS_GOOD_FOR``: how many days the verification lasts
    #   (default: idv_core's ``IDV_DAYS_GOOD_FOR``); ``TITLE``: the label of the sign-in button on the
    #   learner's page (default: the key). Empty: no sign-in verifies anyone. ``manage.py check`` reports a
    #   malformed value (sso.E001 to sso.E006), backends missing from AUTHENTICATION_BACKENDS (sso.W001)
    #   and a missing pipeline step (sso.W002).
    "IDV_SSO_TRUSTED_BACKENDS": {},
    # .. setting_name: IDV_SSO_ADD_PIPELINE_STEP
    # .. setting_default: True
    # .. setting_description: Whether idv_sso appends its pipeline step
    #   (``idv_sso.pipeline.verify_identity``) to ``SOCIAL_AUTH_PIPELINE`` when Django starts, if
    #   ``IDV_SSO_TRUSTED_BACKENDS`` trusts some backend and the step is not there yet. In the LMS this is
    #   what makes the step stick: edx-platform's third_party_auth replaces ``SOCIAL_AUTH_PIPELINE`` with its
    #   own list when it starts (before plugin apps start), so a step added in the settings files is lost.
    #   Set it to False to place the step yourself (``manage.py check`` warns with sso.W002 when it is
    #   missing).
    "IDV_SSO_ADD_PIPELINE_STEP": True,
}


def plugin_settings(settings: Any) -> None:
    """Apply idv_sso's defaults to the host's settings, keeping every value the host already set."""
    for name, default in DEFAULTS.items():
        if not hasattr(settings, name):
            setattr(settings, name, default)
