"""The sso provider's class, registered under ``openedx.idv_provider`` as ``sso``."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.urls import re_path
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from idv_core.providers import IDVProvider
from idv_sso import views
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

    name = _("Your institution's sign-in")
    description = _(
        "Sign in through your university's or organization's login: the name it has on record for you "
        "is verified."
    )
    django_app = "idv_sso"
    # /idv/sso (and /idv/sso/): the page listing the trusted sign-in options.
    urlpatterns = [re_path(r"^/?$", views.start, name="start")]
    settings_defaults = {
        # .. setting_name: IDV_SSO_TRUSTED_BACKENDS
        # .. setting_default: {}
        # .. setting_description: The sign-in methods whose login verifies a learner's identity, and how.
        #   A dict mapping a key to a dict of options. The key is a python-social-auth backend name
        #   (``"oidc"``, ``"azuread-oauth2"``), trusting every sign-in through that backend, or
        #   ``"<backend>:<idp>"`` for a backend with several identity providers, such as edx-platform's SAML
        #   backend (``"tpa-saml:mit"``: the backend ``tpa-saml``, the IdP whose slug is ``mit``). Options:
        #   ``NAME_FIELD``: the social-auth detail holding the name to verify, or a list of details joined
        #   by a space (default ``"fullname"``); ``DAYS_GOOD_FOR``: how many days the verification lasts
        #   (default: idv_core's ``IDV_DAYS_GOOD_FOR``); ``TITLE``: the label of the sign-in button on the
        #   learner's page (default: the key). Empty: no sign-in verifies anyone. ``manage.py check``
        #   reports a malformed value (sso.E001 to sso.E006), backends missing from AUTHENTICATION_BACKENDS
        #   (sso.W001), a missing pipeline step (sso.W002) and, while the provider is enabled, an empty
        #   value (sso.W003: learners would be offered a sign-in that verifies nobody).
        "IDV_SSO_TRUSTED_BACKENDS": {},
        # .. setting_name: IDV_SSO_ADD_PIPELINE_STEP
        # .. setting_default: True
        # .. setting_description: Whether idv_sso appends its pipeline step
        #   (``idv_sso.pipeline.verify_identity``) to ``SOCIAL_AUTH_PIPELINE`` when Django starts, if
        #   ``IDV_SSO_TRUSTED_BACKENDS`` trusts some backend and the step is not there yet. In the LMS this
        #   is what makes the step stick: edx-platform's third_party_auth replaces ``SOCIAL_AUTH_PIPELINE``
        #   with its own list when it starts (before plugin apps start), so a step added in the settings
        #   files is lost. Set it to False to place the step yourself (``manage.py check`` warns with
        #   sso.W002 when it is missing).
        "IDV_SSO_ADD_PIPELINE_STEP": True,
    }

    def retire_user(self, user_id: int) -> None:
        """Delete the learner's SSO verification records (their identifier at the identity provider)."""
        retire_user_sso_verifications(user_id)

    def check(self) -> list[CheckMessage]:
        """
        Validate ``IDV_SSO_TRUSTED_BACKENDS`` (errors sso.E001 to sso.E006), and warn when its backends are
        not in ``AUTHENTICATION_BACKENDS`` (sso.W001) and when it trusts some backend but the pipeline step
        is missing from ``SOCIAL_AUTH_PIPELINE`` (sso.W002). An empty setting is valid, but an enabled
        provider that trusts no backend offers learners a sign-in that verifies nobody: a warning (sso.W003)
        says to configure it or to disable the provider.
        """
        problems = find_problems(self.setting(SETTING))
        if problems:
            return [Error(problem.msg, hint=_SETTING_HINT, id=problem.id) for problem in problems]
        trusted = load_trusted_backends()
        if not trusted:
            return [
                Warning(
                    f"{SETTING} trusts no identity provider: learners are offered \"Your institution's "
                    'sign-in", which verifies nobody.',
                    hint="Name the backends (or backend:idp pairs) whose sign-ins verify identities, or "
                    "leave the sso provider out of IDV_ENABLED_PROVIDERS; see docs/provider_sso.rst.",
                    id="sso.W003",
                )
            ]
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
