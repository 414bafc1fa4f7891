"""User retirement for the sso provider: forget which IdP identity (uid) verified the user."""

from __future__ import annotations

import logging

from django.contrib.auth.base_user import AbstractBaseUser

from idv_sso.models import SSOVerification

log = logging.getLogger(__name__)


def retire_user_sso_verifications(user: AbstractBaseUser | int) -> int:
    """
    Delete ``user``'s SSO verification records (a user or a user id); return how many were deleted.

    idv_core's ``retire_user_verification_names`` calls it (through ``SSOProvider.retire_user``) when the
    platform retires a user. The attempts stay in idv_core (their names erased there), so the user is
    still known to have been verified.
    """
    user_id = user if isinstance(user, int) else user.pk
    count, _by_model = SSOVerification.objects.filter(user_id=user_id).delete()
    log.info("Retired %s SSO verification record(s) of user %s.", count, user_id)
    return count
