"""
The python-social-auth pipeline step that turns a sign-in through a trusted identity provider into an
approved identity verification.

Append it to the host's pipeline, after the steps that create and associate the user::

    SOCIAL_AUTH_PIPELINE = [
        *SOCIAL_AUTH_PIPELINE,  # the host's steps (edx-platform's third_party_auth pipeline in the LMS)
        "idv_sso.pipeline.verify_identity",
    ]
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import DatabaseError
from social_core.pipeline import DEFAULT_AUTH_PIPELINE

from idv_core.exceptions import VerificationAttemptInvalidName
from idv_core.providers import is_provider_enabled
from idv_sso import verifications
from idv_sso.trusted_backends import (
    TrustedBackendsConfigError,
    find_trusted_backend,
    idp_of_response,
    load_trusted_backends,
)

log = logging.getLogger(__name__)

#: The step's dotted path, as it goes in ``SOCIAL_AUTH_PIPELINE``.
PIPELINE_STEP = "idv_sso.pipeline.verify_identity"


def add_step_to_pipeline() -> bool:
    """
    Append :data:`PIPELINE_STEP` to ``SOCIAL_AUTH_PIPELINE`` if the operator wants it and it is missing.

    Runs when the app starts (``IdvSsoConfig.ready``). In the LMS, plugin apps start after
    third_party_auth, which replaces ``SOCIAL_AUTH_PIPELINE`` with edx-platform's own list; appending here
    keeps the step. Nothing is done when ``IDV_SSO_ADD_PIPELINE_STEP`` is False, when no backend is
    trusted, or when the step is already in the pipeline (wherever the operator put it). Without a
    ``SOCIAL_AUTH_PIPELINE`` setting, social-core's default pipeline is extended. Returns whether the step
    was appended.
    """
    from idv_sso.provider import SSOProvider  # the provider's class imports this module

    if not SSOProvider.setting("IDV_SSO_ADD_PIPELINE_STEP"):
        return False
    try:
        if not load_trusted_backends():
            return False
    except TrustedBackendsConfigError:
        return False  # manage.py check reports the malformed setting (sso.E00x)
    pipeline = getattr(settings, "SOCIAL_AUTH_PIPELINE", None)
    if pipeline is None:
        pipeline = DEFAULT_AUTH_PIPELINE
    if PIPELINE_STEP in pipeline:
        return False
    settings.SOCIAL_AUTH_PIPELINE = [*pipeline, PIPELINE_STEP]
    log.info("Appended %s to SOCIAL_AUTH_PIPELINE (IDV_SSO_ADD_PIPELINE_STEP).", PIPELINE_STEP)
    return True


def verify_identity(
    backend: Any,
    details: Mapping[str, Any],
    response: Any = None,
    uid: str | None = None,
    user: AbstractBaseUser | None = None,
    *args: Any,
    **kwargs: Any,
) -> None:
    """
    Verify ``user`` when they signed in through a backend (and IdP) of ``IDV_SSO_TRUSTED_BACKENDS``.

    Records an approved attempt (provider ``sso``) with the name the IdP asserts, unless the learner
    already has an unexpired SSO verification with that name (see :mod:`idv_sso.verifications`). Does
    nothing when the sso provider is disabled in ``IDV_ENABLED_PROVIDERS``, when there is no user yet
    (the step is placed too early) or when the backend is not trusted.

    It never makes a sign-in fail because of verification: a missing or refused name, a malformed
    setting, or a database error while saving the attempt is logged (without PII) and the sign-in goes on.
    Anything else is a bug and is not hidden.
    """
    if user is None or not is_provider_enabled(verifications.sso_provider().id):
        return
    try:
        trusted_backends = load_trusted_backends()
    except TrustedBackendsConfigError as error:
        log.error(
            "IDV_SSO_TRUSTED_BACKENDS is malformed; no sign-in is verified until it is fixed: %s", error
        )
        return
    trusted = find_trusted_backend(trusted_backends, backend.name, idp_of_response(response))
    if trusted is None:
        return
    social = kwargs.get("social")
    uid = str(uid or getattr(social, "uid", "") or "")
    name = trusted.name_from(details)
    if not name:
        log.warning(
            "SSO sign-in of user %s through %s asserted no name in %s; no verification recorded.",
            user.pk,
            trusted.key,
            " + ".join(trusted.name_fields),
        )
        return
    try:
        # verify() writes inside transaction.atomic(): inside the sign-in's own transaction that is a
        # savepoint, so a failed write is rolled back alone and the sign-in's transaction stays usable.
        verifications.verify(user, trusted, uid, name)
    except VerificationAttemptInvalidName as error:
        # idv_core's message says what is wrong with the name without repeating it.
        log.warning(
            "SSO sign-in of user %s through %s: the asserted name was refused (%s); no verification made.",
            user.pk,
            trusted.key,
            error,
        )
    except DatabaseError as error:
        # The message of a database error may quote values (the uid); log its type only.
        log.error(
            "SSO sign-in of user %s through %s: the verification could not be saved (%s); "
            "the next sign-in tries again.",
            user.pk,
            trusted.key,
            type(error).__name__,
        )
