"""
The sso provider's own record of each verification it wrote: which sign-in (backend, IdP, uid) vouched
for which idv_core attempt.

The attempt itself (name, status, expiration) lives in idv_core and is read only through ``idv_core.api``;
this table links to it by id, because a provider never imports idv_core's models.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from idv_sso.trusted_backends import BACKEND_MAX_LENGTH, IDP_MAX_LENGTH


class SSOVerification(models.Model):
    """
    One verification attempt the sso provider recorded, and the sign-in (or old account link) behind it.

    ``external_id`` is the attempt's external id in idv_core: a random value made for each attempt, so it
    stays unique however often the same learner signs in, and carries no part of the IdP's uid (which may
    be an email address, and external ids appear in logs and error messages).

    .. pii: ``uid`` is the learner's identifier at the identity provider (python-social-auth's uid: an
       opaque subject, but often an email address or an eduPersonPrincipalName).
    .. pii_types: id, email_address
    .. pii_retirement: local_api
    """

    SOURCE_SIGN_IN = "sign_in"
    SOURCE_BACKFILL = "backfill"
    SOURCES = [(SOURCE_SIGN_IN, "Sign-in"), (SOURCE_BACKFILL, "Backfill of an existing link")]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idv_sso_verifications"
    )
    attempt_id = models.PositiveBigIntegerField(
        unique=True, help_text=_("The idv_core verification attempt this sign-in approved.")
    )
    external_id = models.CharField(max_length=64, unique=True, help_text=_("The attempt's external id."))
    backend = models.CharField(max_length=BACKEND_MAX_LENGTH, help_text=_("The python-social-auth backend."))
    idp = models.CharField(
        max_length=IDP_MAX_LENGTH,
        blank=True,
        default="",
        help_text=_("The identity provider's slug, for a key '<backend>:<idp>' (SAML); empty otherwise."),
    )
    uid = models.CharField(max_length=255, help_text=_("The learner's id at the identity provider."))
    source = models.CharField(max_length=16, choices=SOURCES, default=SOURCE_SIGN_IN)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("SSO verification")
        indexes = [
            # The pipeline step's one lookup: this learner's latest verification through this sign-in.
            models.Index(fields=["user", "backend", "idp", "uid"], name="idv_sso_user_signin"),
        ]

    def __str__(self) -> str:
        sign_in = f"{self.backend}:{self.idp}" if self.idp else self.backend
        return f"SSO verification {self.pk} (attempt {self.attempt_id}, {sign_in})"
