"""The sso provider's class, registered under ``openedx.idv_provider`` as ``sso``."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.urls import reverse
from django.utils.module_loading import import_string

from idv_core.providers import IDVProvider
from idv_sso.conf import sso_setting
from idv_sso.pipeline import PIPELINE_STEP
from idv_sso.retirement import retire_user_sso_verifications
from idv_sso.trusted_backends import SETTING, find_problems, load_trusted_backends

_SETTING_HINT = (
    'For example {"oidc": {"NAME_FIELD": "fullname"}, "tpa-saml:mit": {"NAME_FIELD": '
    '["first_name", "last_name"], "DAYS_GOOD_FOR": 365}}; see docs/provider_sso.rst.'
)


def social_auth_backend_names() -> set[str]:
    """Return the names of the python-social-auth backends in ``AUTHENTICATION_BACKENDS``."""
    names = set()
    for path in getattr(settings, "AUTHENTICATION_BACKENDS", ()):
        try:
            backend_class = import_string(path)
        except ImportError:
            continue  # Django reports a backend that cannot be imported; not ours to repeat.
        name = getattr(backend_class, "name", None)
        if isinstance(name, str) and name:
            names.add(name)
    return names


class SSOProvider(IDVProvider):
    """
    Learners who sign in through an identity provider the operator trusts are verified by that sign-in.

    The verifying happens in the python-social-auth pipeline step ``idv_sso.pipeline.verify_identity``; the
    start page only lists the trusted sign-in options.
    """

    name = "Your institution's sign-in"
    description = (
        "Sign in through your university's or organization's login: the name it has on record for you "
        "is verified."
    )
    django_app = "idv_sso"

    def retire_user(self, user_id: int) -> None:
        """Delete the learner's SSO verification records (their identifier at the identity provider)."""
        retire_user_sso_verifications(user_id)

    def get_start_url(self) -> str:
        """The page listing the trusted sign-in options."""
        return reverse("idv_sso:start")

    def check(self) -> list[CheckMessage]:
        """
        Validate ``IDV_SSO_TRUSTED_BACKENDS`` (errors sso.E001 to sso.E006), and warn when its backends are
        not in ``AUTHENTICATION_BACKENDS`` (sso.W001) and when it trusts some backend but the pipeline step
        is missing from ``SOCIAL_AUTH_PIPELINE`` (sso.W002). An empty setting is valid (the provider is
        installed but verifies nobody yet) and reported by nothing: a fresh install must check clean.
        """
        problems = find_problems(sso_setting(SETTING))
        if problems:
            return [Error(problem.msg, hint=_SETTING_HINT, id=problem.id) for problem in problems]
        trusted = load_trusted_backends()
        messages: list[CheckMessage] = []
        known = social_auth_backend_names()
        for entry in trusted.values():
            if entry.backend not in known:
                messages.append(
                    Warning(
                        f"{SETTING}[{entry.key!r}] names the backend {entry.backend!r}, which is not a "
                        "python-social-auth backend of AUTHENTICATION_BACKENDS; no sign-in through it can "
                        "happen.",
                        hint=f"Known backend names: {', '.join(sorted(known)) or 'none'}.",
                        id="sso.W001",
                    )
                )
        if trusted and PIPELINE_STEP not in (getattr(settings, "SOCIAL_AUTH_PIPELINE", None) or ()):
            messages.append(
                Warning(
                    f"{PIPELINE_STEP} is not in SOCIAL_AUTH_PIPELINE: sign-ins verify nobody.",
                    hint="Append it to SOCIAL_AUTH_PIPELINE, after the steps that create and associate "
                    "the user.",
                    id="sso.W002",
                )
            )
        return messages
